/**
 * Colormaps as rows of one 256-wide lookup texture, chosen by name. Stops are interpolated
 * linearly in sRGB: viridis (matplotlib's, perceptually uniform), a blue–white–red diverging map
 * (ColorBrewer RdBu, reversed so negative is blue), grays, and ColorBrewer Blues for counts.
 */
const STOPS = {
  viridis: ['#440154', '#482878', '#3e4989', '#31688e', '#26828e', '#1f9e89', '#35b779', '#6ece58', '#b5de2b', '#fde725'],
  diverging: ['#053061', '#2166ac', '#4393c3', '#92c5de', '#d1e5f0', '#f7f7f7', '#fddbc7', '#f4a582', '#d6604d', '#b2182b', '#67001f'],
  gray: ['#000000', '#ffffff'],
  grayInverted: ['#ffffff', '#000000'],
  // ColorBrewer Blues: counts and rates (the confusion matrix).
  blues: ['#f7fbff', '#deebf7', '#c6dbef', '#9ecae1', '#6baed6', '#4292c6', '#2171b5', '#08519c', '#08306b'],
  // Matplotlib's magma and inferno, sampled at nine evenly spaced points: alternatives for activations.
  magma: ['#000004', '#1c1044', '#4f127b', '#812581', '#b5367a', '#e55064', '#fb8761', '#fec287', '#fcfdbf'],
  inferno: ['#000004', '#1f0c48', '#550f6d', '#88226a', '#ba3655', '#e35933', '#f98e09', '#f9cb35', '#fcffa4'],
} as const;

export type ColormapName = keyof typeof STOPS;
export const COLORMAP_NAMES = Object.keys(STOPS) as ColormapName[];
export const COLORMAP_WIDTH = 256;

/** The atlas row of a colormap; a clear error for an unknown name. */
export function colormapRow(name: string): number {
  const row = COLORMAP_NAMES.indexOf(name as ColormapName);
  if (row < 0) throw new RangeError(`Unknown colormap '${name}'; choose one of ${COLORMAP_NAMES.join(', ')}.`);
  return row;
}

const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));

/** RGBA bytes of colormap `name` at t ∈ [0, 1] (what the texture holds; tests use it too). */
export function colormapColor(name: ColormapName, t: number): [number, number, number, number] {
  const stops = STOPS[name];
  const x = Math.min(1, Math.max(0, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const [a, b] = [rgb(stops[i]), rgb(stops[i + 1])];
  const f = x - i;
  return [0, 1, 2].map((c) => Math.round(a[c] + (b[c] - a[c]) * f)).concat(255) as [number, number, number, number];
}

/** The atlas: COLORMAP_WIDTH × (number of colormaps) RGBA texels. Its caller owns (destroys) it. */
export function createColormapTexture(device: GPUDevice): GPUTexture {
  const texels = new Uint8Array(COLORMAP_WIDTH * COLORMAP_NAMES.length * 4);
  COLORMAP_NAMES.forEach((name, row) => {
    for (let x = 0; x < COLORMAP_WIDTH; x++) texels.set(colormapColor(name, x / (COLORMAP_WIDTH - 1)), (row * COLORMAP_WIDTH + x) * 4);
  });
  const texture = device.createTexture({
    label: 'nnscope.colormaps',
    size: [COLORMAP_WIDTH, COLORMAP_NAMES.length],
    format: 'rgba8unorm',
    usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST,
  });
  device.queue.writeTexture({ texture }, texels, { bytesPerRow: COLORMAP_WIDTH * 4 }, [COLORMAP_WIDTH, COLORMAP_NAMES.length]);
  return texture;
}
