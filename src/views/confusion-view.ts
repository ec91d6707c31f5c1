/**
 * The confusion matrix: rows are true classes, columns predictions, each cell coloured by its rate
 * (count / samples of the row's class) and labelled with its count; a strip beside it gives each
 * class's recall. By default the colour scale ends at the largest off-diagonal rate, so the errors
 * stand out (the diagonal then shows the top colour; its exact rate is in the recall strip).
 * setConfusion() uploads 110 numbers once per evaluation; cellAt() tells which cell a click hit.
 */
import { BufferOwner } from '../gpu/buffers.js';
import { colormapColor } from './colormaps.js';
import { addLegend, CanvasView, preferredCanvasFormat, withPanelSet, type ViewLabel, type ViewLayout } from './canvas-view.js';
import type { PanelSet, PanelSpec } from './panels.js';

export interface ConfusionViewOptions {
  /** One name per class, label order. */
  classNames: readonly string[];
  /** 'errors' (default): the colour scale ends at the largest off-diagonal rate; 'full': at 1. */
  scale?: 'errors' | 'full';
  format?: GPUTextureFormat;
}

export class ConfusionView extends CanvasView {
  /** The (true, predicted) cell outlined as selected, if any. */
  selected?: { truth: number; predicted: number };
  private counts?: number[][];
  private rates: number[][] = [];
  private readonly classes: number;
  private readonly owner: BufferOwner;
  /** classes² row-normalised rates, then classes recalls. */
  private readonly data: GPUBuffer;

  static async create(device: GPUDevice, canvas: HTMLCanvasElement | OffscreenCanvas, options: ConfusionViewOptions): Promise<ConfusionView> {
    if (options.classNames.length < 2) throw new RangeError(`ConfusionView needs at least 2 class names, got ${options.classNames.length}.`);
    if (options.scale !== undefined && options.scale !== 'errors' && options.scale !== 'full') throw new RangeError(`Unknown scale '${options.scale}'; choose 'errors' or 'full'.`);
    const format = options.format ?? preferredCanvasFormat();
    return withPanelSet(device, format, (panels) => new ConfusionView(device, canvas, panels, format, options));
  }

  private constructor(device: GPUDevice, canvas: HTMLCanvasElement | OffscreenCanvas, panels: PanelSet, format: GPUTextureFormat, private readonly options: ConfusionViewOptions) {
    super(device, canvas, panels, format);
    this.classes = options.classNames.length;
    this.owner = new BufferOwner(device, 'ConfusionView');
    this.data = this.owner.create('data', (this.classes + 1) * this.classes * 4, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST);
  }

  /** Shows confusion[truth][predicted] counts (as Evaluation.confusion). */
  setConfusion(confusion: readonly (readonly number[])[]): void {
    const n = this.classes;
    if (confusion.length !== n || confusion.some((row) => row.length !== n)) throw new RangeError(`The confusion matrix must be ${n}×${n}.`);
    if (confusion.some((row) => row.some((v) => !Number.isInteger(v) || v < 0))) throw new RangeError('Confusion counts must be whole numbers ≥ 0.');
    this.counts = confusion.map((row) => [...row]);
    this.rates = confusion.map((row) => {
      const total = row.reduce((a, b) => a + b, 0);
      return row.map((v) => (total ? v / total : 0));
    });
    const values = new Float32Array((n + 1) * n);
    values.set(this.rates.flat());
    values.set(this.rates.map((row, c) => row[c]), n * n);
    this.device.queue.writeBuffer(this.data, 0, values);
    this.invalidate(); // labels and the colour scale follow the counts
  }

  /** Outlines cell (truth, predicted); select() clears. */
  select(truth?: number, predicted?: number): void {
    if (truth === undefined) this.selected = undefined;
    else {
      for (const c of [truth, predicted]) if (!Number.isInteger(c) || c! < 0 || c! >= this.classes) throw new RangeError(`select(truth, predicted) takes classes 0–${this.classes - 1}.`);
      this.selected = { truth, predicted: predicted! };
    }
    this.highlightTile(0, this.selected ? this.selected.truth * this.classes + this.selected.predicted : -1);
  }

