import { isFashionMnist } from '../data/dataset.js';
import { css, html } from 'lit';
import { customElement } from './decorators.js';
import type { Scope } from '../app/scope.js';
import { ConfusionPanel } from '../app/confusion-panel.js';
import type { Evaluation } from '../engine/evaluation-pass.js';
import { ConfusionView } from '../views/confusion-view.js';
import { saliencyUnit, SaliencyView, type SaliencyShown } from '../views/saliency-view.js';
import { CanvasPart } from './scope-part.js';
import { theme } from './styles.js';

/**
 * `<nn-confusion>`: the confusion matrix of the last test evaluation (counts, colour = share of the
 * true class, scale ending at the largest error), the most confused pairs, and a gallery of the test
 * images of a clicked cell; picking one makes it the current sample (the strips show it). Beside the
 * gallery, the cell's mean saliency: d logit / d pixel of the predicted and of the true class,
 * averaged over the cell's test images on the GPU (what makes coats look like shirts).
 * @csspart canvas - the WebGPU canvas
 * @csspart gallery - the thumbnails of the selected cell
 * @csspart saliency-canvas - the selected cell's mean saliency (a WebGPU canvas)
 * @cssprop --nn-confusion-height - height of the view
 */
@customElement('nn-confusion')
export class NnConfusion extends CanvasPart<ConfusionView> {
  static override styles = [theme, css`
    .view { height: var(--nn-confusion-height, 500px); }
    .explorer { display: grid; grid-template-columns: minmax(320px, 600px) minmax(0, 1fr); gap: 16px; align-items: start; }
    @container (max-width: 760px) { .explorer { grid-template-columns: minmax(0, 1fr); } }
    .gallery { display: flex; flex-wrap: wrap; gap: 4px; max-height: 340px; overflow: auto; padding: 2px; outline: none; }
    .gallery canvas { width: 42px; height: 42px; image-rendering: pixelated; border: 2px solid transparent; border-radius: 3px; cursor: pointer; }
    .gallery canvas.picked { border-color: var(--_accent); }
    .gallery:focus-visible { box-shadow: 0 0 0 2px var(--_accent); }
    button.pair { background: transparent; color: var(--_accent); padding: 2px 8px; font-size: 13px; margin: 2px; }
    .pairs { font-size: 13px; color: var(--_muted); }
    .saliency { height: 230px; margin-top: 8px; }
    .empty { position: absolute; inset: 0; display: grid; place-items: center; color: var(--_muted); font-size: 14px; background: color-mix(in srgb, var(--_card) 82%, transparent); }
  `];

  private panel?: ConfusionPanel;
  /** The open cell's mean saliency, drawn from the engine's buffer. */
  private saliencyView?: SaliencyView;
  /** Moves when the saliency view is dropped, and with each opened cell: late results are dropped. */
  private buildToken = 0;
  private cellToken = 0;
  private saliencyShown?: SaliencyShown;

  protected override createView(session: Scope, canvas: HTMLCanvasElement) {
    return ConfusionView.create(session.engine.device, canvas, { classNames: session.dataset.classNames });
  }

  protected override attach(session: Scope, signal: AbortSignal): void {
    super.attach(session, signal);
    session.addEventListener('evaluation', (event) => this.show((event as CustomEvent<Evaluation | undefined>).detail), { signal });
  }

  protected override viewReady(view: ConfusionView, session: Scope): void {
    const $ = <T extends HTMLElement>(selector: string) => this.renderRoot.querySelector(selector) as T;
    this.panel = new ConfusionPanel(view, session.dataset.test, {
      canvas: this.canvas, pairs: $('.pairs'), gallery: $('.gallery'), caption: $('.caption'), previous: $('.previous'), next: $('.next'), announce: $('.announce'),
    }, (index) => {
      this.scopeElement?.setSamplesPlaying(false); // hold the picked image in the strips
      void session.showSample(index);
    }, session.dataset.classNames);
    this.panel.onOpen = (samples, truth, predicted) => void this.explainCell(session, samples, truth, predicted);
    void this.buildSaliencyView(session, view);
    this.show(session.evaluation);
  }

  private async buildSaliencyView(session: Scope, view: ConfusionView): Promise<void> {
    this.dropSaliencyView();
    const token = this.buildToken;
    const saliency = await SaliencyView.create(session.engine.device, this.renderRoot.querySelector('canvas.saliency-canvas')!);
    if (token !== this.buildToken || this.view !== view) return saliency.destroy();
    saliency.background = view.background;
    this.saliencyView = saliency;
    session.loop.add(saliency, this.renderRoot.querySelector('.saliency-overlay')!);
    saliency.show(this.saliencyShown);
  }

