import { css, html } from 'lit';
import { customElement } from './decorators.js';
import type { Scope } from '../app/scope.js';
import { TrainingCurves } from '../app/curves.js';
import { ScopePart } from './scope-part.js';
import { theme } from './styles.js';

/**
 * `<nn-curves>`: training loss and accuracy per chunk of steps with test accuracy per epoch, and
 * each layer's relative weight change per step (log scale, measured on the GPU per chunk): most of
 * the change happens in the first epoch.
 * @csspart training - the loss/accuracy canvas
 * @csspart change - the weight-change canvas
 * @cssprop --nn-curves-height - height of the view
 */
@customElement('nn-curves')
export class NnCurves extends ScopePart {
  static override styles = [theme, css`
    .curves { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
    :host(.stacked) .curves { grid-template-columns: 1fr; }
    @container (max-width: 700px) { .curves { grid-template-columns: 1fr; } }
    canvas { width: 100%; height: var(--nn-curves-height, 190px); color: var(--_fg); display: block; }
  `];

  private curves?: TrainingCurves;
  private frame = 0;
  private resize?: ResizeObserver;

  protected override attach(session: Scope, signal: AbortSignal): void {
    for (const type of ['progress', 'epoch', 'evaluation', 'engine', 'restyle', 'state']) session.addEventListener(type, () => this.schedule(), { signal });
    void this.updateComplete.then(() => {
      if (signal.aborted) return;
      const [training, change] = this.renderRoot.querySelectorAll('canvas');
      this.curves = new TrainingCurves(session.curves, training, change);
      this.resize = new ResizeObserver(() => this.schedule());
      this.resize.observe(this);
      this.schedule();
    });
  }

  protected override detach(): void {
    cancelAnimationFrame(this.frame);
    this.resize?.disconnect();
    this.curves = undefined;
  }

  /** Redraws on the next frame (many events may arrive per frame). */
  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.curves?.draw();
    });
  }

  protected override render() {
    return html`
      <div class="card">
        <div class="head"><h2>Training curves</h2></div>
        <div class="curves"><canvas part="training" role="img" aria-label="loss and accuracy"></canvas><canvas part="change" role="img" aria-label="relative weight change per step"></canvas></div>
        <p class="explain">Most of the weight change happens in the first epoch: the right curve falls about fivefold within it.</p>
      </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'nn-curves': NnCurves;
  }
}
