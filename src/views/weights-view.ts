/**
 * Weight textures: the first layer as one tile per neuron or filter (a dense neuron's incoming
 * weights laid out as the image they respond to, a conv filter as its k×k kernel; in colour for
 * RGB input), deeper dense layers as heat maps (rows = neurons, columns = inputs), deeper conv
 * layers as a grid of k×k kernels (a row per filter, a column per input channel), each with its
 * biases as a strip beside it. Diverging colormap, symmetric range per layer (auto on the GPU, or
 * fixed). The quantity per layer is chosen by name.
 */
import type { TensorView, TrainingDictionary } from '../engine/dictionary.js';
import type { HistorySnapshot, TrainingHistory } from '../engine/history.js';
import type { EngineConfig } from '../engine/config.js';
import { weightMatrix, type Layer } from '../engine/layers.js';
import { BufferOwner } from '../gpu/buffers.js';
import type { BufferRange } from '../gpu/readback.js';
import { addLegend, CanvasView, preferredCanvasFormat, withPanelSet, type PanelHit, type ViewLabel, type ViewLayout } from './canvas-view.js';
import { elementIndex, type PanelSet, type PanelSpec, type RangeSpec, type Rect } from './panels.js';

/**
 * What a weight texture shows: dictionary entries, or the change of the weights since a GPU-side
 * snapshot (taken at creation, and by captureSnapshot('epoch') at each epoch start). Adam's caches
 * only exist with Adam. In the order the weights card's menu lists them.
 */
export const WEIGHT_QUANTITIES = {
  weights: { tensors: ['weights', 'biases'], title: 'weights' },
  changeSinceInit: { tensors: ['weights', 'biases'], snapshot: 'initial', title: 'change since initialisation' },
  changeSinceEpoch: { tensors: ['weights', 'biases'], snapshot: 'epoch', title: 'change since the epoch began' },
  gradients: { tensors: ['dweights', 'dbiases'], title: 'gradients (dweights)' },
  momentums: { tensors: ['weightMomentums', 'biasMomentums'], title: 'momentums' },
  caches: { tensors: ['weightCache', 'biasCache'], title: 'Adam caches' },
} as const satisfies Record<string, { tensors: readonly [string, string]; snapshot?: string; title: string }>;
export type WeightQuantity = keyof typeof WEIGHT_QUANTITIES;
type Snapshot = 'initial' | 'epoch';

/** A point of the weight textures: the layer, the neuron (output) and, for weights, the input it comes from. */
export interface WeightPlace {
  hit: PanelHit;
  layer: number;
  neuron: number;
  input?: number;
  /** The tensor shown there, e.g. 'weights', 'dbiases'. */
  what: string;
}

export interface WeightsViewOptions {
  /** Per layer; default 'weights'. */
  quantities?: WeightQuantity[];
  /** Per layer fixed ranges instead of auto. */
  ranges?: (RangeSpec | undefined)[];
  format?: GPUTextureFormat;
}

export class WeightsView extends CanvasView {
  private quantities: WeightQuantity[];
  /** A recorded snapshot drawn instead of the live tensors. */
  private replay?: { history: TrainingHistory; snapshot: HistorySnapshot };
  private readonly snapshotOwner: BufferOwner;
  /** Copies of the parameter buffer, GPU-side: the references of the change quantities. */
  private readonly snapshots: Record<Snapshot, GPUBuffer>;

  static async create(device: GPUDevice, canvas: HTMLCanvasElement | OffscreenCanvas, dictionary: TrainingDictionary, config: EngineConfig, options: WeightsViewOptions = {}): Promise<WeightsView> {
    const format = options.format ?? preferredCanvasFormat();
    // The constructor refuses quantities this optimizer does not keep; withPanelSet then frees the panels.
    return withPanelSet(device, format, (panels) => new WeightsView(device, canvas, panels, format, dictionary, config, options));
  }

