/**
 * What each class looks like inside the network. Per layer: the mean output of every class side by
 * side (columns = classes, rows = neurons; for a conv layer, a row of mean feature maps per class)
 * above the K×K cosine similarity of those means; or, in compare mode, the means of two classes A
 * and B and their difference A − B, one strip (or grid of maps) each.
 * The means are summed on the GPU by engine.evaluate(); setClassMeans() uploads them once, and a
 * frame only draws (no read-back). Ranges are fixed per layer, so A, B and all classes share colours.
 */
import { cosineSimilarities } from '../analysis/diagnosis.js';
import { BufferOwner } from '../gpu/buffers.js';
import { addLegend, CanvasView, preferredCanvasFormat, withPanelSet, type ViewLabel, type ViewLayout } from './canvas-view.js';
import type { PanelSet, PanelSpec, RangeSpec } from './panels.js';
import type { MapShape } from '../engine/layers.js';
import { mapGrid } from './map-grid.js';

/** Per layer, as Evaluation.classMeans: raw[c · width + j] is the mean raw output of neuron j over class c. */
export type ClassMeans = readonly { readonly raw: Float32Array; readonly activated: Float32Array }[];
export type ClassMeansQuantity = 'activated' | 'raw';

export interface ClassMeansViewOptions {
  /** One name per class (label order); the classes are as many as the output layer's width. */
  classNames: readonly string[];
  /** Default 'activated'. */
  quantity?: ClassMeansQuantity;
  /** Per layer, its feature maps' shape where it is a conv layer (NHWC outputs): drawn as maps. */
  maps?: readonly (MapShape | undefined)[];
  format?: GPUTextureFormat;
}

/** What a point of the view shows (see locate). */
export interface ClassMeansPlace {
  layer: number;
  kind: 'means' | 'similarity' | 'a' | 'b' | 'difference';
  /** The class of a means column; for a similarity cell, its row class. */
  classA?: number;
  /** A similarity cell's column class. */
  classB?: number;
  /** The neuron, or a conv layer's channel. */
  neuron?: number;
  /** In a conv layer's maps: the pixel. */
  pixel?: { y: number; x: number };
}

const ALIGN = 64; // floats: 256-byte binding offsets

export class ClassMeansView extends CanvasView {
  /** Per layer, the classes × classes cosine similarity of the class means (of both quantities). */
  similarities: { raw: number[][]; activated: number[][] }[] = [];
  private quantity: ClassMeansQuantity;
  private comparing?: [number, number];
  private means?: ClassMeans;
  private readonly owner: BufferOwner;
  /** Per layer: raw means, activated means, raw and activated similarities, copies of the compared classes' means. */
  private readonly data: GPUBuffer;
  private readonly segments: Record<ClassMeansQuantity | 'rawSimilarity' | 'activatedSimilarity' | 'compareA' | 'compareB', number>[];
  private readonly widths: number[];
  private readonly classes: number;
  /** What each panel of the current layout shows, for locate(). */
  private places: (Omit<ClassMeansPlace, 'classB' | 'neuron'> | undefined)[] = [];

  static async create(device: GPUDevice, canvas: HTMLCanvasElement | OffscreenCanvas, sizes: readonly number[], options: ClassMeansViewOptions): Promise<ClassMeansView> {
    const classes = sizes[sizes.length - 1];
    if (options.classNames.length !== classes) throw new RangeError(`ClassMeansView needs ${classes} class names (the output width), got ${options.classNames.length}.`);
    checkQuantity(options.quantity ?? 'activated');
    const format = options.format ?? preferredCanvasFormat();
    return withPanelSet(device, format, (panels) => new ClassMeansView(device, canvas, panels, format, sizes, options));
  }

