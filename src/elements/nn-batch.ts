import { css, html } from 'lit';
import { customElement } from './decorators.js';
import type { Scope } from '../app/scope.js';
import { augmentText } from '../engine/augment.js';
import { BatchGridView } from '../views/batch-grid-view.js';
import { CanvasPart } from './scope-part.js';
import { theme } from './styles.js';

/**
 * `<nn-batch>`: the last training batch as the first layer saw it: gathered, scaled and augmented
 * on the GPU (the `augment` attribute), drawn from the training buffer itself after every chunk.
 * @csspart canvas - the WebGPU canvas
 * @cssprop --nn-batch-height - height of the view
 */
@customElement('nn-batch')
export class NnBatch extends CanvasPart<BatchGridView> {
  static override styles = [theme, css`
    .view { height: var(--nn-batch-height, 340px); }
    .empty { position: absolute; inset: 0; display: grid; place-items: center; color: var(--_muted); font-size: 14px; background: color-mix(in srgb, var(--_card) 82%, transparent); }
  `];

  protected override createView(session: Scope, canvas: HTMLCanvasElement) {
    // Black to white over the scaled pixel range; noise beyond it is clipped.
    const range = session.engine.config.inputScale === 'unit' ? { low: 0, high: 1 } : { low: -1, high: 1 };
    return BatchGridView.create(session.engine.device, canvas, session.engine.dictionary, { range });
  }

  protected override attach(session: Scope, signal: AbortSignal): void {
    super.attach(session, signal);
    session.addEventListener('progress', () => this.requestUpdate(), { signal });
  }

  protected override render() {
    const config = this.session?.engine.config;
    const augment = config ? augmentText(config.augment) : 'none';
    const step = this.session?.engine.stepCount ?? 0;
    return html`
      <div class="card">
        <div class="head">
          <h2>Training batch</h2>
          <span class="tick">${config ? `${config.batchSize} images${step ? `, step ${step}` : ''}` : ''}</span>
          <span style="flex:1"></span>
          <button class="quiet" @click=${() => this.downloadPNG(`nnscope-batch-step${step}.png`)} title="save the batch as PNG">PNG</button>
        </div>
        <p class="explain">${augment === 'none'
          ? 'The last batch training gathered, as the first layer saw it. No augmentation (set the augment attribute, e.g. "shift 2, flip, noise 0.1").'
          : html`The last batch training gathered, as the first layer saw it, augmented on the GPU: <code>${augment}</code>.`}</p>
        ${this.problem ? html`<div class="bad">${this.problem}</div>` : ''}
        <div class="view"><canvas class="gpu" part="canvas" role="img" aria-label="the last training batch, as augmented"></canvas><div class="overlay"></div>
          ${step ? '' : html`<div class="empty">Train a step to see a batch.</div>`}</div>
      </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'nn-batch': NnBatch;
  }
}
