import { css, html } from 'lit';
import { customElement, state } from './decorators.js';
import type { Scope } from '../app/scope.js';
import type { DataShape } from '../data/dataset.js';
import type { Rect } from '../views/panels.js';
import { pictureOf, WEIGHT_QUANTITIES, WeightsView, type WeightPlace, type WeightQuantity } from '../views/weights-view.js';
import { weightMatrix } from '../engine/layers.js';
import type { EngineConfig } from '../engine/config.js';
import { CanvasPart } from './scope-part.js';
import { theme } from './styles.js';

const QUANTITIES = Object.entries(WEIGHT_QUANTITIES).map(([q, { title }]) => [q as WeightQuantity, title] as const);

/**
 * `<nn-weights>`: live weight textures — the first layer as one 28×28 tile per neuron, deeper layers
 * as heat maps, biases beside them — or their gradients, momentums, or change since initialisation
 * or since the epoch began. A timeline scrubber replays the recorded history: it binds a snapshot's
 * GPU buffers to the textures (no copy, no read-back). Hover to read a value; wheel zooms, drag pans.
 * @csspart canvas - the WebGPU canvas
 * @csspart timeline - the history scrubber
 * @cssprop --nn-weights-height - height of the view
 */
@customElement('nn-weights')
export class NnWeights extends CanvasPart<WeightsView> {
  static override styles = [theme, css`
    .view { height: var(--nn-weights-height, 400px); } canvas { cursor: crosshair; } .timeline input { flex: 1; min-width: 160px; }
    /* The keyboard cursor: at least 7 px, so a cell of a fraction of a pixel can be seen. */
    .cursor { position: absolute; pointer-events: none; box-sizing: border-box; min-width: 7px; min-height: 7px; transform: translate(-50%, -50%);
      border: 2px solid var(--_fg); outline: 1px solid var(--_view-bg); }
  `];

  @state() private accessor quantity: WeightQuantity = 'weights';
  @state() private accessor readout = 'hover a weight to read it, or focus the textures and use the arrow keys · wheel zooms, drag pans, double-click resets';
  /** The weight the keyboard reads (input undefined: the neuron's bias), its cell while focused, and what is spoken. */
  private cursor: { layer: number; neuron: number; input?: number } = { layer: 0, neuron: 0, input: 0 };
  @state() private accessor marker: Rect | undefined = undefined;
  @state() private accessor spoken = '';
  private hoverToken = 0;
  private replayTimer?: ReturnType<typeof setInterval>;

  /** The quantity the textures show (a video of the history shows the same). */
  get shownQuantity(): WeightQuantity {
    return this.quantity;
  }

  protected override createView(session: Scope, canvas: HTMLCanvasElement) {
    const { device, dictionary, config } = session.engine;
    return WeightsView.create(device, canvas, dictionary, config);
  }

  protected override attach(session: Scope, signal: AbortSignal): void {
    super.attach(session, signal);
    session.addEventListener('epochstart', () => this.view?.captureSnapshot('epoch'), { signal });
    // New parameters (reset, import): the change views measure from them.
    session.addEventListener('parameters', () => {
      this.view?.captureSnapshot('initial');
      this.view?.captureSnapshot('epoch');
    }, { signal });
    session.addEventListener('replay', () => this.showReplay(), { signal });
    for (const type of ['progress', 'state']) session.addEventListener(type, () => this.requestUpdate(), { signal });
    signal.addEventListener('abort', () => this.stopReplay());
  }

  protected override viewReady(view: WeightsView, session: Scope): void {
    const quantity = this.available(session).some(([q]) => q === this.quantity) ? this.quantity : 'weights';
    this.quantity = quantity;
    session.engine.dictionary.layers.forEach((_, l) => view.setQuantity(l, quantity));
    this.showReplay();
  }

  private available(session: Scope) {
    return QUANTITIES.filter(([q]) => q !== 'caches' || session.engine.config.optimizer.type === 'adam');
  }

  private showReplay(): void {
    const session = this.session;
    const history = session?.engine.history;
    if (!this.view || !session) return;
    if (session.replay && history?.has(session.replay)) this.view.showSnapshot(history, session.replay);
    else this.view.showLive();
    this.requestUpdate();
  }

  private setQuantity(quantity: WeightQuantity): void {
    this.quantity = quantity;
    this.session?.engine.dictionary.layers.forEach((_, l) => this.view?.setQuantity(l, quantity));
  }