  private constructor(
    device: GPUDevice,
    canvas: HTMLCanvasElement | OffscreenCanvas,
    panels: PanelSet,
    format: GPUTextureFormat,
    sizes: readonly number[],
    private readonly options: ClassMeansViewOptions,
  ) {
    super(device, canvas, panels, format);
    this.quantity = options.quantity ?? 'activated';
    this.widths = sizes.slice(1);
    this.classes = this.widths[this.widths.length - 1];
    const align = (n: number) => Math.ceil(n / ALIGN) * ALIGN;
    let at = 0;
    const take = (n: number) => ((at = align(at + n)), at - align(n));
    this.segments = this.widths.map((w) => {
      const c = this.classes;
      return { raw: take(c * w), activated: take(c * w), rawSimilarity: take(c * c), activatedSimilarity: take(c * c), compareA: take(w), compareB: take(w) };
    });
    this.owner = new BufferOwner(device, 'ClassMeansView');
    this.data = this.owner.create('data', at * 4, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST);
  }

  /** Shows the class means of an evaluation (uploaded once; 4 bytes per value). */
  setClassMeans(means: ClassMeans): void {
    if (means.length !== this.widths.length) throw new RangeError(`Expected class means of ${this.widths.length} layers, got ${means.length}.`);
    means.forEach((layer, l) => {
      for (const q of ['raw', 'activated'] as const) {
        if (layer[q]?.length !== this.classes * this.widths[l]) {
          throw new RangeError(`Layer ${l} ${q} means need ${this.classes}×${this.widths[l]} values, got ${layer[q]?.length}.`);
        }
      }
    });
    this.similarities = means.map((layer) => ({ raw: cosineSimilarities(layer.raw, this.classes), activated: cosineSimilarities(layer.activated, this.classes) }));
    const queue = this.device.queue;
    means.forEach((layer, l) => {
      const s = this.segments[l];
      queue.writeBuffer(this.data, s.raw * 4, layer.raw);
      queue.writeBuffer(this.data, s.activated * 4, layer.activated);
      queue.writeBuffer(this.data, s.rawSimilarity * 4, Float32Array.from(this.similarities[l].raw.flat()));
      queue.writeBuffer(this.data, s.activatedSimilarity * 4, Float32Array.from(this.similarities[l].activated.flat()));
    });
    this.means = means;
    this.writeComparison();
    this.invalidate(); // the fixed ranges follow the data
  }

  /** Copies the compared classes' means of the shown quantity to their aligned slots. */
  private writeComparison(): void {
    if (!this.comparing || !this.means) return;
    const [a, b] = this.comparing;
    this.means.forEach((layer, l) => {
      const w = this.widths[l];
      const values = layer[this.quantity];
      this.device.queue.writeBuffer(this.data, this.segments[l].compareA * 4, values, a * w, w);
      this.device.queue.writeBuffer(this.data, this.segments[l].compareB * 4, values, b * w, w);
    });
  }

  /** Raw or activated outputs. */
  setQuantity(quantity: ClassMeansQuantity): void {
    checkQuantity(quantity);
    this.quantity = quantity;
    this.writeComparison();
    this.invalidate();
  }

  /** Compare mode for classes a and b (A, B, A − B per layer); compare() goes back to all classes. */
  compare(a?: number, b?: number): void {
    if (a === undefined && b === undefined) this.comparing = undefined;
    else {
      for (const c of [a, b]) {
        if (!Number.isInteger(c) || c! < 0 || c! >= this.classes) throw new RangeError(`compare(a, b) takes two classes 0–${this.classes - 1}, got ${a} and ${b}.`);
      }
      this.comparing = [a!, b!];
      this.writeComparison();
    }
    this.invalidate();
  }

  /** The classes being compared, if any. */
  get compared(): readonly [number, number] | undefined {
    return this.comparing;
  }

