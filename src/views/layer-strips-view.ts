/**
 * Layer outputs for one input: the input image, then per dense layer its raw outputs (diverging
 * colormap, symmetric range) and activated outputs (viridis) as vertical strips, one cell per
 * neuron, and per conv layer its feature maps as grids of H×W tiles, one per channel: raw, then
 * activated, then pooled, stacked in one column. The output strip shows softmax probabilities with
 * the true label outlined in black and a wrong prediction in red. Reads row `row` of the probe's
 * buffers (dictionary.probe): the samples of the last engine.forward(). Training never writes them,
 * so the view can redraw at any time. With `showSaliency`, a column of saliency tiles (d logit /
 * d pixel, engine.saliency()'s buffer) stands beside the input image.
 */
import type { TrainingDictionary } from '../engine/dictionary.js';
import type { EngineConfig } from '../engine/config.js';
import type { MapShape } from '../engine/layers.js';
import { mapGrid } from './map-grid.js';
import { addLegend, CanvasView, preferredCanvasFormat, withPanelSet, type PanelHit, type ViewLabel, type ViewLayout } from './canvas-view.js';
import type { PanelSet, PanelSpec, RangeSpec } from './panels.js';
import { colormapRow, type ColormapName } from './colormaps.js';
import { addSaliencyPanels, type SaliencyShown } from './saliency-view.js';

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

/** What a panel of the strips shows: which layer, and which of its outputs. */
export interface StripPanel {
  /** −1 for the saliency tiles. */
  layer: number;
  what: 'raw' | 'activated' | 'pooled' | 'saliency';
  /** For feature maps: their shape (tiles are channels, cells are pixels). */
  map?: MapShape;
}

/** What is under a point of the strips: the layer, its output, the neuron or (for maps) the channel, y and x. */
export interface StripPlace {
  hit: PanelHit;
  layer: number;
  what: StripPanel['what'];
  neuron: number;
  map?: { channel: number; y: number; x: number };
  /** Over a saliency tile: its caption. */
  caption?: string;
}

export class LayerStripsView extends CanvasView {
  row: number;
  /** Per panel of the current layout (legends: undefined). */
  private shown: (StripPanel | undefined)[] = [];
  private saliency?: SaliencyShown;

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

  /**
   * Shows saliency tiles beside the input image (undefined: none): `shown.map` is
   * engine.saliency()'s `map`, bound as it is; tile j is class j, under caption j. Redraws with the
   * next frame; the layout changes only when the tiles or their captions do.
   */
  showSaliency(shown: SaliencyShown | undefined): void {
    const now = this.saliency;
    const same = now && shown && now.map.buffer === shown.map.buffer && now.map.size === shown.map.size && now.unit === shown.unit && now.captions.join('\n') === shown.captions.join('\n');
    if (same || (!now && !shown)) return this.markStale();
    this.saliency = shown && { ...shown, captions: [...shown.captions] };
    this.invalidate();
  }

  /** Outlines neuron (or channel) `neuron` of layer `layer` (0 = first hidden) in its raw and activated outputs; −1 clears. */
  highlightNeuron(layer: number, neuron: number): void {
    this.shown.forEach((panel, index) => {
      if (panel && panel.what !== 'pooled') this.highlightTile(index, panel.layer === layer ? neuron : -1);
    });
  }

  /** What the panel under (x, y) CSS pixels shows there; undefined over the input, a legend or background. */
  locate(x: number, y: number): StripPlace | undefined {
    const hit = this.hitTest(x, y);
    const panel = hit && this.shown[hit.panel];
    if (!hit || !panel) return undefined;
    if (!panel.map) return { hit, layer: panel.layer, what: panel.what, neuron: hit.tile };
    const { width } = panel.map;
    const caption = panel.what === 'saliency' ? { caption: this.saliency?.captions[hit.tile] } : {};
    return { hit, layer: panel.layer, what: panel.what, neuron: hit.tile, map: { channel: hit.tile, y: Math.floor(hit.cell / width), x: hit.cell % width }, ...caption };
  }