  /** The matrix cell under (x, y) in CSS pixels. */
  cellAt(x: number, y: number): { truth: number; predicted: number } | undefined {
    const hit = this.hitTest(x, y);
    if (!hit || hit.panel !== 0) return undefined;
    return { truth: Math.floor(hit.tile / this.classes), predicted: hit.tile % this.classes };
  }

  override destroy(): void {
    super.destroy();
    this.owner.destroy();
  }

  protected layout(width: number, height: number, scale: number): ViewLayout {
    const px = (n: number) => Math.round(n * scale);
    const css = (n: number) => n / scale;
    const n = this.classes;
    const names = this.options.classNames;
    const panels: PanelSpec[] = [];
    const labels: ViewLabel[] = [];
    const label = (text: string, x: number, y: number, kind: string, align: ViewLabel['align'] = 'center') =>
      labels.push({ text, x: css(x), y: css(y), align, kind });
    const left = px(96);
    const top = px(58);
    const gap = n > 40 ? 0 : px(2); // many classes: every pixel for the cells
    const recallWidth = px(44);
    const side = Math.max(px(60), Math.min(width - left - recallWidth - px(60), height - top - px(48)));
    const pitch = (side + gap) / n;
    const source = { buffer: this.data, offset: 0, size: this.data.size };
    const offDiagonal = Math.max(0, ...this.rates.flatMap((row, t) => row.filter((_, p) => p !== t)));
    const high = this.options.scale === 'full' || offDiagonal === 0 ? 1 : offDiagonal;
    panels.push({
      source, rect: { x: left, y: top, width: side, height: side }, columns: n, rows: n, rowStride: n, colStride: 1, count: n * n,
      colormap: 'blues', range: { low: 0, high }, gap, highlight: this.selected ? this.selected.truth * n + this.selected.predicted : -1,
    });
    const recallX = left + side + px(14);
    panels.push({ source, rect: { x: recallX, y: top, width: recallWidth, height: side }, columns: 1, rows: n, rowStride: 1, colStride: 0, offset: n * n, count: n, colormap: 'blues', range: { low: 0, high: 1 }, gap });
    addLegend({ panels, labels }, 0, { x: left, y: top + side + px(10), width: Math.min(side, px(160)), height: px(6) }, scale, 'below');

    label('predicted →', left, px(14), 'title', 'left');
    label('recall', recallX + recallWidth / 2, top - px(28), 'tick');
    // Column names are staggered over two rows; when even that is too narrow (≈6.5 px per character
    // at 11 px), columns show class numbers and the row names carry them. With many classes
    // (rows under 12 CSS px) only every `every`-th class is named, counts show only where a cell
    // holds them (20 CSS px), and hovering a cell names it (see confusion-panel.ts).
    const cssPitch = pitch / scale;
    const every = Math.ceil(12 / cssPitch);
    const numbered = every > 1 || Math.max(...names.map((name) => name.length)) * 6.5 > 2 * cssPitch;
    names.forEach((name, k) => {
      if (k % every !== 0) return;
      const centre = (k + 0.5) * pitch - gap / 2;
      if (numbered) label(String(k), left + centre, top - px(12), 'tick');
      else label(name, left + centre, top - px(k % 2 ? 12 : 28), 'tick'); // staggered: long names fit narrow columns
      label(numbered ? `${name} ${k}` : name, left - px(8), top + centre, 'class', 'right');
      const recall = this.rates[k]?.[k];
      if (recall !== undefined && every === 1) label(`${(100 * recall).toFixed(1)}%`, recallX + recallWidth / 2, top + centre, textKind('blues', recall), 'center');
    });
    if (cssPitch >= 20) {
      this.counts?.forEach((row, t) =>
        row.forEach((count, p) => label(String(count), left + (p + 0.5) * pitch - gap / 2, top + (t + 0.5) * pitch - gap / 2, textKind('blues', this.rates[t][p] / high))));
    }
    label(this.options.scale === 'full' ? 'rate of the true class' : 'rate of the true class (scale ends at the largest error)', left, top + side + px(36), 'tick', 'left');
    return { panels, labels };
  }
}

/** 'cell-light' text on dark colours, 'cell-dark' on light ones (by the colormap's luminance there). */
function textKind(colormap: 'blues', t: number): string {
  const [r, g, b] = colormapColor(colormap, t);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b < 140 ? 'cell cell-light' : 'cell cell-dark';
}
