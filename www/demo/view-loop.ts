/** Draws every registered view on one animation-frame loop and keeps its text labels over it. */
import { renderLabels, type CanvasView } from '../../src/views/index.js';

export class ViewLoop {
  private readonly views = new Map<CanvasView, { overlay: HTMLElement; ranges: [number, number][] }>();

  constructor() {
    const frame = () => {
      for (const [view, entry] of this.views) {
        const before = view.labels;
        view.render(); // skipped while its last frame is still queued behind training
        if (view.labels !== before) renderLabels(entry.overlay, view.labels, entry.ranges);
      }
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
    // Legend numbers: one small read-back per view twice a second (never per frame).
    setInterval(async () => {
      for (const [view, entry] of this.views) {
        entry.ranges = await view.readRanges();
        renderLabels(entry.overlay, view.labels, entry.ranges);
      }
    }, 500);
  }

  add(view: CanvasView, overlay: HTMLElement): void {
    this.views.set(view, { overlay, ranges: [] });
  }
}
