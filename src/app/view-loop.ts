/**
 * Draws registered views on one animation-frame loop, each only when it has something new
 * (`needsFrame`), and keeps their text labels over them. A `manual` view is drawn only when asked
 * (`drawManual`): the strips, drawn right after the forward pass that filled them, in the same task
 * as the labels that describe that pass.
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
  /**
   * Set while paced training runs one chunk at a time (a step is longer than a frame interval): the
   * views that follow training are then drawn between chunks (`drawBetweenChunks`), not per frame.
   */
  private betweenChunks = false;
  /** GPU milliseconds frames drawn between chunks may still spend (negative: in debt). */
  private budgetMs = 0;
  private budgetAt = 0;
  /** GPU work waiting for the next gap between chunks (a test sample's forward pass and frame). */
  private waiting: (() => Promise<void>)[] = [];
  /** Called after each frame drawn (a live video recording takes it). */
  private readonly frameListeners = new Set<(view: CanvasView) => void>();

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
    if (drawn) for (const listener of this.frameListeners) listener(view);
    return drawn;
  }

  /** Calls `listener` after every frame a view draws, until the returned function is called. */
  onFrame(listener: (view: CanvasView) => void): () => void {
    this.frameListeners.add(listener);
    return () => this.frameListeners.delete(listener);
  }

  /** The legend ranges last read for `view` (what its labels show). */
  rangesOf(view: CanvasView): readonly [number, number][] {
    return this.views.get(view)?.ranges ?? [];
  }

  /**
   * Paced training calls this between chunks when the GPU is idle. The views that follow training
   * draw here, and training waits for them: their cost is the time it waited. They draw only while
   * that has been no more than (1 − trainingShare) of the time, so training keeps its share.
   */
  async drawBetweenChunks(trainingShare: number): Promise<void> {
    const started = performance.now();
    if (!this.betweenChunks) [this.betweenChunks, this.budgetMs, this.budgetAt] = [true, 0, started];
    this.budgetMs = Math.min(this.budgetMs + (started - this.budgetAt) * (1 - trainingShare), 100); // a short burst at most
    this.budgetAt = started;
    // A test sample asked for (the animation's pace is the user's) goes always, but it counts.
    for (const work of this.waiting.splice(0)) await work();
    const drawn = this.budgetMs < 0 ? [] : [...this.views].filter(([view, entry]) => !entry.manual && view.needsFrame && this.draw(view)).map(([view]) => view);
    // Training waits until the frames are done and the page has composited them (on a software
    // adapter that costs as much as drawing them; the second animation frame comes after it): all
    // of that is the frames' cost.
    if (drawn.length > 0) {
      await Promise.all(drawn.map((view) => view.idle()));
      for (let i = 0; i < 2; i++) await new Promise((resolve) => requestAnimationFrame(resolve));
    }
    this.budgetMs -= performance.now() - started;
  }

  /**
   * Runs `work` (GPU work for the views) now, or, while training goes one chunk at a time, in the
   * next gap between chunks, with training waiting for it; resolves as `work` does.
   */
  betweenChunksOrNow<T>(work: () => Promise<T>): Promise<T> {
    if (!this.trainingBetweenChunks(performance.now())) return work();
    return new Promise<T>((resolve, reject) => this.waiting.push(() => work().then(resolve, reject)));
  }

  /**
   * Whether paced training is going one chunk at a time and giving the views its gaps: it called
   * drawBetweenChunks lately (not during an evaluation or a checkpoint, say).
   */
  private trainingBetweenChunks(now: number): boolean {
    return this.betweenChunks && now - this.budgetAt < 250;
  }

  /** Paced training ended: views draw per animation frame again. */
  trainingStopped(): void {
    this.betweenChunks = false;
    for (const work of this.waiting.splice(0)) void work();
  }

  /** Whether any view is registered: training is then paced so that frames keep coming. */
  get drawing(): boolean {
    return this.views.size > 0;
  }

  /** Resolves when the manual views' last frames are done (so drawManual() draws them all). */
  async manualIdle(): Promise<void> {
    await Promise.all([...this.views].filter(([, entry]) => entry.manual).map(([view]) => view.idle()));
  }

  /** Draws the manual views now (those whose previous frame is done). */
  drawManual(): void {
    for (const [view, entry] of this.views) if (entry.manual) this.draw(view);
  }

  stop(): void {
    cancelAnimationFrame(this.frame);
    clearInterval(this.legends);
    this.frame = 0;
    this.legends = undefined;
  }

  private run(): void {
    if (this.legends) return;
    const frame = (now: number) => {
      // Each view only when it has something new (results changed, training moved, resized, restyled);
      // while training goes one chunk at a time, the views that follow it draw between chunks instead
      // (unless no chunk ended for a while: an evaluation, say).
      const gated = this.trainingBetweenChunks(now);
      for (const [view, entry] of this.views) if (!entry.manual && view.needsFrame && !(gated && view.followsTraining)) this.draw(view);
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
