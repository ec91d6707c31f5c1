import { css, html } from 'lit';
import { customElement } from './decorators.js';
import type { Scope } from '../app/scope.js';
import { ClassMeansPanel } from '../app/class-means-panel.js';
import type { Evaluation } from '../engine/evaluation-pass.js';
import { ClassMeansView } from '../views/class-means-view.js';
import { CanvasPart } from './scope-part.js';
import { theme } from './styles.js';

/**
 * `<nn-class-means>`: per layer, every class's mean output over its test images (summed on the GPU
 * by the evaluation) and the K×K cosine similarity of those means; compare mode shows A, B and
 * A − B (on Fashion-MNIST, pullover, coat and shirt have nearly the same inner picture: that is why they are confused).
 * @csspart canvas - the WebGPU canvas
 * @cssprop --nn-class-means-height - height of the view
 */
@customElement('nn-class-means')
export class NnClassMeans extends CanvasPart<ClassMeansView> {
  static override styles = [theme, css`
    .view { height: var(--nn-class-means-height, 540px); }
    .empty { position: absolute; inset: 0; display: grid; place-items: center; color: var(--_muted); font-size: 14px; background: color-mix(in srgb, var(--_card) 82%, transparent); }
  `];

  private panel?: ClassMeansPanel;

  protected override createView(session: Scope, canvas: HTMLCanvasElement) {
    const { config } = session.engine;
    const maps = config.layers.map((layer) => (layer.kind === 'conv' ? layer.output : undefined));
    return ClassMeansView.create(session.engine.device, canvas, config.sizes, { classNames: session.dataset.classNames, maps });
  }

  protected override attach(session: Scope, signal: AbortSignal): void {
    super.attach(session, signal);
    session.addEventListener('evaluation', (event) => {
      const evaluation = (event as CustomEvent<Evaluation | undefined>).detail;
      if (evaluation) this.panel?.update(evaluation);
      this.requestUpdate();
    }, { signal });
  }

  protected override viewReady(view: ClassMeansView, session: Scope): void {
    const $ = <T extends HTMLElement>(selector: string) => this.renderRoot.querySelector(selector) as T;
    this.panel = new ClassMeansPanel(view, {
      canvas: this.canvas, quantity: $('.quantity'), mode: $('.mode'), a: $('.a'), b: $('.b'), readout: $('.readout'),
    }, session.dataset.classNames);
    if (session.evaluation) this.panel.update(session.evaluation);
  }

  protected override render() {
    return html`
      <div class="card">
        <div class="head">
          <h2>Class means</h2>
          <select class="quantity" aria-label="which outputs"><option value="activated">activated outputs</option><option value="raw">raw outputs</option></select>
          <select class="mode" aria-label="mode"><option value="all">all classes</option><option value="compare" selected>compare two classes</option></select>
          <label>A <select class="a"></select></label> <label>B <select class="b"></select></label>
          <span style="flex:1"></span>
          <button class="quiet" @click=${() => this.downloadPNG(`nnscope-class-means-step${this.session?.engine.stepCount ?? 0}.png`)} title="save the class means as PNG">PNG</button>
        </div>
        <p class="explain">The mean output of every neuron over each class's test images, and how alike those means are (cosine). Shown after each evaluation.</p>
        <div class="readout tick">hover the view to read it</div>
        ${this.problem ? html`<div class="bad">${this.problem}</div>` : ''}
        <div class="view"><canvas class="gpu" part="canvas" role="img" aria-label="class means and their cosine similarity"></canvas><div class="overlay"></div>
          ${this.session?.evaluation ? '' : html`<div class="empty">Evaluate, or finish an epoch, to see the class means.</div>`}</div>
      </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'nn-class-means': NnClassMeans;
  }
}
