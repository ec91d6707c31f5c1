/**
 * Weight textures: the first layer as one 28×28 tile per hidden neuron (its incoming weights laid
 * out as the image they respond to), deeper layers as heat maps (rows = neurons, columns =
 * inputs), each with its biases as a strip beside it. Diverging colormap, symmetric range per
 * layer (auto on the GPU, or fixed). The quantity per layer is chosen by name.
 */
import type { TensorView, TrainingDictionary } from '../engine/dictionary.js';
import type { HistorySnapshot, TrainingHistory } from '../engine/history.js';
import type { EngineConfig } from '../engine/config.js';
import { BufferOwner } from '../gpu/buffers.js';
import type { BufferRange } from '../gpu/readback.js';
import { addLegend, CanvasView, preferredCanvasFormat, withPanelSet, type PanelHit, type ViewLabel, type ViewLayout } from './canvas-view.js';
import { elementIndex, type PanelSet, type PanelSpec, type RangeSpec, type Rect } from './panels.js';

/**
 * What a weight texture shows: dictionary entries, or the change of the weights since a GPU-side
 * snapshot (taken at creation, and by captureSnapshot('epoch') at each epoch start). Adam's caches
 * only exist with Adam.
 */
export const WEIGHT_QUANTITIES = {
  weights: { tensors: ['weights', 'biases'] },
  gradients: { tensors: ['dweights', 'dbiases'] },
  momentums: { tensors: ['weightMomentums', 'biasMomentums'] },
  caches: { tensors: ['weightCache', 'biasCache'] },
  changeSinceInit: { tensors: ['weights', 'biases'], snapshot: 'initial' },
  changeSinceEpoch: { tensors: ['weights', 'biases'], snapshot: 'epoch' },
} as const satisfies Record<string, { tensors: readonly [string, string]; snapshot?: string }>;
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
    const outputs = this.config.sizes[layer + 1];
    const what = WEIGHT_QUANTITIES[this.quantities[layer]].tensors[hit.panel % 3];
    if (hit.panel % 3 === 1) return { hit, layer, neuron: hit.tile, what };
    return { hit, layer, neuron: hit.element % outputs, input: Math.floor(hit.element / outputs), what };
  }

  /**
   * Where weight (layer, neuron, input) is drawn, or the neuron's bias when `input` is undefined:
   * what locate() tells of that point, and the cell's rect in CSS pixels (for a keyboard cursor).
   * Undefined outside the network or before the first frame.
   */
  place(layer: number, neuron: number, input?: number): (WeightPlace & { rect: Rect }) | undefined {
    const [inputs, outputs] = [this.config.sizes[layer], this.config.sizes[layer + 1]];
    if (outputs === undefined || neuron < 0 || neuron >= outputs || (input !== undefined && (input < 0 || input >= inputs))) return undefined;
    const panel = 3 * layer + (input === undefined ? 1 : 0);
    const spec = this.panelSpecs[panel];
    if (!spec) return undefined;
    // Bias strip: a tile per neuron. First layer: a tile per neuron, a cell per pixel. Deeper: a cell per weight.
    // (A colour image's pixel is one cell for its three inputs.)
    const pixel = layer === 0 && input !== undefined ? Math.floor(input / this.config.shape.channels) : input;
    const [tile, cell] = input === undefined || layer === 0 ? [neuron, pixel ?? 0] : [neuron * inputs + input, 0];
    const channel = layer === 0 && input !== undefined ? input % this.config.shape.channels : 0;
    const hit = { panel, tile, cell, element: elementIndex(spec, tile, cell) + channel * (spec.channelStride ?? 0) };
    const what = WEIGHT_QUANTITIES[this.quantities[layer]].tensors[input === undefined ? 1 : 0];
    return { hit, layer, neuron, input, what, rect: this.cellRect(panel, tile, cell) };
  }

  protected layout(width: number, height: number, scale: number): ViewLayout {
    const sizes = this.config.sizes;
    const px = (n: number) => Math.round(n * scale);
    const css = (n: number) => n / scale;
    const panels: PanelSpec[] = [];
    const labels: ViewLabel[] = [];
    const top = px(26);
    const bottom = px(26);
    const areaHeight = height - top - bottom;
    const biasWidth = px(10);
    const gap = px(28);
    // Widths: the tile grid gets a square-ish area, the heat maps share the rest by input count.
    const { rows: imageRows, cols: imageCols, channels } = this.config.shape;
    const hidden = sizes[1];
    const tileColumns = Math.ceil(Math.sqrt(hidden * 2));
    const tileRows = Math.ceil(hidden / tileColumns);
    const tileGap = px(2);
    const restInputs = sizes.slice(1, -1).reduce((a, b) => a + b, 0);
    const usable = width - px(16) - this.dictionary.layers.length * (biasWidth + px(4) + gap);
    const tilePitch = Math.min((areaHeight + tileGap) / tileRows, (usable * (restInputs ? 0.6 : 1) + tileGap) / tileColumns);
    const gridWidth = Math.floor(tilePitch * tileColumns - tileGap);
    const gridHeight = Math.floor(tilePitch * tileRows - tileGap);
    let x = px(8);

    this.dictionary.layers.forEach((layer, l) => {
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
      const [inputs, outputs] = [sizes[l], sizes[l + 1]];
      const range = this.options.ranges?.[l] ?? { auto: 'symmetric' as const };
      let rect;
      if (l === 0) {
        rect = { x, y: top, width: gridWidth, height: gridHeight };
        // Tile j (neuron j), pixel p, channel k: W[p·channels + k, j] = weights[(p·channels + k)·outputs + j].
        // Colour images get colour tiles: each channel's weights through the symmetric range, zero = grey.
        panels.push({
          source: weights, rect, columns: tileColumns, rows: tileRows, tiles: outputs, tileWidth: imageCols, tileHeight: imageRows,
          rowStride: tileColumns, colStride: 1, pixelStride: channels * outputs, channelStride: channels === 3 ? outputs : undefined,
          count: inputs * outputs, colormap: 'diverging', range, gap: tileGap, reference: like(liveWeights),
        });
      } else {
        const share = restInputs ? inputs / restInputs : 1;
        const w = Math.max(px(40), Math.floor((usable - (l === 0 ? 0 : gridWidth)) * share));
        // Square cells, but at least 6 px tall so a 10-row matrix stays legible.
        const h = Math.min(areaHeight, Math.max(px(40), Math.round(w * outputs / inputs), Math.min(outputs * px(6), px(60))));
        rect = { x, y: top, width: w, height: h };
        // Row o (neuron o), column i: W[i, o] = weights[i·outputs + o].
        panels.push({ source: weights, rect, columns: inputs, rows: outputs, rowStride: 1, colStride: outputs, count: inputs * outputs, colormap: 'diverging', range, reference: like(liveWeights) });
      }
      const weightPanel = panels.length - 1;
      const biasRect = { x: rect.x + rect.width + px(4), y: top, width: biasWidth, height: rect.height };
      panels.push({ source: biases, rect: biasRect, columns: 1, rows: outputs, rowStride: 1, colStride: 0, count: outputs, colormap: 'diverging', range: { ...range }, reference: like(liveBiases) });
      addLegend({ panels, labels }, weightPanel, { x: rect.x, y: top + rect.height + px(8), width: Math.min(rect.width, px(120)), height: px(6) }, scale, 'below');
      const what = quantity.snapshot ? `Δ since ${quantity.snapshot === 'initial' ? 'init' : 'epoch start'}` : String(weightsName);
      const when = replay && l === 0 ? ` · step ${replay.snapshot.step}` : ''; // once: the titles are narrow
      const full = (l === 0 ? `layer 1 ${what} · ${outputs} tiles of ${imageRows}×${imageCols}${channels === 3 ? ' RGB' : ''}` : `layer ${l + 1} ${what} · ${outputs}×${inputs}`) + when;
      // Narrow panels get shorter titles (≈7 CSS px per character of the bold 12 px title).
      const room = (rect.width + biasWidth + gap) / scale;
      const title = [full, `layer ${l + 1} · ${outputs}×${inputs}${when}`, `${l + 1}: ${outputs}×${inputs}`].find((text) => text.length * 7 <= room) ?? `${l + 1}`;
      labels.push({ text: title, x: css(rect.x), y: css(top - px(8)), align: 'left', kind: 'title' });
      x = biasRect.x + biasWidth + gap;
    });
    return { panels, labels };
  }
}
