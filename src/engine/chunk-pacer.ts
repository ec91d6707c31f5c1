/**
 * How many steps to put in the next chunk, and how many chunks to keep queued, so that the work
 * queued ahead of a frame stays short on any adapter. The GPU time per step is measured from the
 * chunks' completion times (no timestamp queries needed): a chunk that was queued behind another
 * ran from the other's completion to its own, otherwise from its submission.
 */

/** The frame interval chunks are sized against: 60 Hz. */
export const FRAME_MS = 1000 / 60;

export class ChunkPacer {
  /** Smoothed GPU milliseconds per step; undefined until a chunk has completed. */
  private stepMs?: number;
  private lastCompletion = -Infinity;

  /** `maxSteps`: the longest chunk. */
  constructor(private readonly maxSteps: number) {}

  /** Measured GPU milliseconds per step (frames drawn between chunks count in: a safe overestimate). */
  get msPerStep(): number | undefined {
    return this.stepMs;
  }

  /** Steps for the next chunk: as many as fit in `share` of a frame interval, at least 1. One step until measured. */
  steps(share: number): number {
    if (this.stepMs === undefined) return 1;
    return Math.max(1, Math.min(this.maxSteps, Math.floor((share * FRAME_MS) / this.stepMs)));
  }

  /** Chunks to keep queued: two hide the read-back latency while two fit in two frame intervals; else one. */
  inFlight(steps: number): number {
    return this.stepMs !== undefined && steps * this.stepMs <= FRAME_MS ? 2 : 1;
  }

  /** A chunk of `steps` steps, submitted at `submitted`, completed at `completed` (performance.now() ms). */
  completed(steps: number, submitted: number, completed: number): void {
    const busy = completed - Math.max(submitted, this.lastCompletion);
    this.lastCompletion = completed;
    if (!(busy > 0)) return;
    const perStep = busy / steps;
    this.stepMs = this.stepMs === undefined ? perStep : 0.7 * this.stepMs + 0.3 * perStep;
  }
}