  protected layout(width: number, height: number, scale: number): ViewLayout {
    const { sizes, activation, layers: specs } = this.config;
    const { input, labels: trueLabels, layers } = this.dictionary.probe;
    const px = (n: number) => Math.round(n * scale);
    const top = px(34);
    const bottom = px(44);
    const stripHeight = Math.max(px(40), height - top - bottom);
    const convs = specs.filter((spec) => spec.kind === 'conv').length;
    const image = Math.min(px(168), Math.floor(stripHeight * 0.6), Math.floor(width * (convs ? 0.12 : 0.18)));
    const strip = px(28);
    const pair = px(6);
    const classWidth = px(92);
    const denseWidth = 2 * strip + pair;
    const saliency = this.saliency;
    const fixed = px(16) + image * (saliency ? 2 : 1) + classWidth + specs.filter((spec) => spec.kind === 'dense').length * denseWidth;
    // Conv layers share what the strips leave, by the width their grids want (√channels × map width); gaps stay small.
    const columns = layers.length + (saliency ? 2 : 1);
    const between = convs ? px(26) : Math.max(px(16), Math.floor((width - fixed) / columns));
    const mapsWidth = Math.max(px(40) * convs, width - fixed - between * columns);
    const wants = specs.map((spec) => (spec.kind === 'conv' ? Math.sqrt(spec.output.channels) * spec.output.width : 0));
    const wanted = wants.reduce((a, b) => a + b, 0);
    const panels: PanelSpec[] = [];
    const labels: ViewLabel[] = [];
    const shown: (StripPanel | undefined)[] = [];
    const push = (panel: PanelSpec, what?: StripPanel) => {
      panels.push(panel);
      shown[panels.length - 1] = what;
      return panels.length - 1;
    };
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
    push({
      source: input, rect: { x: imageX, y: imageY, width: imageWidth, height: imageHeight },
      columns: 1, rows: 1, tileWidth: cols, tileHeight: rows, rowStride: 0, colStride: 0, pixelStride: channels,
      channelStride: channels === 3 ? 1 : undefined, offset: this.row * inputWidth, count: inputWidth,
      colormap: this.options.colormaps?.input ?? 'grayInverted', range: { auto: 'minmax' },
    });
    label('input', x + image / 2, top - px(10), 'title');
    label(`${rows}×${cols}${channels === 3 ? ' RGB' : ''}`, x + image / 2, imageY + imageHeight + px(14), 'tick');
    x += image + between;
    if (saliency) {
      // Tiles stacked in a column as wide as the input's, each under its caption; one legend for all.
      const panel = addSaliencyPanels({ panels, labels }, saliency, { x, y: top - px(4), width: image, height: stripHeight + bottom - px(4) }, scale, 'column');
      shown[panel] = { layer: -1, what: 'saliency', map: { height: rows, width: cols, channels: saliency.captions.length } };
      label('saliency', x + image / 2, top - px(22), 'title');
      x += image + between;
    }

    layers.forEach((layer, l) => {
      const spec = specs[l]!;
      const width = sizes[l + 1];
      const last = l === layers.length - 1;
      const rawColormap = this.options.colormaps?.raw ?? 'diverging';
      const activatedColormap = this.options.colormaps?.activated ?? 'viridis';
      const rawRange = this.options.rawRange?.[l] ?? { auto: 'symmetric' as const };
      const outputRange = this.options.outputRange?.[l] ?? (last ? { low: 0, high: 1 } : { auto: 'minmax' as const });
      if (spec.kind === 'conv') {
        const blockWidth = Math.max(px(40), Math.floor((mapsWidth * wants[l]!) / wanted));
        // Raw, activated and pooled maps stacked, each under a caption.
        const parts: [StripPanel['what'], MapShape, typeof layer.rawOutputs][] = [['raw', spec.output, layer.rawOutputs], ['activated', spec.output, layer.outputs]];
        if (spec.pooled && layer.pooled) parts.push(['pooled', spec.pooled, layer.pooled]);
        const caption = px(16);
        const partHeight = Math.floor((stripHeight - parts.length * caption - (parts.length - 1) * px(4)) / parts.length);
        const [raw, activated] = parts.map(([what, map, source], i) => {
          const y = top + i * (caption + partHeight + px(4)) + caption;
          const grid = mapGrid(map, { x, y, width: blockWidth, height: partHeight }, px(2));
          label(what === 'raw' ? 'raw' : what === 'activated' ? activation : `pooled ${map.height}×${map.width}`, x + blockWidth / 2, y - px(5), 'tick');
          const size = map.height * map.width * map.channels;
          return push({
            ...grid, source, offset: this.row * size, count: size,
            colormap: what === 'raw' ? rawColormap : activatedColormap, range: what === 'raw' ? rawRange : { ...outputRange },
          }, { layer: l, what, map });
        });
        // Legends inset so their numbers (beside the bars) stay within the block.
        const inset = Math.min(px(36), Math.floor(blockWidth / 4));
        legend(raw!, x + inset, blockWidth - 2 * inset, 0);
        legend(activated!, x + inset, blockWidth - 2 * inset, 1);
        const { channels: filters, height: mapHeight, width: mapWidth } = spec.output;
        const room = (blockWidth + between) / scale;
        const title = [`conv ${l + 1}: ${filters} maps of ${mapHeight}×${mapWidth}`, `conv ${l + 1} (${filters})`].find((text) => text.length * 7 <= room) ?? `c${l + 1}`;
        label(title, x + blockWidth / 2, top - px(22), 'title');
        label(`${spec.kernel}×${spec.kernel}${spec.pooled ? ', pool 2' : ''}`, x + blockWidth / 2, top - px(8), 'tick');
        x += blockWidth + between;
        return;
      }
      const common = { rows: width, columns: 1, rowStride: 1, colStride: 0, offset: this.row * width, count: width, gap: width <= 32 ? px(2) : 0 };
      const raw = push({ ...common, source: layer.rawOutputs, rect: { x, y: top, width: strip, height: stripHeight }, colormap: rawColormap, range: rawRange }, { layer: l, what: 'raw' });
      const out = push({
        ...common, source: layer.outputs, rect: { x: x + strip + pair, y: top, width: strip, height: stripHeight }, colormap: activatedColormap, range: outputRange,
        ...(last ? { labelRow: this.row, labels: trueLabels } : {}),
      }, { layer: l, what: 'activated' });
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
    this.shown = shown;
    return { panels, labels };
  }
}
