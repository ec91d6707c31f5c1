/**
 * Layer outputs for one input: the 28×28 input image, then per layer its raw outputs (diverging
 * colormap, symmetric range) and activated outputs (viridis) as vertical strips, one cell per
 * neuron; the output strip shows softmax probabilities with the true label outlined in black and
 * a wrong prediction in red. Reads row `row` of the probe's buffers (dictionary.probe): the samples
 * of the last engine.forward(). Training never writes them, so the view can redraw at any time.
 */
import type { TrainingDictionary } from '../engine/dictionary.js';
import type { EngineConfig } from '../engine/config.js';
import { addLegend, CanvasView, preferredCanvasFormat, withPanelSet, type ViewLabel, type ViewLayout } from './canvas-view.js';
import type { PanelSet, PanelSpec, RangeSpec } from './panels.js';
import { colormapRow, type ColormapName } from './colormaps.js';

export interface LayerStripsOptions {
  /** Class names of the output neurons (label order). */
  classNames: readonly string[];
  /** Row of the probe's buffers to show (sample `row` of the last engine.forward()). Default 0. */
  row?: number;
  /** Per layer (0 = first hidden), fixed ranges instead of auto. */
  rawRange?: (RangeSpec | undefined)[];
  outputRange?: (RangeSpec | undefined)[];
  /** Colormaps by name: raw outputs (default 'diverging'), activated outputs ('viridis'), input ('grayInverted'). */
  colormaps?: { raw?: ColormapName; activated?: ColormapName; input?: ColormapName };
  format?: GPUTextureFormat;
}

export class LayerStripsView extends CanvasView {
  row: number;

  static async create(device: GPUDevice, canvas: HTMLCanvasElement | OffscreenCanvas, dictionary: TrainingDictionary, config: EngineConfig, options: LayerStripsOptions): Promise<LayerStripsView> {
    const format = options.format ?? preferredCanvasFormat();
    Object.values(options.colormaps ?? {}).forEach(colormapRow); // unknown names fail before any GPU work
    return withPanelSet(device, format, (panels) => new LayerStripsView(device, canvas, panels, format, dictionary, config, options));
  }

  private constructor(
    device: GPUDevice,
    canvas: HTMLCanvasElement | OffscreenCanvas,
    panels: PanelSet,
    format: GPUTextureFormat,
    private readonly dictionary: TrainingDictionary,
    private readonly config: EngineConfig,
    private readonly options: LayerStripsOptions,
  ) {
    super(device, canvas, panels, format);
    this.row = options.row ?? 0;
  }

  /** Shows row `row` of the probe's buffers (after engine.forward(samples), row i is samples[i]). */
  showRow(row: number): void {
    const rows = this.dictionary.probe.input.shape[0];
    if (!Number.isInteger(row) || row < 0 || row >= rows) throw new RangeError(`Row ${row} is outside the probe's buffers (0–${rows - 1}).`);
    this.row = row;
    this.invalidate();
  }

  /** Outlines neuron `neuron` of layer `layer` (0 = first hidden) in its raw and activated strips; −1 clears. */
  highlightNeuron(layer: number, neuron: number): void {
    this.dictionary.layers.forEach((_, l) => {
      // Panels: the input, then per layer raw, activated and their two legends.
      this.highlightTile(1 + 4 * l, l === layer ? neuron : -1);
      this.highlightTile(2 + 4 * l, l === layer ? neuron : -1);
    });
  }

