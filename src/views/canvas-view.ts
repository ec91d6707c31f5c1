/**
 * A WebGPU canvas that draws a PanelSet: configured once, sized to its CSS box × devicePixelRatio,
 * re-laid-out only when that size changes. Subclasses say which panels to draw where.
 */
import { mat3, vec2, type Mat3 } from 'wgpu-matrix';
import { readRanges, type BufferRange } from '../gpu/readback.js';
import { canvasToPNG } from './canvas-png.js';
import { elementIndex, panelGrid, PanelSet, type PanelSpec, type Rect } from './panels.js';

/** A text label for the page to place over the canvas (CSS pixels, relative to the canvas). */
export interface ViewLabel {
  text: string;
  x: number;
  y: number;
  align: 'left' | 'center' | 'right';
  /** 'title' | 'tick' | 'class' | 'range' — for styling. */
  kind: string;
  /** A legend's end: its text is the low or high end of panel `rangeOf`'s range (see readRanges). */
  rangeOf?: { panel: number; end: 'low' | 'high' };
}

/** A point of a panel: which tile and cell, and the element of the panel's source it shows. */
export interface PanelHit {
  panel: number;
  tile: number;
  cell: number;
  element: number;
}

export interface ViewLayout {
  panels: PanelSpec[];
  labels: ViewLabel[];
}

