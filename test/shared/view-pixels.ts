/** Reading a view's pixels back in tests, and the colours the panel shader should have drawn. */
import { expect } from '@esm-bundle/chai';
import { colormapColor, type CanvasView, type ColormapName } from '../../src/views/index.js';
import { COLORMAP_WIDTH } from '../../src/views/colormaps.js';
import type { PanelSpec } from '../../src/views/panels.js';

export function canvas(width: number, height: number): HTMLCanvasElement {
  const element = document.createElement('canvas');
  element.width = width;
  element.height = height;
  return element;
}

/** The canvas's pixels as RGBA bytes, after the GPU finished drawing. */
export async function pixels(view: CanvasView): Promise<ImageData> {
  await view.idle();
  const { width, height } = view.canvas;
  const copy = new OffscreenCanvas(width, height).getContext('2d')!;
  copy.drawImage(view.canvas as HTMLCanvasElement, 0, 0);
  return copy.getImageData(0, 0, width, height);
}

export function pixel(image: ImageData, x: number, y: number): number[] {
  const i = (Math.floor(y) * image.width + Math.floor(x)) * 4;
  return Array.from(image.data.subarray(i, i + 4));
}

/** The texel the shader picks for value `t` ∈ [0, 1]. */
export const expected = (name: ColormapName, t: number) =>
  colormapColor(name, Math.round(Math.min(1, Math.max(0, t)) * (COLORMAP_WIDTH - 1)) / (COLORMAP_WIDTH - 1));

/** Centre of tile `tile`'s cell (cx, cy) in a panel's rect. */
export function cellCentre(spec: PanelSpec, tile: number, cx = 0, cy = 0): [number, number] {
  const gap = spec.gap ?? 0;
  const pitchX = (spec.rect.width + gap) / spec.columns;
  const pitchY = (spec.rect.height + gap) / spec.rows;
  const [tx, ty] = [tile % spec.columns, Math.floor(tile / spec.columns)];
  const cellW = (pitchX - gap) / (spec.tileWidth ?? 1);
  const cellH = (pitchY - gap) / (spec.tileHeight ?? 1);
  return [spec.rect.x + tx * pitchX + (cx + 0.5) * cellW, spec.rect.y + ty * pitchY + (cy + 0.5) * cellH];
}

export function expectColor(actual: number[], wanted: number[], what: string, tolerance = 1) {
  const worst = Math.max(...actual.slice(0, 3).map((v, c) => Math.abs(v - wanted[c])));
  expect(worst, `${what}: got rgb(${actual.slice(0, 3)}), want rgb(${wanted.slice(0, 3)})`).to.be.at.most(tolerance);
}