  private async hover(event: MouseEvent): Promise<void> {
    const view = this.view;
    const place = view?.locate(event.offsetX, event.offsetY);
    const token = ++this.hoverToken;
    if (!view || !place) return;
    const value = await view.readValue(place.hit);
    if (token !== this.hoverToken) return;
    this.readout = describe(place, value, this.session!.engine.config);
  }

  /**
   * The keyboard's readout: arrows move over the texture (in the first layer's pictures of the input ↑ ↓
   * go a pixel row, elsewhere a neuron), Page Up/Down the neuron, [ ] the layer, B to the bias and back.
   */
  private onKey(event: KeyboardEvent): void {
    const config = this.session?.engine.config;
    if (!config) return;
    const layers = config.layers;
    let { layer, neuron, input } = this.cursor;
    const { rows: inputs, columns: outputs } = weightMatrix(layers[layer]!);
    const picture = pictureOf(layers[layer]!, layer, config); // one step down is one image (or kernel) row
    const rowInputs = picture ? picture.tileWidth * picture.channels : 0;
    const within = (value: number, count: number) => Math.max(0, Math.min(count - 1, value));
    const back = event.key === 'ArrowLeft' || event.key === 'ArrowUp' || event.key === 'PageUp' || event.key === '[' ? -1 : 1;
    switch (event.key) {
      case 'ArrowLeft': case 'ArrowRight':
        if (input !== undefined) input = within(input + back, inputs);
        break;
      case 'ArrowUp': case 'ArrowDown':
        if (picture && input !== undefined) input = within(input + back * rowInputs, inputs);
        else neuron = within(neuron + back, outputs);
        break;
      case 'PageUp': case 'PageDown':
        neuron = within(neuron + back, outputs);
        break;
      case '[': case ']':
        layer = within(layer + back, layers.length);
        neuron = within(neuron, weightMatrix(layers[layer]!).columns);
        if (input !== undefined) input = within(input, weightMatrix(layers[layer]!).rows);
        break;
      case 'b': case 'B':
        input = input === undefined ? 0 : undefined;
        break;
      default:
        return;
    }
    event.preventDefault();
    this.cursor = { layer, neuron, input };
    void this.readCursor();
  }

  /** Shows the cursor's cell and reads its value (also when the textures get the focus). */
  private async readCursor(): Promise<void> {
    const view = this.view;
    const { layer, neuron, input } = this.cursor;
    const place = view?.place(layer, neuron, input);
    const token = ++this.hoverToken;
    if (!view || !place) return;
    this.marker = place.rect;
    const value = await view.readValue(place.hit);
    if (token !== this.hoverToken) return;
    this.readout = this.spoken = describe(place, value, this.session!.engine.config);
  }

  /** Timeline: index into the history's snapshots; past the end is live. */
  private scrub(index: number): void {
    const session = this.session;
    const snapshots = session?.engine.history?.snapshots ?? [];
    session?.setReplay(index < snapshots.length ? snapshots[index] : undefined);
  }

  private toggleReplay(): void {
    if (this.replayTimer) return this.stopReplay();
    const session = this.session;
    const count = session?.engine.history?.length ?? 0;
    if (!session || count < 2 || session.training) return;
    let index = session.replay ? session.engine.history!.snapshots.indexOf(session.replay) : -1;
    this.replayTimer = setInterval(() => {
      const snapshots = session.engine.history?.snapshots ?? [];
      if (session.training || snapshots.length === 0) return this.stopReplay();
      index = (index + 1) % snapshots.length;
      session.setReplay(snapshots[index]);
    }, 100);
    this.requestUpdate();
  }

  private stopReplay(): void {
    clearInterval(this.replayTimer);
    this.replayTimer = undefined;
    this.requestUpdate();
  }

