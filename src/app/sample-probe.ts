/**
 * The current test sample and its forward pass: at most one pass in flight; while one runs, the
 * newest requested index waits and runs next (older requests are dropped).
 */
export class SampleProbe {
  /** Index of the current test sample. */
  index = 0;
  private running = false;
  private again = false;

  /** `run` runs sample `index` through the network (and lets the strips draw it). */
  constructor(private readonly run: (index: number) => Promise<void>) {}

  /** Makes `index` (wrapped into 0…count−1) current and runs it, after the pass in flight if any. */
  async show(index: number, count: number): Promise<void> {
    this.index = ((Math.round(index) % count) + count) % count;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      do {
        this.again = false;
        await this.run(this.index);
      } while (this.again);
    } finally {
      this.running = false;
    }
  }
}