  /** What is under (x, y) in CSS pixels: layer, kind of panel, class(es) and neuron. */
  locate(x: number, y: number): ClassMeansPlace | undefined {
    const hit = this.hitTest(x, y);
    const place = hit && this.places[hit.panel];
    if (!hit || !place) return undefined;
    const columns = this.panels.panels[hit.panel].columns;
    const [column, row] = [hit.tile % columns, Math.floor(hit.tile / columns)];
    const map = this.options.maps?.[place.layer];
    if (map && place.kind !== 'similarity') {
      // Maps: a tile per channel (a row of them per class in the means), a cell per pixel.
      const pixel = { y: Math.floor(hit.cell / map.width), x: hit.cell % map.width };
      if (place.kind === 'means') return { ...place, classA: row, neuron: column, pixel };
      return { ...place, neuron: hit.tile, pixel, classA: this.comparing![place.kind === 'b' ? 1 : 0], classB: place.kind === 'difference' ? this.comparing![1] : undefined };
    }
    if (place.kind === 'means') return { ...place, classA: place.classA ?? column, neuron: row }; // a strip per class, or one matrix
    if (place.kind === 'similarity') return { ...place, classA: row, classB: column };
    return { ...place, neuron: row, classA: this.comparing![place.kind === 'b' ? 1 : 0], classB: place.kind === 'difference' ? this.comparing![1] : undefined };
  }

  override destroy(): void {
    super.destroy();
    this.owner.destroy();
  }

  /** Fixed ranges from the uploaded means: the quantity over all classes, and |A − B|. */
  private rangesOf(l: number): { values: RangeSpec; difference: RangeSpec; similarity: RangeSpec } {
    const values = this.means?.[l][this.quantity];
    if (!values) return { values: { low: 0, high: 0 }, difference: { low: 0, high: 0 }, similarity: { low: 0, high: 1 } };
    let [low, high] = [Infinity, -Infinity];
    for (const v of values) [low, high] = [Math.min(low, v), Math.max(high, v)];
    if (this.quantity === 'raw') [low, high] = [-Math.max(-low, high), Math.max(-low, high)];
    let difference = 0;
    if (this.comparing) {
      const w = this.widths[l];
      const [a, b] = this.comparing;
      for (let j = 0; j < w; j++) difference = Math.max(difference, Math.abs(values[a * w + j] - values[b * w + j]));
    }
    const similarities = this.similarities[l][this.quantity];
    const lowest = Math.min(...similarities.flat());
    return { values: { low, high }, difference: { low: -difference, high: difference }, similarity: { low: Math.min(0, lowest), high: 1 } };
  }