  private constructor(
    device: GPUDevice,
    canvas: HTMLCanvasElement | OffscreenCanvas,
    panels: PanelSet,
    format: GPUTextureFormat,
    private readonly dictionary: TrainingDictionary,
    private readonly config: EngineConfig,
    private readonly options: WeightsViewOptions,
  ) {
    super(device, canvas, panels, format);
    this.follows = dictionary; // training writes these tensors: redraw when the dictionary's revision moves
    this.quantities = dictionary.layers.map((_, l) => options.quantities?.[l] ?? 'weights');
    this.quantities.forEach((q, l) => this.checkQuantity(l, q));
    this.snapshotOwner = new BufferOwner(device, 'WeightsView.snapshots');
    const size = dictionary.parameters.size;
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST;
    this.snapshots = { initial: this.snapshotOwner.create('initial', size, usage), epoch: this.snapshotOwner.create('epoch', size, usage) };
    this.captureSnapshot('initial');
    this.captureSnapshot('epoch');
  }

  /** Copies the current weights into a snapshot on the GPU (queue-ordered after submitted training). */
  captureSnapshot(which: Snapshot): void {
    this.dictionary.copyParameters(this.snapshots[which]);
    this.markStale();
  }

  /**
   * Makes a recorded snapshot's parameters the reference of a change quantity (GPU-side copy): a
   * replay measures the change since initialisation from the history's first snapshot.
   */
  referenceFrom(which: Snapshot, history: TrainingHistory, snapshot: HistorySnapshot): void {
    if (!history.has(snapshot)) throw new Error('This snapshot is not in that history (thinning may have dropped it); take one from history.snapshots.');
    // A snapshot's parameter group is laid out like the dictionary's parameter buffer.
    const at = snapshot.groups.parameters!;
    const encoder = this.device.createCommandEncoder({ label: 'WeightsView.referenceFrom' });
    encoder.copyBufferToBuffer(at.buffer, at.offset, this.snapshots[which], 0, this.dictionary.parameters.size);
    this.device.queue.submit([encoder.finish()]);
    this.markStale();
  }

  override destroy(): void {
    super.destroy();
    this.snapshotOwner.destroy();
  }

  /**
   * Draws a snapshot of a recorded history instead of the live tensors: its buffers are bound where
   * the dictionary's were (one bind-group rebuild, no copy), so scrubbing a timeline is cheap.
   * @example weights.showSnapshot(engine.history!, engine.history!.snapshots[3]);
   */
  showSnapshot(history: TrainingHistory, snapshot: HistorySnapshot): void {
    if (!history.has(snapshot)) throw new Error('This snapshot is not in that history (thinning may have dropped it); take one from history.snapshots.');
    this.replay = { history, snapshot };
    this.invalidate();
  }

  override render(): boolean {
    // Thinning may have dropped the snapshot being drawn (and reused its memory): go back to live.
    if (this.replay && !this.replay.history.has(this.replay.snapshot)) this.showLive();
    return super.render();
  }

  /** Back to the live tensors. */
  showLive(): void {
    this.replay = undefined;
    this.invalidate();
  }

  /** The snapshot being drawn, or undefined when live. */
  get shownSnapshot(): HistorySnapshot | undefined {
    return this.replay?.snapshot;
  }

  /** Shows another quantity for layer `layer` (rebuilds that view's bind groups once). */
  setQuantity(layer: number, quantity: WeightQuantity): void {
    if (!this.dictionary.layers[layer]) throw new RangeError(`Layer ${layer} does not exist (0–${this.dictionary.layers.length - 1}).`);
    this.checkQuantity(layer, quantity);
    this.quantities[layer] = quantity;
    this.invalidate();
  }

