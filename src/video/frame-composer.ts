/**
 * One video frame from several views: each view's canvas under a title, with its text labels
 * (which the page draws as HTML over a live canvas) drawn in, and a caption bar below saying
 * where in training the frame is. Canvas 2D, on a canvas whose size stays fixed for the video.
 */
import type { ViewLabel } from '../views/canvas-view.js';
import { formatRangeNumber } from '../views/label-overlay.js';

/** A view to place in the frame. Sizes are CSS pixels; the frame draws them at its scale. */
export interface FrameBlock {
  title: string;
  /** The view's canvas (its last frame is drawn), at `width` × `height` CSS pixels; none while a view is rebuilt. */
  image?: CanvasImageSource;
  width: number;
  height: number;
  labels: readonly ViewLabel[];
  /** Legend ranges, by panel (CanvasView.readRanges()). */
  ranges: readonly [number, number][];
}

export interface FrameColours {
  background: string;
  foreground: string;
  muted: string;
}

const PAD = 12;
const TITLE = 24;
const GAP = 10;
const CAPTION = 30;
const FONT = 'system-ui, -apple-system, "Segoe UI", sans-serif';

/** Device pixels per CSS pixel that make a frame of these blocks `width` pixels wide (before rounding to even). */
export function scaleForWidth(blocks: readonly { width: number }[], width: number): number {
  return width / (Math.max(...blocks.map((b) => b.width)) + 2 * PAD);
}

/** Frame size in device pixels for blocks of these CSS sizes at `scale`: even, as 4:2:0 video needs. */
export function frameSize(blocks: readonly { width: number; height: number }[], scale: number): { width: number; height: number } {
  const even = (n: number) => 2 * Math.ceil((n * scale) / 2);
  const width = Math.max(...blocks.map((b) => b.width)) + 2 * PAD;
  const height = PAD + blocks.reduce((sum, b) => sum + TITLE + b.height + GAP, 0) + CAPTION;
  return { width: even(width), height: even(height) };
}

export class FrameComposer {
  readonly canvas: OffscreenCanvas;
  private readonly context: OffscreenCanvasRenderingContext2D;

  /** Device pixels per CSS pixel of the blocks. */
  constructor(private readonly sizes: readonly { width: number; height: number }[], readonly scale: number, private readonly colours: FrameColours) {
    const { width, height } = frameSize(sizes, scale);
    this.canvas = new OffscreenCanvas(width, height);
    this.context = this.canvas.getContext('2d', { alpha: false })!;
  }

  /** Where block `i`'s view starts, in CSS pixels of the frame. */
  origin(i: number): { x: number; y: number } {
    return { x: PAD, y: PAD + this.sizes.slice(0, i).reduce((sum, b) => sum + TITLE + b.height + GAP, 0) + TITLE };
  }

  /** Draws the blocks (in the sizes given at construction) and the caption: `left` in bold, `right` muted. */
  draw(blocks: readonly FrameBlock[], caption: { left: string; right: string }): void {
    const c = this.context;
    const { width, height } = this.canvas;
    c.setTransform(1, 0, 0, 1, 0, 0);
    c.fillStyle = this.colours.background;
    c.fillRect(0, 0, width, height);
    c.setTransform(this.scale, 0, 0, this.scale, 0, 0);
    c.textBaseline = 'middle';
    let y = PAD;
    blocks.forEach((block, i) => {
      const size = this.sizes[i]!;
      this.text(block.title, PAD, y + TITLE / 2, 'left', `600 14px ${FONT}`, this.colours.foreground);
      y += TITLE;
      c.imageSmoothingEnabled = false; // a view's canvas is already at the frame's scale
      if (block.image) c.drawImage(block.image, PAD, y, size.width, size.height);
      c.save();
      c.translate(PAD, y);
      for (const label of block.labels) this.label(label, block.ranges);
      c.restore();
      y += size.height + GAP;
    });
    const bar = height / this.scale - CAPTION;
    c.fillStyle = this.colours.muted;
    c.globalAlpha = 0.12;
    c.fillRect(0, bar, width / this.scale, CAPTION);
    c.globalAlpha = 1;
    this.text(caption.left, PAD, bar + CAPTION / 2, 'left', `600 14px ${FONT}`, this.colours.foreground);
    this.text(caption.right, width / this.scale - PAD, bar + CAPTION / 2, 'right', `13px ${FONT}`, this.colours.muted);
  }

  /** A label as the page styles it (src/elements/styles.ts: .label and its kinds). */
  private label(label: ViewLabel, ranges: readonly [number, number][]): void {
    const range = label.rangeOf && ranges[label.rangeOf.panel];
    const text = label.rangeOf ? (range ? formatRangeNumber(range[label.rangeOf.end === 'low' ? 0 : 1]) : '') : label.text;
    const { foreground, muted } = this.colours;
    const [font, colour] = label.kind === 'title' ? [`600 12px ${FONT}`, foreground]
      : label.kind === 'tick' || label.kind === 'range' ? [`11px ${FONT}`, muted]
      : label.kind.startsWith('cell') ? ['11px ui-monospace, monospace', label.kind === 'cell-light' ? '#fff' : label.kind === 'cell-dark' ? '#1d2330' : foreground]
      : [`12px ${FONT}`, foreground];
    this.text(text, label.x, label.y, label.align, font, colour);
  }

  private text(text: string, x: number, y: number, align: CanvasTextAlign, font: string, colour: string): void {
    const c = this.context;
    c.font = font;
    c.fillStyle = colour;
    c.textAlign = align;
    c.fillText(text, x, y);
  }
}
