/**
 * The timeline scrubber: replays the recorded training history. Moving it binds a snapshot's GPU
 * buffers to the weight textures (no copy, no read-back) and re-runs the current sample's forward
 * pass with that snapshot's parameters, so the strips show what the network computed back then.
 */
import type { Engine, HistorySnapshot } from '../../src/index.js';
import type { WeightsView } from '../../src/views/index.js';

export interface TimelineElements {
  slider: HTMLInputElement;
  caption: HTMLElement;
  live: HTMLButtonElement;
  play: HTMLButtonElement;
}

export class Timeline {
  private playing?: ReturnType<typeof setInterval>;

  constructor(
    private readonly engine: Engine,
    private readonly weights: WeightsView,
    private readonly elements: TimelineElements,
    /** Re-runs the current sample (with the shown snapshot, if any). */
    private readonly refreshSample: () => Promise<void>,
  ) {
    elements.slider.oninput = () => void this.show(Number(elements.slider.value));
    elements.slider.onkeydown = (event) => event.key === ' ' && (event.preventDefault(), this.togglePlay());
    elements.live.onclick = () => this.live();
    elements.play.onclick = () => this.togglePlay();
    this.refresh();
  }

  /** The snapshot shown, if the view is not live. */
  get snapshot(): HistorySnapshot | undefined {
    return this.weights.shownSnapshot;
  }

  /** Updates the slider's extent after training recorded more (or thinning dropped some). */
  refresh(): void {
    const history = this.engine.history;
    const count = history?.length ?? 0;
    const { slider } = this.elements;
    slider.max = String(Math.max(0, count - 1));
    slider.disabled = count < 2;
    const shown = this.snapshot && history?.snapshots.indexOf(this.snapshot);
    if (shown === undefined || shown < 0) {
      slider.value = slider.max;
      if (this.snapshot === undefined || shown === -1) this.describeLive();
    } else slider.value = String(shown);
  }

  private async show(index: number): Promise<void> {
    const history = this.engine.history;
    const snapshot = history?.snapshots[index];
    if (!history || !snapshot) return;
    this.weights.showSnapshot(history, snapshot);
    const mb = (history.length * history.bytesPerSnapshot) / 2 ** 20;
    this.elements.caption.textContent = `replaying step ${snapshot.step} (epoch ${snapshot.epoch + 1}, step ${snapshot.stepInEpoch}) · ` +
      `snapshot ${index + 1} of ${history.length}, every ${history.every} steps, ${mb.toFixed(0)} of ${(history.budgetBytes / 2 ** 20).toFixed(0)} MiB`;
    await this.refreshSample();
  }

  private live(): void {
    this.stopPlaying();
    this.weights.showLive();
    this.refresh();
    void this.refreshSample();
  }

  private describeLive(): void {
    const history = this.engine.history;
    this.elements.caption.textContent = history && history.length
      ? `live · ${history.length} snapshots recorded (every ${history.every} steps, ${((history.length * history.bytesPerSnapshot) / 2 ** 20).toFixed(0)} of ${(history.budgetBytes / 2 ** 20).toFixed(0)} MiB); drag to replay`
      : 'live · train to record the history';
  }

  private togglePlay(): void {
    if (this.playing) return this.stopPlaying();
    const count = this.engine.history?.length ?? 0;
    if (count < 2) return;
    this.elements.play.textContent = '❚❚';
    let index = this.snapshot ? Number(this.elements.slider.value) : 0;
    this.playing = setInterval(() => {
      index = (index + 1) % (this.engine.history?.length ?? 1);
      this.elements.slider.value = String(index);
      void this.show(index);
    }, 100);
  }

  private stopPlaying(): void {
    clearInterval(this.playing);
    this.playing = undefined;
    this.elements.play.textContent = '▶';
  }
}
