/**
 * Saliency tiles (issue #14): d logit / d pixel of a sample (engine.saliency) or its mean over many
 * (engine.meanSaliency), drawn from the engine's saliency buffer with no copy, one tile per class
 * explained, in the diverging colormap on one range symmetric about 0 (± the largest |value| of all
 * the tiles, reduced on the GPU each frame) whose ends the legend writes. The strips put them beside
 * the input image (LayerStripsView.showSaliency); SaliencyView draws them alone (a confusion cell's
 * mean).
 */
import type { TensorView } from '../engine/dictionary.js';
import { addLegend, CanvasView, preferredCanvasFormat, withPanelSet, type ViewLayout } from './canvas-view.js';
import type { PanelSet, Rect } from './panels.js';

/** What saliency tiles show. */
export interface SaliencyShown {
  /** [classes, rows, cols]: the `map` of engine.saliency() or engine.meanSaliency(), bound as it is. */
  readonly map: TensorView;
  /** A caption per class, e.g. 'saliency: Shirt (predicted)'. */
  readonly captions: readonly string[];
  /** What the legend's unit line says under it; default 'd logit / d pixel'. */
  readonly unit?: string;
}

/** The unit line of saliency of an input with `channels` channels: RGB maps are summed over the channels. */
export function saliencyUnit(channels: number): string {
  return channels === 3 ? 'd logit / d pixel, summed over R, G, B' : 'd logit / d pixel';
}

/**
 * Adds the tiles of `shown` to `layout` in `box` (device pixels): one panel with a tile per class,
 * stacked in a column or side by side in a row, each under its caption, then a legend whose ends
 * write the scale, and the unit. Returns the panel's index.
 */
export function addSaliencyPanels(layout: ViewLayout, shown: SaliencyShown, box: Rect, scale: number, direction: 'column' | 'row'): number {
  const [count = 1, rows = 1, cols = 1] = shown.map.shape;
  const px = (n: number) => Math.round(n * scale);
  const css = (n: number) => n / scale;
  const caption = px(18);
  const legend = px(52);
  const [across, down] = direction === 'row' ? [count, 1] : [1, count];
  // Side by side, tiles stand far enough apart for their captions (≈ 6.2 CSS px a character).
  const captionWidth = px(6.2 * Math.max(0, ...shown.captions.map((text) => text.length)));
  const fit = (gap: number) => {
    const room = { width: box.width - (across - 1) * gap, height: box.height - legend - caption - (down - 1) * gap };
    return Math.max(1, Math.floor(Math.min(room.width / across, ((room.height / down) * cols) / rows)));
  };
  let gap = direction === 'row' ? px(10) : caption;
  let tileWidth = fit(gap);
  if (direction === 'row' && tileWidth + gap < captionWidth + px(8)) tileWidth = fit((gap = Math.max(gap, captionWidth + px(8) - tileWidth)));
  const tileHeight = Math.max(1, Math.floor((tileWidth * rows) / cols));
  const width = across * tileWidth + (across - 1) * gap;
  const rect = { x: box.x + Math.floor((box.width - width) / 2), y: box.y + caption, width, height: down * tileHeight + (down - 1) * gap };
  const panel = layout.panels.push({
    source: shown.map, rect, columns: across, rows: down, tileWidth: cols, tileHeight: rows, gap,
    rowStride: direction === 'column' ? rows * cols : 0, colStride: direction === 'row' ? rows * cols : 0,
    count: count * rows * cols, colormap: 'diverging', range: { auto: 'symmetric' },
  }) - 1;
  shown.captions.forEach((text, j) => {
    const [x, y] = direction === 'row' ? [rect.x + j * (tileWidth + gap), rect.y] : [rect.x, rect.y + j * (tileHeight + gap)];
    layout.labels.push({ text, x: css(x + tileWidth / 2), y: css(y) - 9, align: 'center', kind: 'tick' });
  });
  const bar = Math.min(width, px(140));
  const barX = rect.x + Math.floor((width - bar) / 2);
  const barY = rect.y + rect.height + px(8);
  addLegend(layout, panel, { x: barX, y: barY, width: bar, height: px(6) }, scale, 'below');
  layout.labels.push({ text: shown.unit ?? 'd logit / d pixel', x: css(barX + bar / 2), y: css(barY) + 32, align: 'center', kind: 'tick' });
  return panel;
}

export interface SaliencyViewOptions {
  format?: GPUTextureFormat;
}

/**
 * Saliency tiles alone on a canvas, side by side: a confusion cell's mean saliency.
 * @example
 * const view = await SaliencyView.create(engine.device, canvas);
 * const { map } = await engine.meanSaliency(cellSamples, { classes: [6, 4] });
 * view.show({ map, captions: ['mean saliency: Shirt (predicted)', 'mean saliency: Coat (true)'] });
 */
export class SaliencyView extends CanvasView {
  private shown?: SaliencyShown;

  static async create(device: GPUDevice, canvas: HTMLCanvasElement | OffscreenCanvas, options: SaliencyViewOptions = {}): Promise<SaliencyView> {
    const format = options.format ?? preferredCanvasFormat();
    return withPanelSet(device, format, (panels) => new SaliencyView(device, canvas, panels, format));
  }

  private constructor(device: GPUDevice, canvas: HTMLCanvasElement | OffscreenCanvas, panels: PanelSet, format: GPUTextureFormat) {
    super(device, canvas, panels, format);
  }

  /** Shows `shown` (undefined: nothing) from the next frame on; call it again when the buffer holds new values. */
  show(shown: SaliencyShown | undefined): void {
    this.shown = shown;
    this.invalidate();
  }

  protected layout(width: number, height: number, scale: number): ViewLayout {
    const layout: ViewLayout = { panels: [], labels: [] };
    const pad = Math.round(8 * scale);
    if (this.shown) addSaliencyPanels(layout, this.shown, { x: pad, y: 0, width: width - 2 * pad, height }, scale, 'row');
    return layout;
  }
}