  private checkQuantity(layer: number, quantity: WeightQuantity): void {
    const names = WEIGHT_QUANTITIES[quantity]?.tensors;
    if (!names) throw new RangeError(`Unknown quantity '${quantity}'; choose one of ${Object.keys(WEIGHT_QUANTITIES).join(', ')}.`);
    if (!this.dictionary.layers[layer][names[0]]) throw new RangeError(`Layer ${layer} has no ${names[0]}: the optimizer keeps none (Adam caches need type 'adam').`);
  }

  /**
   * What is under (x, y) in CSS pixels: the layer, the neuron (output) and, for weights, the input
   * it comes from; undefined over background.
   */
  locate(x: number, y: number): WeightPlace | undefined {
    const hit = this.hitTest(x, y);
    if (!hit) return undefined;
    // Panels per layer: weights, biases, legend.
    const layer = Math.floor(hit.panel / 3);
    const outputs = weightMatrix(this.config.layers[layer]!).columns;
    const what = WEIGHT_QUANTITIES[this.quantities[layer]].tensors[hit.panel % 3];
    if (hit.panel % 3 === 1) return { hit, layer, neuron: hit.tile, what };
    // Weights are [inputs, outputs] row-major (a conv's inputs are its k·k·channels taps).
    return { hit, layer, neuron: hit.element % outputs, input: Math.floor(hit.element / outputs), what };
  }

  /**
   * Where weight (layer, neuron, input) is drawn, or the neuron's bias when `input` is undefined:
   * what locate() tells of that point, and the cell's rect in CSS pixels (for a keyboard cursor).
   * Undefined outside the network or before the first frame.
   */
  place(layer: number, neuron: number, input?: number): (WeightPlace & { rect: Rect }) | undefined {
    const spec = this.config.layers[layer];
    if (!spec) return undefined;
    const { rows: inputs, columns: outputs } = weightMatrix(spec);
    if (neuron < 0 || neuron >= outputs || (input !== undefined && (input < 0 || input >= inputs))) return undefined;
    const panel = 3 * layer + (input === undefined ? 1 : 0);
    const panelSpec = this.panelSpecs[panel];
    if (!panelSpec) return undefined;
    // Bias strip: a tile per neuron. A picture (first layer, or any conv): a tile per neuron or
    // kernel, a cell per pixel or tap (a colour pixel is one cell for its three inputs). Deeper
    // dense layers: a cell per weight.
    const picture = pictureOf(spec, layer, this.config);
    let [tile, cell, channel] = [neuron, 0, 0];
    if (input !== undefined && picture) {
      const [pixel, c] = [Math.floor(input / picture.channels), input % picture.channels];
      [tile, cell, channel] = picture.rgb ? [neuron, pixel, c] : [picture.perChannel ? neuron * picture.channels + c : neuron, pixel, 0];
    } else if (input !== undefined) {
      tile = neuron * inputs + input;
    }
    const hit = { panel, tile, cell, element: elementIndex(panelSpec, tile, cell) + channel * (panelSpec.channelStride ?? 0) };
    const what = WEIGHT_QUANTITIES[this.quantities[layer]].tensors[input === undefined ? 1 : 0];
    return { hit, layer, neuron, input, what, rect: this.cellRect(panel, tile, cell) };
  }