/** The browser's preferred canvas format; 'bgra8unorm' where there is no navigator.gpu (Node). */
export function preferredCanvasFormat(): GPUTextureFormat {
  return (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu?.getPreferredCanvasFormat() ?? 'bgra8unorm';
}

/**
 * Adds a legend for panel `of`: a colour bar in `rect` (device pixels) and two labels that the
 * page fills with the range's ends, either beside the bar or below its two ends.
 */
export function addLegend(layout: ViewLayout, of: number, rect: Rect, scale: number, numbers: 'beside' | 'below'): void {
  layout.panels.push({ ...layout.panels[of], rect, legendOf: of, labelRow: undefined });
  const css = (n: number) => n / scale;
  const beside = numbers === 'beside';
  const y = css(rect.y) + (beside ? 7 : 18);
  const [lowX, highX] = beside ? [css(rect.x) - 3, css(rect.x + rect.width) + 3] : [css(rect.x), css(rect.x + rect.width)];
  layout.labels.push({ text: '', x: lowX, y, align: beside ? 'right' : 'left', kind: 'range', rangeOf: { panel: of, end: 'low' } });
  layout.labels.push({ text: '', x: highX, y, align: beside ? 'left' : 'right', kind: 'range', rangeOf: { panel: of, end: 'high' } });
}

/** Builds a view's PanelSet and hands it to `make`; if `make` throws, the PanelSet is destroyed. */
export async function withPanelSet<T>(device: GPUDevice, format: GPUTextureFormat, make: (panels: PanelSet) => T): Promise<T> {
  const panels = await PanelSet.create(device, format);
  try {
    return make(panels);
  } catch (error) {
    panels.destroy();
    throw error;
  }
}

export abstract class CanvasView {
  readonly context: GPUCanvasContext;
  /** Labels of the current layout; the page (or a component) draws them. */
  labels: ViewLabel[] = [];
  /** Frames drawn so far. */
  frames = 0;
  /** Device pixels per CSS pixel of the layout; default the page's devicePixelRatio (a video's offscreen canvas sets its own). */
  pixelRatio?: number;
  private size = { width: 0, height: 0 };
  private dirty = true;
  private inFlight?: Promise<void>;
  /** Zoom and pan, canvas pixels to canvas pixels; applied to the layout's rects and labels. */
  private transform: Mat3 = mat3.identity();
  private transformDirty = false;
  private base: { rects: Rect[]; labels: ViewLabel[]; scale: number } = { rects: [], labels: [], scale: 1 };
  /** Something changed that the last frame does not show (a highlight, or no frame yet). */
  private stale = true;
  /**
   * What changes the view's buffers under it: a view of training tensors follows the dictionary's
   * revision (bumped by every chunk and parameter write) and redraws when it moves. Views that
   * change only through their own methods follow nothing. Either way, a frame loop draws a view
   * only when `needsFrame`.
   */
  protected follows?: { readonly revision: number };
  /** follows.revision when the last frame was drawn. */
  private drawnRevision = -1;

  protected constructor(
    readonly device: GPUDevice,
    readonly canvas: HTMLCanvasElement | OffscreenCanvas,
    protected readonly panels: PanelSet,
    readonly format: GPUTextureFormat,
    private clearColor: GPUColor = { r: 1, g: 1, b: 1, a: 1 },
  ) {
    const context = canvas.getContext('webgpu');
    if (!context) throw new Error('This canvas cannot give a WebGPU context (was it already used for 2D or WebGL?).');
    this.context = context as GPUCanvasContext;
    this.context.configure({ device, format, alphaMode: 'opaque' });
  }

  /** Panels and labels for a canvas of `width` × `height` device pixels (`scale` = device pixels per CSS pixel). */
  protected abstract layout(width: number, height: number, scale: number): ViewLayout;

  /** Zooms by `factor` about the point (x, y) in CSS pixels; the zoom stays within 1×–64×. */
  zoomAt(factor: number, x: number, y: number): void {
    const current = this.transform[0];
    const clamped = Math.min(64, Math.max(1, current * factor)) / current;
    const point = [x * this.base.scale, y * this.base.scale];
    const about = mat3.multiply(mat3.translation(point), mat3.multiply(mat3.scaling([clamped, clamped]), mat3.translation([-point[0], -point[1]])));
    this.transform = mat3.multiply(about, this.transform);
    this.transformDirty = true;
  }

  /** Moves the content by (dx, dy) CSS pixels. */
  panBy(dx: number, dy: number): void {
    this.transform = mat3.multiply(mat3.translation([dx * this.base.scale, dy * this.base.scale]), this.transform);
    this.transformDirty = true;
  }

  /** Back to the whole view, unzoomed. */
  resetView(): void {
    this.transform = mat3.identity();
    this.transformDirty = true;
  }

  /** Applies the zoom/pan to the layout: rewrites panel uniforms and moves the labels (no new GPU objects). */
  private applyTransform(): void {
    const t = this.transform;
    const zoom = t[0];
    const rects = this.base.rects.map((r) => {
      const [x, y] = vec2.transformMat3([r.x, r.y], t);
      return { x, y, width: r.width * zoom, height: r.height * zoom };
    });
    this.panels.setRects(rects, this.canvas.width, this.canvas.height);
    const s = this.base.scale;
    this.labels = this.base.labels.map((label) => {
      const [x, y] = vec2.transformMat3([label.x * s, label.y * s], t);
      return { ...label, x: x / s, y: y / s };
    });
    this.transformDirty = false;
  }

  /** The panels of the current layout, with their rects in canvas pixels (for hit tests and tests). */
  get panelSpecs(): readonly PanelSpec[] {
    return this.panels.panels;
  }

  /**
   * What is under canvas point (x, y) in CSS pixels: the panel, tile and cell, and the element of
   * the panel's source (as an index of floats within it); undefined over background or a legend.
   */
  hitTest(x: number, y: number): PanelHit | undefined {
    const [px, py] = [x * this.base.scale, y * this.base.scale];
    const specs = this.panels.panels;
    for (let panel = 0; panel < specs.length; panel++) {
      const spec = specs[panel];
      const { rect } = spec;
      if (spec.legendOf !== undefined || px < rect.x || py < rect.y || px >= rect.x + rect.width || py >= rect.y + rect.height) continue;
      const grid = panelGrid(spec);
      const [tx, ty] = [Math.floor((px - rect.x) / grid.pitchX), Math.floor((py - rect.y) / grid.pitchY)];
      const [wx, wy] = [px - rect.x - tx * grid.pitchX, py - rect.y - ty * grid.pitchY];
      const tile = ty * spec.columns + tx;
      if (wx >= grid.pitchX - grid.gap || wy >= grid.pitchY - grid.gap || tile >= grid.tiles) return undefined;
      const cell = Math.floor(wy / grid.cellHeight) * grid.tileWidth + Math.floor(wx / grid.cellWidth);
      return { panel, tile, cell, element: elementIndex(spec, tile, cell) };
    }
    return undefined;
  }

  /** Where cell `cell` of tile `tile` of panel `panel` is drawn now (zoom included), in CSS pixels: hitTest's inverse. */
  cellRect(panel: number, tile: number, cell: number): Rect {
    const spec = this.panels.panels[panel];
    const grid = panelGrid(spec);
    const [tx, ty] = [tile % spec.columns, Math.floor(tile / spec.columns)];
    const [cx, cy] = [cell % grid.tileWidth, Math.floor(cell / grid.tileWidth)];
    const s = this.base.scale;
    return {
      x: (spec.rect.x + tx * grid.pitchX + cx * grid.cellWidth) / s, y: (spec.rect.y + ty * grid.pitchY + cy * grid.cellHeight) / s,
      width: grid.cellWidth / s, height: grid.cellHeight / s,
    };
  }

  /** The value a hit shows (one 4-byte read-back, or two for a change since a snapshot). */
  async readValue(hit: PanelHit): Promise<number> {
    const spec = this.panels.panels[hit.panel];
    const at = (range: BufferRange) => ({ buffer: range.buffer, offset: range.offset + hit.element * 4, size: 4 });
    const [value, reference] = await readRanges(this.device, spec.reference ? [at(spec.source), at(spec.reference)] : [at(spec.source)]);
    return value[0] - (reference?.[0] ?? 0);
  }

  /** Outlines tile `tile` of panel `panel` (−1: none); takes effect on the next frame. */
  protected highlightTile(panel: number, tile: number): void {
    this.panels.setHighlight(panel, tile);
    this.markStale();
  }

  /** Clear colour: the page's background. */
  get background(): GPUColor {
    return this.clearColor;
  }

  set background(color: GPUColor) {
    this.clearColor = color;
    this.stale = true;
  }

  /** Whether training changes what the view shows (it follows the dictionary's revision). */
  get followsTraining(): boolean {
    return this.follows !== undefined;
  }

  /** Something the view shows changed outside the buffers it follows: draw it on the next frame. */
  protected markStale(): void {
    this.stale = true;
  }

  /** Whether render() would draw anything new: a change of what is shown, of the buffers followed, or of the size. */
  get needsFrame(): boolean {
    if (this.stale || this.dirty || this.transformDirty) return true;
    if (this.follows && this.follows.revision !== this.drawnRevision) return true;
    const canvas = this.canvas;
    if (!('clientWidth' in canvas) || canvas.clientWidth === 0) return false;
    const scale = this.scale;
    return Math.round(canvas.clientWidth * scale) !== this.size.width || Math.round(canvas.clientHeight * scale) !== this.size.height;
  }

  private get scale(): number {
    return this.pixelRatio ?? (typeof devicePixelRatio === 'number' ? devicePixelRatio : 1);
  }

  /** Rebuilds the panels on the next frame (after a change of what is shown). */
  invalidate(): void {
    this.dirty = true;
  }

  /** Matches the drawing buffer to the CSS size × devicePixelRatio; returns the ratio. */
  private fitCanvas(): number {
    const canvas = this.canvas;
    const scale = this.scale;
    if ('clientWidth' in canvas && canvas.clientWidth > 0) {
      const width = Math.round(canvas.clientWidth * scale);
      const height = Math.round(canvas.clientHeight * scale);
      if (canvas.width !== width || canvas.height !== height) {
        canvas.width = width;
        canvas.height = height;
      }
    }
    return scale;
  }

  /**
   * Draws one frame (auto ranges and panels, one command buffer, no read-back) unless the previous
   * frame is still queued: then it returns false. So the views never pile frames up in the queue
   * ahead of training; they take the GPU between training chunks.
   */
  render(): boolean {
    if (this.inFlight) return false;
    const scale = this.fitCanvas();
    const { width, height } = this.canvas;
    if (this.dirty || width !== this.size.width || height !== this.size.height) {
      const { panels, labels } = this.layout(width, height, scale);
      this.base = { rects: panels.map((p) => ({ ...p.rect })), labels, scale };
      // A resize only moves panels (uniform writes); new bind groups only when what is shown changed.
      if (this.dirty) this.panels.setPanels(panels, width, height);
      this.size = { width, height };
      this.dirty = false;
      this.transformDirty = true;
    }
    if (this.transformDirty) this.applyTransform();
    const encoder = this.device.createCommandEncoder({ label: `${this.constructor.name}.frame` });
    this.panels.encode(encoder, this.context.getCurrentTexture().createView(), this.clearColor);
    this.device.queue.submit([encoder.finish()]);
    this.frames++;
    this.stale = false;
    this.drawnRevision = this.follows?.revision ?? -1;
    this.inFlight = this.device.queue.onSubmittedWorkDone().then(() => {
      this.inFlight = undefined;
    });
    return true;
  }

  /** Resolves when the last frame is done (then render() draws again). */
  async idle(): Promise<void> {
    await this.inFlight;
  }

  /** The view as a PNG (canvas pixels, without the page's text labels), drawn fresh. */
  async toPNG(): Promise<Blob> {
    await this.idle();
    this.render();
    await this.idle();
    return canvasToPNG(this.canvas);
  }

  /** The current (low, high) range of every panel: one small read-back, for legends' numbers. */
  async readRanges(): Promise<[number, number][]> {
    const count = this.panels.panels.length;
    const [flat] = await readRanges(this.device, [{ buffer: this.panels.ranges!, offset: 0, size: count * 8 }]);
    return Array.from({ length: count }, (_, i) => [flat[2 * i], flat[2 * i + 1]]);
  }

  destroy(): void {
    this.context.unconfigure();
    this.panels.destroy();
  }
}
