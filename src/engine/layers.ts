/**
 * The network's layers: the text people write (`conv 3x3 16, pool 2, conv 3x3 32, pool 2, 64`),
 * parsed and resolved against the data's shape into layers with their tensor shapes. No GPU work.
 *
 * A `pool 2` belongs to the conv layer before it: that layer keeps its raw and activated maps and
 * adds the pooled map, which is what the next layer reads. So every layer has parameters, and
 * files, history and views index layers the same way with or without convolutions. Activations
 * are NHWC (shaders/conv-common.wgsl); a dense layer after a conv reads its map flattened in that
 * order, with no copy.
 */

/** An activation map's shape: height × width × channels (NHWC per image). */
export interface MapShape {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

/** A fully connected layer: [rows, inputs] · [inputs, outputs]. */
export interface DenseLayer {
  readonly kind: 'dense';
  readonly inputs: number;
  readonly outputs: number;
}

/** A k×k convolution, stride 1, "same" padding, optionally followed by 2×2 max pooling (stride 2). */
export interface ConvLayer {
  readonly kind: 'conv';
  readonly kernel: number;
  readonly input: MapShape;
  /** The conv's own output: input height × width × filters. */
  readonly output: MapShape;
  /** The pooled map (floor(height / 2) × floor(width / 2) × filters), when a pool follows. */
  readonly pooled?: MapShape;
}

export type Layer = DenseLayer | ConvLayer;

/** What one comma-separated item of the layer text says, before the data's shape is known. */
export type LayerToken =
  | { readonly kind: 'dense'; readonly width: number }
  | { readonly kind: 'conv'; readonly kernel: number; readonly filters: number }
  | { readonly kind: 'pool'; readonly size: 2 };

/** The largest dense width, conv kernel and filter count accepted. */
export const MAX_WIDTH = 1 << 20;
export const MAX_KERNEL = 15;
export const MAX_FILTERS = 1024;

export const LAYER_FORMS =
  `a dense width such as 128; 'conv KxK F' such as 'conv 3x3 16' (K odd, 1 to ${MAX_KERNEL}; F filters, a multiple of 4 up to ${MAX_FILTERS}); ` +
  `'pool 2' (2×2 max pooling, after a conv). Example: 'conv 3x3 16, pool 2, conv 3x3 32, pool 2, 64'`;

/** A layer text or list that cannot be read; `message` names the item and shows the allowed forms. */
export class LayerSyntaxError extends Error {
  override name = 'LayerSyntaxError';
}

const elements = (shape: MapShape) => shape.height * shape.width * shape.channels;

/** A map's per-sample shape as tensors hold it: [height, width, channels] (NHWC). */
export function mapDims(map: MapShape): number[] {
  return [map.height, map.width, map.channels];
}

/** The per-sample shape of a layer's own output (its raw and activated buffers' rows): [width] or [height, width, filters]. */
export function outputShape(layer: Layer): number[] {
  return layer.kind === 'dense' ? [layer.outputs] : mapDims(layer.output);
}

/** Values per sample of a layer's own output (its raw and activated buffers' row width). */
export function outputWidth(layer: Layer): number {
  return layer.kind === 'dense' ? layer.outputs : elements(layer.output);
}

/** The pooled map of a conv layer followed by a pool; undefined for any other layer. */
export function pooledMap(layer: Layer | undefined): MapShape | undefined {
  return layer?.kind === 'conv' ? layer.pooled : undefined;
}

/** The weights as the GEMM sees them: rows (dense inputs, or k·k·channels) × columns (outputs or filters). */
export function weightMatrix(layer: Layer): { rows: number; columns: number } {
  return layer.kind === 'dense'
    ? { rows: layer.inputs, columns: layer.outputs }
    : { rows: layer.kernel * layer.kernel * layer.input.channels, columns: layer.output.channels };
}

/** The weights' shape in files and the dictionary: [inputs, outputs], or [k, k, inputs, filters]. */
export function weightShape(layer: Layer): number[] {
  if (layer.kind === 'dense') return [layer.inputs, layer.outputs];
  return [layer.kernel, layer.kernel, layer.input.channels, layer.output.channels];
}

/** Fan-in and fan-out for initialisation (a conv's taps count on both sides, as in Keras and PyTorch). */
export function fansOf(layer: Layer): { fanIn: number; fanOut: number } {
  const { rows, columns } = weightMatrix(layer);
  return { fanIn: rows, fanOut: layer.kind === 'dense' ? columns : layer.kernel * layer.kernel * columns };
}

/** One item as the layer text writes it: '128', 'conv 3x3 16', 'pool 2'. */
export function tokenText(token: LayerToken): string {
  if (token.kind === 'dense') return String(token.width);
  return token.kind === 'conv' ? `conv ${token.kernel}x${token.kernel} ${token.filters}` : `pool ${token.size}`;
}

/** The layers as text, one item per layer and pool, e.g. 'conv 3x3 16, pool 2, 64, 10' (files record it). */
export function layersText(layers: readonly Layer[]): string {
  return layers
    .flatMap((layer): LayerToken[] => layer.kind === 'dense'
      ? [{ kind: 'dense', width: layer.outputs }]
      : [{ kind: 'conv', kernel: layer.kernel, filters: layer.output.channels }, ...(layer.pooled ? [{ kind: 'pool', size: 2 } as const] : [])])
    .map(tokenText)
    .join(', ');
}

/** Whether the network has any conv layer. */
export function hasConv(layers: readonly Layer[]): boolean {
  return layers.some((layer) => layer.kind === 'conv');
}

const CONV = /^conv\s+(\d+)\s*[x×]\s*(\d+)\s+(\d+)$/i;
const POOL = /^(?:max)?pool\s+(\d+)$/i;
const WIDTH = /^\d+$/;

/**
 * Reads the hidden layers from text ('conv 3x3 16, pool 2, 64' or '128,128'; empty: none) or a
 * list of widths and items ([128, 128], ['conv 3x3 16', 'pool 2', 64]). Throws LayerSyntaxError
 * naming the first bad item.
 */
export function parseLayers(layers: string | readonly (number | string)[]): LayerToken[] {
  const items: (number | string)[] = typeof layers === 'string'
    ? (layers.trim() === '' ? [] : layers.split(','))
    : [...layers];
  return items.map((item, i) => {
    const bad = (why: string): never => {
      throw new LayerSyntaxError(`layers item ${i + 1} (${JSON.stringify(typeof item === 'string' ? item.trim() : item)}) ${why}. Allowed: ${LAYER_FORMS}.`);
    };
    if (typeof item === 'number') {
      if (!Number.isInteger(item) || item < 1 || item > MAX_WIDTH) bad(`is not a width from 1 to ${MAX_WIDTH}`);
      return { kind: 'dense', width: item };
    }
    if (typeof item !== 'string') return bad('is neither a number nor text');
    const text = item.trim().replace(/\s+/g, ' ');
    if (WIDTH.test(text)) {
      const width = Number(text);
      if (width < 1 || width > MAX_WIDTH) bad(`is not a width from 1 to ${MAX_WIDTH}`);
      return { kind: 'dense', width };
    }
    const conv = CONV.exec(text);
    if (conv) {
      const [kh, kw, filters] = [Number(conv[1]), Number(conv[2]), Number(conv[3])];
      if (kh !== kw) bad('has a non-square kernel; kernels are square (3x3, 5x5)');
      if (kh % 2 === 0 || kh < 1 || kh > MAX_KERNEL) bad(`has kernel ${kh}x${kw}; the size must be odd, 1 to ${MAX_KERNEL} ("same" padding needs a centre)`);
      if (filters < 4 || filters > MAX_FILTERS || filters % 4 !== 0) bad(`has ${filters} filters; use a multiple of 4 from 4 to ${MAX_FILTERS} (the kernels store 4 channels at a time)`);
      return { kind: 'conv', kernel: kh, filters };
    }
    const pool = POOL.exec(text);
    if (pool) {
      if (Number(pool[1]) !== 2) bad('pools by a size other than 2; only 2×2 max pooling (stride 2) is supported');
      return { kind: 'pool', size: 2 };
    }
    if (/^conv\b/i.test(text)) return bad(`is not of the form 'conv KxK F'`);
    return bad('is not a layer');
  });
}

/**
 * The layers for images of `input` and `classes` classes: the hidden items, then the output layer
 * (dense, `classes` wide). Throws LayerSyntaxError for an order that cannot work (a pool not after
 * a conv, a conv after a dense layer, a pool of a 1-pixel map).
 */
export function resolveLayers(tokens: readonly LayerToken[], input: MapShape, classes: number): Layer[] {
  const layers: Layer[] = [];
  let map: MapShape | undefined = input; // undefined once flattened by a dense layer
  let width = elements(input);
  tokens.forEach((token, i) => {
    const item = `layers item ${i + 1}`;
    const last = layers[layers.length - 1];
    if (token.kind === 'pool') {
      if (!last || last.kind !== 'conv') {
        throw new LayerSyntaxError(`${item} ('pool 2') must follow a conv layer ('conv 3x3 16, pool 2'); pooling ${last ? 'a dense layer' : 'the input'} is not supported.`);
      }
      if (last.pooled) throw new LayerSyntaxError(`${item} is a second 'pool 2' after one conv; put a conv between them.`);
      if (last.output.height < 2 || last.output.width < 2) {
        throw new LayerSyntaxError(`${item} ('pool 2') would pool a ${last.output.height}×${last.output.width} map; it needs at least 2×2 (use fewer pools or larger images).`);
      }
      const pooled = { height: Math.floor(last.output.height / 2), width: Math.floor(last.output.width / 2), channels: last.output.channels };
      layers[layers.length - 1] = { ...last, pooled };
      map = pooled;
      width = elements(pooled);
      return;
    }
    if (token.kind === 'conv') {
      if (!map) throw new LayerSyntaxError(`${item} (a conv) follows a dense layer; put conv layers before the dense ones.`);
      const output = { height: map.height, width: map.width, channels: token.filters };
      layers.push({ kind: 'conv', kernel: token.kernel, input: map, output });
      map = output;
      width = elements(output);
      return;
    }
    layers.push({ kind: 'dense', inputs: width, outputs: token.width });
    map = undefined;
    width = token.width;
  });
  layers.push({ kind: 'dense', inputs: width, outputs: classes });
  return layers;
}

/** What a parameters or history file records of one layer, and is checked against. */
export interface LayerShapes {
  /** The weights' shape: [inputs, outputs], or [k, k, inputs, filters]. */
  readonly weights: readonly number[];
  /** The biases' count. */
  readonly biases: number;
  /** For a dense layer that reads a conv's map, flattened in NHWC order: that map (PyTorch flattens it C, H, W). */
  readonly flattens?: MapShape;
}

/** A network as files see it. */
export interface NetworkShapes {
  /** Widths from the input to the output (metadata `sizes`, e.g. '784,128,128,10'). */
  readonly sizes: readonly number[];
  /** The layers as text (metadata `layers`), e.g. 'conv 3x3 16, pool 2, 64, 10'. */
  readonly text: string;
  readonly layers: readonly LayerShapes[];
}

/** The file shapes of a resolved network whose input is `inputWidth` values. */
export function networkShapes(layers: readonly Layer[], inputWidth: number): NetworkShapes {
  return {
    sizes: [inputWidth, ...layers.map(outputWidth)],
    text: layersText(layers),
    layers: layers.map((layer, l) => {
      const before = layers[l - 1];
      const flattens = layer.kind === 'dense' && before?.kind === 'conv' ? (before.pooled ?? before.output) : undefined;
      return { weights: weightShape(layer), biases: weightMatrix(layer).columns, ...(flattens ? { flattens } : {}) };
    }),
  };
}

/** The file shapes of an MLP of widths `sizes` (input first), e.g. [784, 128, 10]. */
export function mlpShapes(sizes: readonly number[]): NetworkShapes {
  return {
    sizes,
    text: sizes.slice(1).join(', '),
    layers: sizes.slice(1).map((outputs, l) => ({ weights: [sizes[l]!, outputs], biases: outputs })),
  };
}

/** A network as file functions take it: MLP widths ([784, 128, 10]) or its file shapes. */
export type NetworkOf = readonly number[] | NetworkShapes;

/** The file shapes of `network`. */
export function shapesOf(network: NetworkOf): NetworkShapes {
  return 'layers' in network ? network : mlpShapes(network);
}

/** How messages name a network: '784-128-10' for an MLP, else its layer text after the input. */
export function networkName(network: NetworkShapes): string {
  return network.layers.every((layer) => layer.weights.length === 2)
    ? network.sizes.join('-')
    : `${network.sizes[0]} → ${network.text}`;
}