  protected layout(width: number, height: number, scale: number): ViewLayout {
    const layers = this.config.layers;
    const px = (n: number) => Math.round(n * scale);
    const css = (n: number) => n / scale;
    const panels: PanelSpec[] = [];
    const labels: ViewLabel[] = [];
    const top = px(26);
    const bottom = px(26);
    const areaHeight = height - top - bottom;
    const biasWidth = px(10);
    const gap = px(28);
    // Widths: the first layer's tile grid gets a square-ish area, the other layers share the rest by their width in cells.
    const first = pictureOf(layers[0]!, 0, this.config)!;
    const hidden = weightMatrix(layers[0]!).columns;
    const tileColumns = Math.ceil(Math.sqrt(hidden * 2 * first.tileHeight / first.tileWidth));
    const tileRows = Math.ceil(hidden / tileColumns);
    const tileGap = px(layers[0]!.kind === 'conv' ? 5 : 2); // k×k kernels: a wider gap tells them apart
    // Deeper conv layers: a grid of filters × channels kernels as tall as the area; dense heat maps share the rest by inputs.
    const kernelGridWidth = (layer: Layer) => (layer.kind === 'conv' ? Math.floor((areaHeight * layer.input.channels) / layer.output.channels) : 0);
    const restInputs = layers.slice(1).reduce((sum, layer) => sum + (layer.kind === 'dense' ? layer.inputs : 0), 0);
    const usable = width - px(16) - layers.length * (biasWidth + px(4) + gap);
    const kernelGrids = layers.slice(1).reduce((sum, layer) => sum + Math.min(kernelGridWidth(layer), Math.floor(usable * 0.25)), 0);
    const rest = restInputs || kernelGrids ? 0.6 : 1;
    // A conv's first-layer kernels are only k×k: at most 56 px each, so they stay crisp and leave room.
    const maxPitch = layers[0]!.kind === 'conv' ? px(56) : Infinity;
    const tilePitch = Math.min(maxPitch, (areaHeight + tileGap) / tileRows, (usable * rest + tileGap) / tileColumns);
    const gridWidth = Math.floor(tilePitch * tileColumns - tileGap);
    const gridHeight = Math.floor(tilePitch * tileRows - tileGap);
    let x = px(8);

    this.dictionary.layers.forEach((layer, l) => {
      const spec = layers[l]!;
      const quantity: { tensors: readonly [string, string]; snapshot?: Snapshot } = WEIGHT_QUANTITIES[this.quantities[l]];
      const [weightsName, biasesName] = quantity.tensors as [keyof typeof layer, keyof typeof layer];
      const liveWeights = layer[weightsName]! as TensorView;
      const liveBiases = layer[biasesName]! as TensorView;
      const replay = this.replay;
      const bind = (tensor: TensorView): BufferRange => (replay ? replay.history.range(replay.snapshot, tensor) : tensor);
      const [weights, biases] = [bind(liveWeights), bind(liveBiases)];
      const snapshot = quantity.snapshot && this.snapshots[quantity.snapshot];
      // The change references are copies of the live parameter buffer: same offsets as the live tensors.
      const like = (tensor: TensorView): BufferRange | undefined => snapshot && { buffer: snapshot, offset: tensor.offset, size: tensor.size };
      const { rows: inputs, columns: outputs } = weightMatrix(spec);
      const range = this.options.ranges?.[l] ?? { auto: 'symmetric' as const };
      const picture = pictureOf(spec, l, this.config);
      const common = { source: weights, count: inputs * outputs, colormap: 'diverging' as const, range, reference: like(liveWeights) };
      let rect;
      let shape: string;
      if (l === 0 && picture) {
        rect = { x, y: top, width: gridWidth, height: gridHeight };
        // Tile j (neuron or filter j), pixel or tap p, channel k: W[p·channels + k, j] = weights[(p·channels + k)·outputs + j].
        // Colour images get colour tiles: each channel's weights through the symmetric range, zero = grey.
        panels.push({
          ...common, rect, columns: tileColumns, rows: tileRows, tiles: outputs, tileWidth: picture.tileWidth, tileHeight: picture.tileHeight,
          rowStride: tileColumns, colStride: 1, pixelStride: picture.channels * outputs, channelStride: picture.rgb ? outputs : undefined, gap: tileGap,
        });
        shape = `${outputs} ${spec.kind === 'conv' ? 'filters' : 'tiles'} of ${picture.tileHeight}×${picture.tileWidth}${picture.rgb ? ' RGB' : ''}`;
      } else {
        const w = spec.kind === 'conv'
          ? Math.max(px(40), Math.min(kernelGridWidth(spec), Math.floor(usable * 0.25)))
          : Math.max(px(40), Math.floor((usable - gridWidth - kernelGrids) * (restInputs ? spec.inputs / restInputs : 1)));
        if (picture) {
          // Kernel (filter f, channel c) is the tile in row f, column c; tap p: weights[(p·channels + c)·filters + f].
          const { tileWidth: k, channels } = picture;
          const pitch = Math.min((w + px(2)) / channels, (areaHeight - px(8) + px(2)) / outputs); // room for the legend's numbers
          const kernelGap = pitch >= px(6) ? px(2) : 0;
          rect = { x, y: top, width: Math.floor(pitch * channels - kernelGap), height: Math.floor(pitch * outputs - kernelGap) };
          panels.push({ ...common, rect, columns: channels, rows: outputs, tileWidth: k, tileHeight: k, rowStride: 1, colStride: outputs, pixelStride: channels * outputs, gap: kernelGap });
          shape = `${outputs}×${channels} kernels ${k}×${k}`;
        } else {
          // Square cells, but at least 6 px tall so a 10-row matrix stays legible.
          const h = Math.min(areaHeight, Math.max(px(40), Math.round(w * outputs / inputs), Math.min(outputs * px(6), px(60))));
          rect = { x, y: top, width: w, height: h };
          // Row o (neuron o), column i: W[i, o] = weights[i·outputs + o].
          panels.push({ ...common, rect, columns: inputs, rows: outputs, rowStride: 1, colStride: outputs });
          shape = `${outputs}×${inputs}`;
        }
      }
      const weightPanel = panels.length - 1;
      const biasRect = { x: rect.x + rect.width + px(4), y: top, width: biasWidth, height: rect.height };
      panels.push({ source: biases, rect: biasRect, columns: 1, rows: outputs, rowStride: 1, colStride: 0, count: outputs, colormap: 'diverging', range: { ...range }, reference: like(liveBiases) });
      addLegend({ panels, labels }, weightPanel, { x: rect.x, y: top + rect.height + px(8), width: Math.min(rect.width, px(120)), height: px(6) }, scale, 'below');
      const what = quantity.snapshot ? `Δ since ${quantity.snapshot === 'initial' ? 'init' : 'epoch start'}` : String(weightsName);
      const when = replay && l === 0 ? ` · step ${replay.snapshot.step}` : ''; // once: the titles are narrow
      const kind = spec.kind === 'conv' ? `conv ${spec.kernel}×${spec.kernel}` : `${outputs}×${inputs}`;
      const full = `layer ${l + 1} ${what} · ${shape}${when}`;
      // Narrow panels get shorter titles (≈7 CSS px per character of the bold 12 px title).
      const room = (rect.width + biasWidth + gap) / scale;
      const title = [full, `layer ${l + 1} · ${kind}${when}`, `${l + 1}: ${kind}`].find((text) => text.length * 7 <= room) ?? `${l + 1}`;
      labels.push({ text: title, x: css(rect.x), y: css(top - px(8)), align: 'left', kind: 'title' });
      x = biasRect.x + biasWidth + gap;
    });
    return { panels, labels };
  }
}

/**
 * How a layer's weights are drawn as pictures: the first layer's neurons as images of the input
 * (rows × cols, its channels), a conv layer's filters as k×k kernels per input channel (colour
 * where a first conv reads RGB); undefined for a deeper dense layer (a heat map).
 */
export function pictureOf(layer: Layer, l: number, config: EngineConfig): { tileWidth: number; tileHeight: number; channels: number; rgb: boolean; perChannel: boolean } | undefined {
  if (layer.kind === 'conv') {
    const channels = layer.input.channels;
    const rgb = l === 0 && channels === 3;
    return { tileWidth: layer.kernel, tileHeight: layer.kernel, channels, rgb, perChannel: l > 0 };
  }
  if (l > 0) return undefined;
  const { rows, cols, channels } = config.shape;
  return { tileWidth: cols, tileHeight: rows, channels, rgb: channels === 3, perChannel: false };
}
