/**
 * The training batch as the first layer saw it (issue #14): every row of the dictionary's training
 * input (`training.input`, gathered and augmented on the GPU) as a tile of a grid, drawn by the
 * fragment shader from that buffer. It redraws when training moves the dictionary's revision.
 */
import { CanvasView, preferredCanvasFormat, withPanelSet, type ViewLayout } from './canvas-view.js';
import type { ColormapName } from './colormaps.js';
import type { PanelSet } from './panels.js';
import type { TrainingDictionary } from '../engine/dictionary.js';
import type { DataShape } from '../data/dataset.js';

export interface BatchGridOptions {
  /** Grey images' colormap (default 'grayInverted', as the strips' input); colour images show their colours. */
  colormap?: ColormapName;
  /** The values shown from black to white: the scaled pixel range (noise beyond it is clipped). Default 0 to 1. */
  range?: { low: number; high: number };
  format?: GPUTextureFormat;
}

export class BatchGridView extends CanvasView {
  static async create(device: GPUDevice, canvas: HTMLCanvasElement | OffscreenCanvas, dictionary: TrainingDictionary, options: BatchGridOptions = {}): Promise<BatchGridView> {
    const format = options.format ?? preferredCanvasFormat();
    return withPanelSet(device, format, (panels) => new BatchGridView(device, canvas, panels, format, dictionary, options));
  }

  private constructor(
    device: GPUDevice,
    canvas: HTMLCanvasElement | OffscreenCanvas,
    panels: PanelSet,
    format: GPUTextureFormat,
    private readonly dictionary: TrainingDictionary,
    private readonly options: BatchGridOptions,
  ) {
    super(device, canvas, panels, format);
    this.follows = dictionary; // each training chunk gathers new batches: redraw when the revision moves
  }

  /** Rows of the batch (tiles). */
  get rows(): number {
    return this.dictionary.training.input.shape[0]!;
  }

  /** The grid's columns and rows, and the size of an image pixel, for `count` images in `width` × `height` (device pixels) with `gap` between tiles: the largest tiles that fit. */
  static grid(count: number, shape: Pick<DataShape, 'rows' | 'cols'>, width: number, height: number, gap: number) {
    let best = { columns: 1, rows: count, pitch: 0 };
    for (let columns = 1; columns <= count; columns++) {
      const rows = Math.ceil(count / columns);
      const pitch = Math.min(((width + gap) / columns - gap) / shape.cols, ((height + gap) / rows - gap) / shape.rows);
      if (pitch > best.pitch) best = { columns, rows, pitch };
    }
    return best;
  }

  protected layout(width: number, height: number, scale: number): ViewLayout {
    const { rows, cols, channels } = this.dictionary.shape;
    const input = this.dictionary.training.input;
    const pixels = rows * cols * channels;
    const count = this.rows;
    const gap = Math.max(1, Math.round(2 * scale));
    const margin = Math.round(4 * scale);
    const grid = BatchGridView.grid(count, { rows, cols }, width - 2 * margin, height - 2 * margin, gap);
    // Whole device pixels per image pixel where two or more fit, so pixels stay square and crisp.
    const cell = grid.pitch >= 2 ? Math.floor(grid.pitch) : grid.pitch;
    const [tileWidth, tileHeight] = [cell * cols, cell * rows];
    const rect = {
      x: margin, y: margin,
      width: grid.columns * (tileWidth + gap) - gap,
      height: grid.rows * (tileHeight + gap) - gap,
    };
    return {
      panels: [{
        source: input, rect, columns: grid.columns, rows: grid.rows, tiles: count, tileWidth: cols, tileHeight: rows, gap,
        rowStride: grid.columns * pixels, colStride: pixels, pixelStride: channels, channelStride: channels === 3 ? 1 : undefined,
        count: count * pixels, colormap: this.options.colormap ?? 'grayInverted', range: this.options.range ?? { low: 0, high: 1 },
      }],
      labels: [],
    };
  }
}
