/**
 * `<nn-strips>`: the layer outputs of the current test sample as vertical strips — raw (diverging)
 * and activated (sequential colormap) per layer, the input image and the class probabilities.
 * Drawn right after each forward pass, straight from the GPU buffers the pass wrote.
 * @csspart canvas - the WebGPU canvas
 */
import { css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { Scope } from '../app/scope.js';
import { LayerStripsView } from '../views/layer-strips-view.js';
import type { ColormapName } from '../views/colormaps.js';
import { CanvasPart } from './scope-part.js';
import { theme } from './styles.js';

@customElement('nn-strips')
export class NnStrips extends CanvasPart<LayerStripsView> {
  static override styles = [theme, css`
    .view { height: var(--nn-strips-height, 400px); }
  `];

  /** Colormap of the activated outputs. */
  @property({ reflect: true }) accessor colormap: ColormapName = 'viridis';
  private resize?: ResizeObserver;

  constructor() {
    super();
    this.manual = true; // training reuses these buffers: draw only right after a forward pass
  }

  protected override createView(session: Scope, canvas: HTMLCanvasElement) {
    const { device, dictionary, config } = session.engine;
    return LayerStripsView.create(device, canvas, dictionary, config, { classNames: session.dataset.classNames, colormaps: { activated: this.colormap } });
  }

  protected override attach(session: Scope, signal: AbortSignal): void {
    super.attach(session, signal);
    session.addEventListener('sample', () => this.drawSample(), { signal });
    session.addEventListener('evaluation', () => this.requestUpdate(), { signal });
    this.resize = new ResizeObserver(() => session.showSample(session.sample));
    this.resize.observe(this);
    signal.addEventListener('abort', () => this.resize?.disconnect());
  }

  protected override viewReady(_view: LayerStripsView, session: Scope): void {
    void session.showSample(session.sample);
  }

  protected override restyled(session: Scope): void {
    void session.showSample(session.sample); // drawn only after a forward pass
  }

  protected override updated(changed: Map<PropertyKey, unknown>): void {
    super.updated(changed);
    if (changed.has('colormap') && changed.get('colormap') !== undefined && this.session) void this.rebuild(this.session);
  }

  private drawSample(): void {
    const session = this.session;
    if (!session || !this.view) return;
    // The forward pass was just submitted: this frame follows it in the queue. If the previous frame
    // is still queued, run the sample again once it is done (training may reuse the buffers meanwhile).
    if (!session.loop.draw(this.view)) void this.view.idle().then(() => session.showSample(session.sample));
    this.requestUpdate();
  }

  protected override render() {
    const session = this.session;
    const index = session?.sample ?? 0;
    const test = session?.dataset.test;
    const names = session?.dataset.classNames ?? [];
    const truth = test ? names[test.labels[index]] : '';
    const predicted = session?.evaluation ? names[session.evaluation.predictions[index]] : undefined;
    const replay = session?.replay && !session.training ? ` · replaying step ${session.replay.step}` : '';
    return html`
      <div class="card">
        <div class="head">
          <h2>Layer outputs</h2>
          <span class="tick" aria-live="polite">test image #${index}: <b>${truth}</b>${predicted ? html`, predicted <b class=${predicted === truth ? 'ok' : 'bad'}>${predicted}</b>` : ''}${replay}</span>
          <span style="flex:1"></span>
          <button class="quiet" @click=${() => this.downloadPNG(`nnscope-layer-outputs-${index}.png`)} title="save the strips as PNG">PNG</button>
        </div>
        ${this.problem ? html`<div class="bad">${this.problem}</div>` : ''}
        <div class="view"><canvas class="gpu" part="canvas" role="img" aria-label="layer outputs of test image ${index}"></canvas><div class="overlay"></div></div>
      </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'nn-strips': NnStrips;
  }
}
