import { css, html } from 'lit';
import { customElement, property, state } from './decorators.js';
import type { Scope } from '../app/scope.js';
import { LayerStripsView, type StripPlace } from '../views/layer-strips-view.js';
import { saliencyUnit } from '../views/saliency-view.js';
import type { ShownSample } from '../app/scope.js';
import type { ColormapName } from '../views/colormaps.js';
import { CanvasPart } from './scope-part.js';
import { theme } from './styles.js';

/**
 * `<nn-strips>`: the layer outputs of the current test sample as vertical strips — raw (diverging)
 * and activated (sequential colormap) per layer, the input image and the class probabilities.
 * The session draws them right after each probe pass, straight from the probe's GPU buffers, and
 * the title comes from that same pass (session.shown): picture and words always agree. Beside the
 * input, the saliency of the predicted and of the true class (d logit / d pixel, from the same
 * parameters; the "saliency" box turns it off).
 * @csspart canvas - the WebGPU canvas
 * @cssprop --nn-strips-height - height of the view
 */
@customElement('nn-strips')
export class NnStrips extends CanvasPart<LayerStripsView> {
  static override styles = [theme, css`
    .view { height: var(--nn-strips-height, 400px); }
  `];

  /** Colormap of the activated outputs. */
  @property({ reflect: true }) accessor colormap: ColormapName = 'viridis';
  /** What the pointer is over: layer, output, neuron or channel and pixel, and its value. */
  @state() private accessor readout = '';
  /** Show the saliency tiles beside the input. */
  @state() private accessor saliency = true;
  private resize?: ResizeObserver;
  private hoverToken = 0;

  constructor() {
    super();
    this.manual = true; // drawn by the session with each probe pass, in the same task as its labels
  }

  protected override createView(session: Scope, canvas: HTMLCanvasElement) {
    const { device, dictionary, config } = session.engine;
    return LayerStripsView.create(device, canvas, dictionary, config, { classNames: session.dataset.classNames, colormaps: { activated: this.colormap } });
  }

  protected override attach(session: Scope, signal: AbortSignal): void {
    super.attach(session, signal);
    session.addEventListener('sample', () => this.requestUpdate(), { signal });
    session.saliency = this.saliency;
    session.addEventListener('drawing', (event) => this.view?.showSaliency(this.saliencyOf((event as CustomEvent<ShownSample>).detail, session)), { signal });
    signal.addEventListener('abort', () => (session.saliency = false));
    this.resize = new ResizeObserver(() => session.showSample(session.sample));
    this.resize.observe(this);
    signal.addEventListener('abort', () => this.resize?.disconnect());
  }

  protected override viewReady(_view: LayerStripsView, session: Scope): void {
    void session.showSample(session.sample);
  }

  protected override restyled(session: Scope): void {
    void session.showSample(session.sample); // drawn only with a probe pass
  }

  /** The tiles of a drawn sample's saliency: its predicted class, then its true class. */
  private saliencyOf(shown: ShownSample, session: Scope) {
    if (!shown.saliency || !this.saliency) return undefined;
    const names = session.dataset.classNames;
    const name = (c: number) => names[c] ?? String(c);
    return { map: shown.saliency.map, captions: [`${name(shown.predicted)} (predicted)`, `${name(shown.label)} (true)`], unit: saliencyUnit(session.engine.config.shape.channels) };
  }

  private toggleSaliency(on: boolean): void {
    this.saliency = on;
    if (!this.session) return;
    this.session.saliency = on;
    if (!on) this.view?.showSaliency(undefined);
    void this.session.showSample(this.session.sample);
  }

  protected override updated(changed: Map<PropertyKey, unknown>): void {
    super.updated(changed);
    if (changed.has('colormap') && changed.get('colormap') !== undefined && this.session) void this.rebuild(this.session);
  }

  private async hover(event: MouseEvent): Promise<void> {
    const view = this.view;
    const place = view?.locate(event.offsetX, event.offsetY);
    const token = ++this.hoverToken;
    if (!view || !place) return void (this.readout = '');
    const value = await view.readValue(place.hit);
    if (token === this.hoverToken) this.readout = describe(place, value, this.session?.engine.config.layers.length ?? 0);
  }

  protected override render() {
    const shown = this.session?.shown;
    const names = this.session?.dataset.classNames ?? [];
    const index = shown?.index ?? 0;
    const truth = shown ? names[shown.label] : '';
    const predicted = shown ? names[shown.predicted] : undefined;
    const replay = shown?.replay ? ` · replaying step ${shown.replay.step}` : '';
    // Spoken when the user steps to an image, not several times a second while the images animate.
    const host = this.scopeElement;
    const animating = !!host?.samplesPlaying && (host.settings?.sampleRate ?? 0) > 0;
    return html`
      <div class="card">
        <div class="head">
          <h2>Layer outputs</h2>
          <span class="tick shown" aria-live=${animating ? 'off' : 'polite'}>${shown ? html`test image #${index}: <b>${truth}</b>, predicted <b class=${predicted === truth ? 'ok' : 'bad'}>${predicted}</b>${replay}` : ''}</span>
          <span style="flex:1"></span>
          <label class="tick" title="beside the input: d logit / d pixel of the predicted and of the true class (red raises the logit, blue lowers it)"><input type="checkbox" .checked=${this.saliency} @change=${(e: Event) => this.toggleSaliency((e.target as HTMLInputElement).checked)}> saliency</label>
          <button class="quiet" @click=${() => this.downloadPNG(`nnscope-layer-outputs-${index}.png`)} title="save the strips as PNG">PNG</button>
        </div>
        ${this.problem ? html`<div class="bad">${this.problem}</div>` : ''}
        <div class="tick readout">${this.readout || 'hover an output to read it'}</div>
        <div class="view"><canvas class="gpu" part="canvas" role="img" aria-label="layer outputs of test image ${index}"
          @mousemove=${(e: MouseEvent) => this.hover(e)} @mouseleave=${() => (++this.hoverToken, (this.readout = ''))}></canvas><div class="overlay"></div></div>
      </div>`;
  }
}

/** What the readout says of an output: "conv 1 relu, channel 5 at (x 3, y 12): 0.5320", "hidden 3 raw, neuron 12: −1.203". */
function describe(place: StripPlace, value: number, layers: number): string {
  const what = place.what;
  if (place.caption !== undefined && place.map) return `${place.caption} at (x ${place.map.x}, y ${place.map.y}): ${value.toPrecision(4)} (d logit / d pixel)`;
  if (place.map) return `layer ${place.layer + 1} ${what}, channel ${place.map.channel} at (x ${place.map.x}, y ${place.map.y}): ${value.toPrecision(4)}`;
  const name = place.layer === layers - 1 ? 'output' : `layer ${place.layer + 1}`;
  return `${name} ${what === 'activated' && place.layer === layers - 1 ? 'probability' : what}, ${place.layer === layers - 1 ? 'class' : 'neuron'} ${place.neuron}: ${value.toPrecision(4)}`;
}

declare global {
  interface HTMLElementTagNameMap {
    'nn-strips': NnStrips;
  }
}