  private dropSaliencyView(): void {
    this.buildToken++;
    if (!this.saliencyView) return;
    this.session?.loop.remove(this.saliencyView);
    this.saliencyView.destroy();
    this.saliencyView = undefined;
  }

  protected override rebuild(session: Scope): Promise<void> {
    this.dropSaliencyView();
    this.saliencyShown = undefined; // the old engine's buffers
    return super.rebuild(session);
  }

  protected override detach(): void {
    this.dropSaliencyView();
    super.detach();
  }

  protected override restyled(): void {
    if (this.saliencyView && this.view) this.saliencyView.background = this.view.background;
  }

  /** The mean saliency of an opened cell's images, for its predicted and its true class (one class on the diagonal). */
  private async explainCell(session: Scope, samples: readonly number[], truth: number, predicted: number): Promise<void> {
    const token = ++this.cellToken;
    const status = this.renderRoot.querySelector('.saliency-status')!;
    const box = this.renderRoot.querySelector<HTMLElement>('.saliency')!;
    box.hidden = samples.length === 0;
    status.textContent = '';
    if (!samples.length) return;
    const names = session.dataset.classNames;
    const name = (c: number) => names[c] ?? String(c);
    const classes = truth === predicted ? [truth] : [predicted, truth];
    status.textContent = `Mean saliency of the ${samples.length} images: computing…`;
    const started = performance.now();
    try {
      const { map } = await session.engine.meanSaliency(samples, { classes });
      if (token !== this.cellToken) return;
      const captions = truth === predicted ? [`mean saliency: ${name(truth)}`] : [`mean saliency: ${name(predicted)} (predicted)`, `mean saliency: ${name(truth)} (true)`];
      this.saliencyShown = { map, captions, unit: saliencyUnit(session.engine.config.shape.channels) };
      this.saliencyView?.show(this.saliencyShown);
      status.textContent = `Mean d logit / d pixel over the ${samples.length} images (red raises the logit, blue lowers it; ${Math.round(performance.now() - started)} ms).`;
    } catch (error) {
      if (token === this.cellToken) status.textContent = `Mean saliency failed: ${(error as Error).message}`;
    }
  }

  private show(evaluation: Evaluation | undefined): void {
    const $ = (selector: string) => this.renderRoot.querySelector(selector)!;
    this.requestUpdate();
    if (evaluation) {
      this.panel?.update(evaluation);
      if (!this.view?.selected) $('.caption').textContent = 'Click a cell, or a pair above, to see its test images.';
    } else {
      $('.pairs').replaceChildren();
      $('.gallery').replaceChildren();
      $('.caption').textContent = 'Evaluate (or finish an epoch), then click a cell.';
    }
  }

  protected override render() {
    return html`
      <div class="card">
        <div class="head">
          <h2>Confusion matrix</h2>
          <span style="flex:1"></span>
          <button class="quiet" @click=${() => this.downloadPNG(`nnscope-confusion-step${this.session?.engine.stepCount ?? 0}.png`)} title="save the matrix as PNG">PNG</button>
        </div>
        <div class="pairs"></div>
        <p class="explain">Rows are true classes, columns predictions.${isFashionMnist(this.session?.dataset.classNames ?? []) ? " Pullover, coat and shirt take each other's places:" : ''} Click a cell to see those test images, then pick one to see its layer outputs.</p>
        ${this.problem ? html`<div class="bad">${this.problem}</div>` : ''}
        <div class="explorer">
          <div class="view"><canvas class="gpu" part="canvas" tabindex="0" data-own-arrows role="application"
            aria-label="confusion matrix: click a cell, or move with the arrow keys and press Enter, to see its test images"></canvas><div class="overlay"></div>
            ${this.session?.evaluation ? '' : html`<div class="empty">Evaluate, or finish an epoch, to fill the matrix.</div>`}</div>
          <div>
            <div class="row"><button class="quiet previous" aria-label="previous image of the cell">◀</button><button class="quiet next" aria-label="next image of the cell">▶</button>
              <span class="caption tick">Evaluate (or finish an epoch), then click a cell.</span></div>
            <div class="gallery" part="gallery" tabindex="0" data-own-arrows role="group" aria-label="test images of the selected cell; arrow keys step"></div>
            <div class="tick saliency-status"></div>
            <div class="view saliency" hidden><canvas class="saliency-canvas" part="saliency-canvas" role="img" aria-label="mean saliency of the selected cell's test images"></canvas><div class="overlay saliency-overlay"></div></div>
            <div class="sr-only announce" aria-live="polite"></div>
          </div>
        </div>
      </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'nn-confusion': NnConfusion;
  }
}
