/**
 * A WebGPU canvas that draws a PanelSet: configured once, sized to its CSS box × devicePixelRatio,
 * re-laid-out only when that size changes. Subclasses say which panels to draw where.
 */
import { readRanges } from '../gpu/readback.js';
import { PanelSet, type PanelSpec } from './panels.js';

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

export interface ViewLayout {
  panels: PanelSpec[];
  labels: ViewLabel[];
}

export abstract class CanvasView {
  readonly context: GPUCanvasContext;
  /** Labels of the current layout; the page (or a component) draws them. */
  labels: ViewLabel[] = [];
  /** Frames drawn so far. */
  frames = 0;
  private size = { width: 0, height: 0 };
  private dirty = true;

  protected constructor(
    readonly device: GPUDevice,
    readonly canvas: HTMLCanvasElement | OffscreenCanvas,
    protected readonly panels: PanelSet,
    readonly format: GPUTextureFormat,
    /** Clear colour: the page's background. */
    public background: GPUColor = { r: 1, g: 1, b: 1, a: 1 },
  ) {
    const context = canvas.getContext('webgpu');
    if (!context) throw new Error('This canvas cannot give a WebGPU context (was it already used for 2D or WebGL?).');
    this.context = context as GPUCanvasContext;
    this.context.configure({ device, format, alphaMode: 'opaque' });
  }

  /** Panels and labels for a canvas of `width` × `height` device pixels (`scale` = device pixels per CSS pixel). */
  protected abstract layout(width: number, height: number, scale: number): ViewLayout;

  /** The panels of the current layout, with their rects in canvas pixels (for hit tests and tests). */
  get panelSpecs(): readonly PanelSpec[] {
    return this.panels.panels;
  }

  /** Rebuilds the panels on the next frame (after a change of what is shown). */
  invalidate(): void {
    this.dirty = true;
  }

  /** Matches the drawing buffer to the CSS size × devicePixelRatio; returns the ratio. */
  private fitCanvas(): number {
    const canvas = this.canvas;
    const scale = typeof devicePixelRatio === 'number' ? devicePixelRatio : 1;
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

  /** Draws one frame: auto ranges and panels, one command buffer, no read-back. */
  render(): void {
    const scale = this.fitCanvas();
    const { width, height } = this.canvas;
    if (this.dirty || width !== this.size.width || height !== this.size.height) {
      const { panels, labels } = this.layout(width, height, scale);
      this.panels.setPanels(panels, width, height);
      this.labels = labels;
      this.size = { width, height };
      this.dirty = false;
    }
    const encoder = this.device.createCommandEncoder({ label: `${this.constructor.name}.frame` });
    this.panels.encode(encoder, this.context.getCurrentTexture().createView(), this.background);
    this.device.queue.submit([encoder.finish()]);
    this.frames++;
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