  protected override render() {
    const session = this.session;
    const history = session?.engine.history;
    const count = history?.length ?? 0;
    const replay = session?.replay;
    const position = replay && history ? history.snapshots.indexOf(replay) : count;
    const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
    const caption = !history || count === 0 ? 'live · train to record the history'
      : replay ? `replaying step ${replay.step} (epoch ${replay.epoch + 1}) · snapshot ${position + 1} of ${count}, every ${history.every} steps, ${mib(count * history.bytesPerSnapshot)} of ${mib(history.budgetBytes)} MiB`
      : `live · ${count} snapshots recorded every ${history.every} steps (${mib(count * history.bytesPerSnapshot)} of ${mib(history.budgetBytes)} MiB)${session?.training ? '' : '; drag to replay'}`;
    const canScrub = count >= 1 && !session?.training;
    const marker = this.marker;
    return html`
      <div class="card">
        <div class="head">
          <h2>Weights</h2>
          <select aria-label="quantity shown" @change=${(e: Event) => this.setQuantity((e.target as HTMLSelectElement).value as WeightQuantity)}>
            ${(session ? this.available(session) : QUANTITIES.slice(0, 1)).map(([q, label]) => html`<option value=${q} ?selected=${q === this.quantity}>${label}</option>`)}
          </select>
          <span style="flex:1"></span>
          <button class="quiet" @click=${() => this.downloadPNG(`nnscope-weights-step${session?.engine.stepCount ?? 0}.png`)} title="save the weight textures as PNG">PNG</button>
        </div>
        <div class="tick">${this.readout}</div>
        ${this.problem ? html`<div class="bad">${this.problem}</div>` : ''}
        <div class="view"><canvas class="gpu" part="canvas" tabindex="0" data-own-arrows role="application"
          aria-label="weight textures: arrow keys move the readout, Page Up and Page Down the neuron, brackets the layer, B the bias"
          @keydown=${(e: KeyboardEvent) => this.onKey(e)} @focus=${(e: FocusEvent) => (e.target as Element).matches(':focus-visible') && this.readCursor()} @blur=${() => (this.marker = undefined)}
          @mousemove=${(e: MouseEvent) => this.hover(e)}
          @wheel=${(e: WheelEvent) => { e.preventDefault(); this.view?.zoomAt(Math.exp(-e.deltaY * 0.002), e.offsetX, e.offsetY); }}
          @pointerdown=${(e: PointerEvent) => (e.target as Element).setPointerCapture(e.pointerId)}
          @pointermove=${(e: PointerEvent) => (e.target as Element).hasPointerCapture(e.pointerId) && this.view?.panBy(e.movementX, e.movementY)}
          @dblclick=${() => this.view?.resetView()}></canvas><div class="overlay"></div>
          ${marker ? html`<div class="cursor" style="left:${marker.x + marker.width / 2}px; top:${marker.y + marker.height / 2}px; width:${marker.width}px; height:${marker.height}px"></div>` : ''}</div>
        <div class="sr-only" aria-live="polite">${this.spoken}</div>
        <div class="row timeline" part="timeline">
          <button class="quiet" ?disabled=${!canScrub || count < 2} @click=${() => this.toggleReplay()} aria-label="replay the recorded history">${this.replayTimer ? '❚❚' : '▶'}</button>
          <input type="range" data-own-arrows min="0" max=${count} .value=${String(position)} ?disabled=${!canScrub}
            aria-valuetext=${replay ? `step ${replay.step}, epoch ${replay.epoch + 1}` : 'live'}
            aria-label="recorded training history: drag to replay" @input=${(e: Event) => this.scrub(Number((e.target as HTMLInputElement).value))}>
          <button class="quiet" ?disabled=${!replay} @click=${() => { this.stopReplay(); session?.setReplay(undefined); }}>Live</button>
        </div>
        <div class="tick">${caption}</div>
      </div>`;
  }
}

/** What the readout says of a weight and its value. */
function describe(place: WeightPlace, value: number, config: EngineConfig): string {
  const layer = config.layers[place.layer]!;
  if (layer.kind === 'conv') {
    // A conv weight: filter f, input channel c, tap (kx, ky) of its k×k kernel; input = (ky·k + kx)·channels + c.
    const channels = layer.input.channels;
    const tap = place.input === undefined ? undefined : Math.floor(place.input / channels);
    const from = tap === undefined ? '' : ` from ${place.layer === 0 && channels === 3 ? `channel ${'RGB'[place.input! % 3]}` : `channel ${place.input! % channels}`} at tap (${tap % layer.kernel}, ${Math.floor(tap / layer.kernel)})`;
    return `layer ${place.layer + 1} ${place.what}, filter ${place.neuron}${from}: ${value.toPrecision(4)}`;
  }
  const from = place.input === undefined ? '' : ` from ${place.layer === 0 ? pixelName(place.input, config.shape) : `neuron ${place.input}`}`;
  return `layer ${place.layer + 1} ${place.what}, neuron ${place.neuron}${from}: ${value.toPrecision(4)}`;
}

/** "pixel (x, y)", with the channel for colour images: input = (y · cols + x) · channels + channel. */
function pixelName(input: number, { cols, channels }: DataShape): string {
  const pixel = Math.floor(input / channels);
  const channel = channels === 3 ? ` ${'RGB'[input % channels]}` : '';
  return `pixel (${pixel % cols}, ${Math.floor(pixel / cols)})${channel}`;
}

declare global {
  interface HTMLElementTagNameMap {
    'nn-weights': NnWeights;
  }
}
