/**
 * Draws registered views on one animation-frame loop and keeps their text labels over them.
 * A `manual` view is drawn only when asked (`draw`): the strips, whose buffers training reuses, are
 * drawn right after the forward pass that filled them.
 */
import { renderLabels, type CanvasView } from '../views/index.js';

interface Entry {
  overlay: HTMLElement;
  ranges: [number, number][];
  manual: boolean;
  /** view.frames when the ranges were last read. */
  rangesAt: number;
}

export class ViewLoop {
  private readonly views = new Map<CanvasView, Entry>();
  private frame = 0;
  private legends?: ReturnType<typeof setInterval>;

  add(view: CanvasView, overlay: HTMLElement, { manual = false } = {}): void {
    this.views.set(view, { overlay, ranges: [], manual, rangesAt: -1 });
    this.run();
  }

  remove(view: CanvasView): void {
    this.views.delete(view);
    if (this.views.size === 0) this.stop();
  }

  /** Draws `view` now (if its previous frame is done); true if it drew. */
  draw(view: CanvasView): boolean {
    const entry = this.views.get(view);
    if (!entry) return false;
    const before = view.labels;
    const drawn = view.render();
    if (view.labels !== before) renderLabels(entry.overlay, view.labels, entry.ranges);
    return drawn;
  }

  stop(): void {
    cancelAnimationFrame(this.frame);
    clearInterval(this.legends);
    this.frame = 0;
    this.legends = undefined;
  }

  private run(): void {
    if (this.legends) return;
    const frame = () => {
      // Views drawn from results (confusion, class means) only when they changed.
      for (const [view, entry] of this.views) if (!entry.manual && view.needsFrame) this.draw(view);
      this.frame = requestAnimationFrame(frame);
    };
    this.frame = requestAnimationFrame(frame);
    // Legend numbers: one small read-back per view twice a second (never per frame), if it drew since.
    this.legends = setInterval(async () => {
      for (const [view, entry] of [...this.views]) {
        if (!this.views.has(view) || entry.rangesAt === view.frames) continue; // removed meanwhile, or nothing new
        entry.rangesAt = view.frames;
        try {
          entry.ranges = await view.readRanges();
        } catch {
          continue; // the view was destroyed meanwhile
        }
        if (this.views.has(view)) renderLabels(entry.overlay, view.labels, entry.ranges);
      }
    }, 500);
  }
}