  protected layout(width: number, height: number, scale: number): ViewLayout {
    const px = (n: number) => Math.round(n * scale);
    const css = (n: number) => n / scale;
    const panels: PanelSpec[] = [];
    const labels: ViewLabel[] = [];
    this.places = [];
    const add = (spec: PanelSpec, place?: (typeof this.places)[number]) => {
      panels.push(spec);
      this.places[panels.length - 1] = place;
      return panels.length - 1;
    };
    const label = (text: string, x: number, y: number, kind: string, align: ViewLabel['align'] = 'center') =>
      labels.push({ text, x: css(x), y: css(y), align, kind });
    const c = this.classes;
    const layers = this.widths.length;
    const top = px(54);
    const gap = px(40);
    const margin = px(28);
    const group = Math.floor((width - 2 * margin - (layers - 1) * gap) / layers);
    const meansHeight = Math.max(px(60), Math.floor((height - top) * 0.42));
    // Below the means: one or two legend rows with numbers, then the similarity title and ticks.
    const similarityTop = top + meansHeight + px(this.comparing ? 100 : 74);
    const side = Math.max(px(40), Math.min(group, height - similarityTop - px(56)));
    const source = { buffer: this.data, offset: 0, size: this.data.size };
    const quantity = this.quantity;
    const colormap = quantity === 'raw' ? 'diverging' : 'viridis';

    this.widths.forEach((w, l) => {
      const x = margin + l * (group + gap);
      const s = this.segments[l];
      const ranges = this.rangesOf(l);
      const name = l === layers - 1 ? 'output' : `hidden ${l + 1}`;
      const map = this.options.maps?.[l];
      label(map ? `conv ${l + 1} · ${map.channels} maps of ${map.height}×${map.width}` : `${name} · ${w} neurons`, x, px(14), 'title', 'left');
      if (map && !this.comparing) {
        // Row k: class k's mean map of every channel (tile: class k, channel f; pixel p: means[k·w + p·channels + f]).
        const gapPx = px(1);
        const tile = Math.min((group + gapPx) / map.channels, (meansHeight + gapPx) / c) - gapPx;
        const means = add({
          source, rect: { x, y: top, width: Math.floor(map.channels * (tile + gapPx) - gapPx), height: Math.floor(c * (tile + gapPx) - gapPx) },
          columns: map.channels, rows: c, tileWidth: map.width, tileHeight: map.height, rowStride: w, colStride: 1, pixelStride: map.channels,
          offset: s[quantity], count: c * w, colormap, range: { ...ranges.values }, gap: tile >= px(8) ? gapPx : 0,
        }, { layer: l, kind: 'means' });
        label(`mean ${quantity} maps: a row per class, a column per channel`, x, px(30), 'tick', 'left');
        addLegend({ panels, labels }, means, { x, y: top + meansHeight + px(8), width: Math.min(group, px(120)), height: px(6) }, scale, 'below');
      } else if (map && this.comparing) {
        const [a, b] = this.comparing;
        const third = Math.floor((group - px(20)) / 3);
        const at = (k: number) => x + k * (third + px(10));
        const grid = (k: number) => ({ ...mapGrid(map, { x: at(k), y: top, width: third, height: meansHeight }, px(1)), count: w });
        const stripA = add({ ...grid(0), source, offset: s[quantity] + a * w, colormap, range: ranges.values }, { layer: l, kind: 'a' });
        add({ ...grid(1), source, offset: s[quantity] + b * w, colormap, range: { ...ranges.values } }, { layer: l, kind: 'b' });
        const copy = (at: number) => ({ buffer: this.data, offset: at * 4, size: w * 4 });
        const difference = add({ ...grid(2), source: copy(s.compareA), reference: copy(s.compareB), colormap: 'diverging', range: ranges.difference }, { layer: l, kind: 'difference' });
        ['A', 'B', 'A − B'].forEach((text, k) => label(text, at(k) + third / 2, top - px(10), 'tick'));
        const cos = this.similarities[l]?.[quantity][a][b];
        label(cos === undefined ? '' : `cosine(A, B) = ${cos.toFixed(3)}`, x, px(30), 'tick', 'left');
        addLegend({ panels, labels }, stripA, { x: at(0), y: top + meansHeight + px(8), width: 2 * third + px(10), height: px(6) }, scale, 'below');
        addLegend({ panels, labels }, difference, { x: at(2), y: top + meansHeight + px(34), width: Math.max(third, px(60)), height: px(6) }, scale, 'below');
      } else if (!this.comparing) {
        // One strip per class (rows = neurons), with gaps between classes but not between neurons;
        // with many classes, one matrix (a column per class) and a number on every `every`-th column.
        const pitch = (group + px(3)) / c;
        const every = Math.ceil(px(14) / pitch);
        let means = -1;
        if (every === 1) {
          for (let k = 0; k < c; k++) {
            const panel = add({
              source, rect: { x: Math.round(x + k * pitch), y: top, width: Math.max(1, Math.round(pitch - px(3))), height: meansHeight },
              columns: 1, rows: w, rowStride: 1, colStride: 0, offset: s[quantity] + k * w, count: w, colormap, range: { ...ranges.values }, gap: w <= 32 ? px(2) : 0,
            }, { layer: l, kind: 'means', classA: k });
            if (k === 0) means = panel;
          }
        } else {
          means = add({
            source, rect: { x, y: top, width: group, height: meansHeight }, columns: c, rows: w, rowStride: 1, colStride: w,
            offset: s[quantity], count: c * w, colormap, range: { ...ranges.values },
          }, { layer: l, kind: 'means' });
        }
        for (let k = 0; k < c; k += every) label(String(k), x + (k + 0.5) * (every === 1 ? pitch : group / c) - (every === 1 ? px(1.5) : 0), top - px(10), 'tick');
        label(`mean ${quantity} output per class`, x, px(30), 'tick', 'left');
        addLegend({ panels, labels }, means, { x, y: top + meansHeight + px(8), width: Math.min(group, px(120)), height: px(6) }, scale, 'below');
      } else {
        const [a, b] = this.comparing;
        const strip = Math.min(px(64), Math.floor((group - px(20)) / 3));
        const common = { source, columns: 1, rows: w, rowStride: 1, colStride: 0, count: w, gap: w <= 32 ? px(2) : 0 };
        const at = (k: number) => x + k * (strip + px(10));
        const stripA = add({ ...common, rect: { x: at(0), y: top, width: strip, height: meansHeight }, offset: s[quantity] + a * w, colormap, range: ranges.values }, { layer: l, kind: 'a' });
        add({ ...common, rect: { x: at(1), y: top, width: strip, height: meansHeight }, offset: s[quantity] + b * w, colormap, range: { ...ranges.values } }, { layer: l, kind: 'b' });
        // A − B: the copies of A and B at aligned offsets, so B binds as A's reference.
        const copy = (at: number) => ({ buffer: this.data, offset: at * 4, size: w * 4 });
        const difference = add({
          ...common, rect: { x: at(2), y: top, width: strip, height: meansHeight }, source: copy(s.compareA), reference: copy(s.compareB), colormap: 'diverging', range: ranges.difference,
        }, { layer: l, kind: 'difference' });
        ['A', 'B', 'A − B'].forEach((text, k) => label(text, at(k) + strip / 2, top - px(10), 'tick'));
        const cos = this.similarities[l]?.[quantity][a][b];
        label(cos === undefined ? '' : `cosine(A, B) = ${cos.toFixed(3)}`, x, px(30), 'tick', 'left');
        addLegend({ panels, labels }, stripA, { x: at(0), y: top + meansHeight + px(8), width: 2 * strip + px(10), height: px(6) }, scale, 'below');
        addLegend({ panels, labels }, difference, { x: at(2), y: top + meansHeight + px(34), width: Math.max(strip, px(60)), height: px(6) }, scale, 'below');
      }
      // Row a, column b: similarity of classes a and b.
      const similarity = add({
        source, rect: { x, y: similarityTop, width: side, height: side }, columns: c, rows: c, rowStride: c, colStride: 1,
        offset: s[quantity === 'raw' ? 'rawSimilarity' : 'activatedSimilarity'], count: c * c, colormap: 'viridis', range: ranges.similarity, gap: c > 40 ? 0 : px(1),
        highlight: this.comparing ? this.comparing[0] * c + this.comparing[1] : -1,
      }, { layer: l, kind: 'similarity' });
      label('cosine similarity of class means', x, similarityTop - px(22), 'title', 'left');
      const cell = (side + px(1)) / c;
      for (let k = 0; k < c; k += Math.ceil(px(14) / cell)) {
        label(String(k), x + (k + 0.5) * cell, similarityTop - px(8), 'tick');
        label(String(k), x - px(4), similarityTop + (k + 0.5) * cell, 'tick', 'right');
      }
      addLegend({ panels, labels }, similarity, { x, y: similarityTop + side + px(8), width: Math.min(side, px(120)), height: px(6) }, scale, 'below');
    });
    // The key names every class while it fits a line; with many classes, hover names them.
    const names = this.options.classNames;
    const key = names.length <= 20 ? names.map((n, k) => `${k} ${n}`).join(' · ') : `classes 0–${names.length - 1}: hover a column or cell for its names`;
    label(this.comparing ? `A = ${this.options.classNames[this.comparing[0]]}, B = ${this.options.classNames[this.comparing[1]]}   ·   ${key}` : key, margin, height - px(9), 'tick', 'left');
    return { panels, labels };
  }
}

function checkQuantity(quantity: string): asserts quantity is ClassMeansQuantity {
  if (quantity !== 'raw' && quantity !== 'activated') throw new RangeError(`Unknown class-means quantity '${quantity}'; choose 'activated' or 'raw'.`);
}