  protected layout(width: number, height: number, scale: number): ViewLayout {
    const { sizes, activation } = this.config;
    const { input, labels: trueLabels, layers } = this.dictionary.probe;
    const px = (n: number) => Math.round(n * scale);
    const top = px(34);
    const bottom = px(44);
    const stripHeight = Math.max(px(40), height - top - bottom);
    const image = Math.min(px(168), Math.floor(stripHeight * 0.6), Math.floor(width * 0.18));
    const strip = px(28);
    const pair = px(6);
    const classWidth = px(92);
    const free = width - px(16) - image - classWidth - layers.length * (2 * strip + pair);
    const between = Math.max(px(16), Math.floor(free / (layers.length + 1)));
    const panels: PanelSpec[] = [];
    const labels: ViewLabel[] = [];
    const css = (n: number) => n / scale;
    const label = (text: string, x: number, y: number, kind: string, align: ViewLabel['align'] = 'center') =>
      labels.push({ text, x: css(x), y: css(y), align, kind });
    const legend = (of: number, x: number, w: number, row: number) =>
      addLegend({ panels, labels }, of, { x, y: top + stripHeight + px(6) + row * px(16), width: w, height: px(6) }, scale, 'beside');

    let x = px(8);
    const inputWidth = sizes[0];
    // The input image in its own shape and colours: one tile of rows × cols cells, channels interleaved.
    const { rows, cols, channels } = this.config.shape;
    const [imageWidth, imageHeight] = rows > cols ? [Math.round((image * cols) / rows), image] : [image, Math.round((image * rows) / cols)];
    const imageY = top + Math.floor((stripHeight - imageHeight) / 2);
    const imageX = x + Math.floor((image - imageWidth) / 2);
    panels.push({
      source: input, rect: { x: imageX, y: imageY, width: imageWidth, height: imageHeight },
      columns: 1, rows: 1, tileWidth: cols, tileHeight: rows, rowStride: 0, colStride: 0, pixelStride: channels,
      channelStride: channels === 3 ? 1 : undefined, offset: this.row * inputWidth, count: inputWidth,
      colormap: this.options.colormaps?.input ?? 'grayInverted', range: { auto: 'minmax' },
    });
    label('input', x + image / 2, top - px(10), 'title');
    label(`${rows}×${cols}${channels === 3 ? ' RGB' : ''}`, x + image / 2, imageY + imageHeight + px(14), 'tick');
    x += image + between;

    layers.forEach((layer, l) => {
      const width = sizes[l + 1];
      const last = l === layers.length - 1;
      const common = { rows: width, columns: 1, rowStride: 1, colStride: 0, offset: this.row * width, count: width, gap: width <= 32 ? px(2) : 0 };
      const raw = panels.length;
      panels.push({ ...common, source: layer.rawOutputs, rect: { x, y: top, width: strip, height: stripHeight }, colormap: this.options.colormaps?.raw ?? 'diverging', range: this.options.rawRange?.[l] ?? { auto: 'symmetric' } });
      const out = panels.length;
      panels.push({
        ...common, source: layer.outputs, rect: { x: x + strip + pair, y: top, width: strip, height: stripHeight }, colormap: this.options.colormaps?.activated ?? 'viridis',
        range: this.options.outputRange?.[l] ?? (last ? { low: 0, high: 1 } : { auto: 'minmax' }),
        ...(last ? { labelRow: this.row, labels: trueLabels } : {}),
      });
      legend(raw, x, strip, 0);
      legend(out, x + strip + pair, strip, 1);
      // Titles shrink when columns are narrow (≈7 CSS px per character of the bold 12 px title).
      const room = (2 * strip + pair + between) / scale;
      const name = last ? 'output' : `hidden ${l + 1}`;
      const title = [`${name} (${width})`, `${last ? 'out' : `h${l + 1}`} (${width})`].find((text) => text.length * 7 <= room) ?? `${width}`;
      label(title, x + strip + pair / 2, top - px(22), 'title');
      label(`raw · ${last ? 'softmax' : activation}`, x + strip + pair / 2, top - px(8), 'tick');
      if (last) {
        // A name per class while rows are 12 CSS px or taller; with many classes, every `every`-th one.
        const cell = stripHeight / width;
        const every = Math.ceil(px(12) / cell);
        (this.options.classNames.length === width ? this.options.classNames : Array.from({ length: width }, (_, c) => String(c))).forEach((c, i) =>
          i % every === 0 && label(every > 1 ? `${i} ${c}` : c, x + 2 * strip + pair + px(6), top + (i + 0.5) * cell + px(4), 'class', 'left'));
      }
      x += 2 * strip + pair + between;
    });
    return { panels, labels };
  }
}
