/**
 * `<nn-scope>`: the whole nnscope in one tag. It loads the data, builds the network on the page's
 * shared GPUDevice, and shows controls, layer-output strips, weight textures, curves, the confusion
 * explorer and class means. Attributes are validated: a bad value shows its message and fires
 * `nn-error`, and nothing is built from it. Removing the element stops training and frees its GPU memory.
 *
 * @fires nn-ready - the network and data are on the GPU; detail: { engine }
 * @fires nn-progress - after each chunk of steps; detail: { epoch, step, loss, accuracy, samplesPerSecond, etaSeconds, … }
 * @fires nn-epoch - after each epoch and its test evaluation; detail: { epoch, loss, accuracy, testAccuracy, weightChange }
 * @fires nn-error - bad attribute, missing WebGPU, bad file, diverged training or a lost device; detail: { message, attribute?, recoverable }
 * @fires nn-recovered - a lost device was replaced and the last saved parameters restored; detail: { restoredFrom }
 * @fires nn-session - (internal) the session the parts follow changed
 * @csspart message - the status or error message above the views
 * @csspart controls - the <nn-controls> part
 * @csspart views - the grid holding the views
 * @csspart strips - the <nn-strips> part
 * @csspart curves - the <nn-curves> part
 * @csspart weights - the <nn-weights> part
 * @csspart confusion - the <nn-confusion> part
 * @csspart class-means - the <nn-class-means> part
 * @csspart progress - (from nn-controls) the progress bars and figures
 * @csspart settings - (from nn-controls) the network and training settings
 * @csspart samples - (from nn-controls) the sample scrubber
 * @csspart timeline - (from nn-weights) the history scrubber
 * @csspart gallery - (from nn-confusion) the thumbnails of the selected cell
 * @csspart strips-canvas - the layer-output canvas (likewise weights-canvas, confusion-canvas, class-means-canvas, curves-training, curves-change)
 */
import { html, LitElement, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { Scope, type ScopeEpoch, type ScopeProgress } from '../app/scope.js';
import { AttributeError, networkOf, parseSettings, sameNetwork, type RawAttributes, type ScopeSettings } from '../app/settings.js';
import { sharedDataset } from '../app/shared.js';
import type { Dataset } from '../data/dataset.js';
import { idxDatasetFromBytes, DEFAULT_IDX_FILES, type IdxFileNames } from '../data/idx.js';
import type { Engine } from '../engine/engine.js';
import { WebGpuUnavailableError } from '../gpu/device.js';
import { theme } from './styles.js';
import { download } from './scope-part.js';
import './nn-controls.js';
import './nn-strips.js';
import './nn-weights.js';
import './nn-confusion.js';
import './nn-class-means.js';
import './nn-curves.js';

const SETTING_ATTRIBUTES = ['src', 'layers', 'activation', 'optimizer', 'learning-rate', 'momentum', 'batch-size', 'epochs', 'seed', 'view', 'colormap', 'sample-rate'] as const;

const WEBGPU_HELP = 'nnscope trains on the GPU with WebGPU. Use Chrome or Edge 113 or newer (Safari 26 and Firefox 141 on Windows also ship it) on a page served over https or from localhost. ' +
  'On Linux, start Chrome with --enable-unsafe-webgpu --enable-features=Vulkan; check chrome://gpu for "WebGPU: Hardware accelerated".';

@customElement('nn-scope')
export class NnScope extends LitElement {
  static override styles = [theme];

  /** Folder URL of the four IDX files (train-images-idx3-ubyte[.gz], …); empty: the Fashion-MNIST copy next to the bundle. */
  @property({ reflect: true }) accessor src: string | null = null;
  /** Hidden-layer widths, e.g. "128,128". */
  @property({ reflect: true }) accessor layers: string | null = null;
  /** relu, sigmoid or tanh. */
  @property({ reflect: true }) accessor activation: string | null = null;
  /** sgd (with momentum) or adam. */
  @property({ reflect: true }) accessor optimizer: string | null = null;
  @property({ attribute: 'learning-rate', reflect: true }) accessor learningRate: string | null = null;
  @property({ reflect: true }) accessor momentum: string | null = null;
  @property({ attribute: 'batch-size', reflect: true }) accessor batchSize: string | null = null;
  @property({ reflect: true }) accessor epochs: string | null = null;
  @property({ reflect: true }) accessor seed: string | null = null;
  /** Train at once when ready. */
  @property({ type: Boolean, reflect: true }) accessor autoplay = false;
  /** Which views to show: "all" (default), "none", or a list of controls, strips, weights, confusion, class-means, curves. */
  @property({ reflect: true }) accessor view: string | null = null;
  /** Colormap of activated outputs: viridis (default), magma, gray, blues, …. */
  @property({ reflect: true }) accessor colormap: string | null = null;
  /** Test samples per second in the layer-output animation (0: still). */
  @property({ attribute: 'sample-rate', reflect: true }) accessor sampleRate: string | null = null;
  /** light, dark, or follow the system (default). */
  @property({ reflect: true }) accessor theme: string | null = null;
  /** A data set to use instead of `src` (set from script; e.g. a subset). */
  @property({ attribute: false }) accessor data: Dataset | undefined = undefined;

  /** The running session (engine, training loop, evaluation); undefined until `nn-ready`. */
  @state() accessor session: Scope | undefined = undefined;
  /** The parsed settings, once valid. */
  @state() accessor settings: ScopeSettings | undefined = undefined;
  @state() private accessor message: { text: string; kind: 'error' | 'info' | 'webgpu' } | undefined = undefined;
  @state() private accessor loading = false;
  @state() private accessor dragging = false;
  /** The attribute value in error, if any (the element runs on with its last valid settings). */
  @state() accessor attributeError: AttributeError | undefined = undefined;
  /** Network settings changed while a run was under way: they apply at reset(). */
  @state() accessor pendingReset = false;

  private loadToken = 0;
  /** Why the last load failed (cleared by the next one). */
  private loadError?: Error;
  private sampleTimer?: { id: ReturnType<typeof setInterval>; rate: number };
  private ready?: { promise: Promise<Scope>; resolve: (scope: Scope) => void; reject: (error: Error) => void };
  /** Whether the sample animation runs (it pauses while a gallery sample is inspected). */
  samplesPlaying = true;

  constructor() {
    super();
    this.addEventListener('keydown', (event) => this.onKey(event));
    this.addEventListener('dragover', (event) => {
      event.preventDefault();
      this.dragging = true;
    });
    this.addEventListener('dragleave', () => (this.dragging = false));
    this.addEventListener('drop', (event) => {
      event.preventDefault();
      this.dragging = false;
      void this.openFiles([...(event.dataTransfer?.files ?? [])]);
    });
  }

  /** The engine of the current session (undefined until ready). */
  get engine(): Engine | undefined {
    return this.session?.engine;
  }

  /** Resolves with the session when ready; rejects with the reason it could not start. */
  whenReady(): Promise<Scope> {
    if (this.session) return Promise.resolve(this.session);
    if (this.loadError && !this.loading) return Promise.reject(this.loadError);
    this.ready ??= deferred();
    return this.ready.promise;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (!this.hasAttribute('tabindex')) this.tabIndex = 0; // keyboard: space plays/pauses, arrows step samples
    this.colorScheme?.addEventListener('change', this.onColorScheme);
    if (this.settings && !this.session && !this.loading) void this.load();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.colorScheme?.removeEventListener('change', this.onColorScheme);
    this.loadToken++;
    this.loading = false;
    this.setSession(undefined);
    clearInterval(this.sampleTimer?.id);
    this.sampleTimer = undefined;
  }

  protected override willUpdate(changed: PropertyValues): void {
    const settingChanged = [...changed.keys()].some((key) => ['src', 'layers', 'activation', 'optimizer', 'learningRate', 'momentum', 'batchSize', 'epochs', 'seed', 'autoplay', 'view', 'colormap', 'sampleRate', 'theme', 'data'].includes(key as string));
    if (!settingChanged) return;
    let next: ScopeSettings;
    try {
      next = parseSettings(this.rawAttributes());
      this.attributeError = undefined;
    } catch (error) {
      // A running element keeps its last valid settings (and its views); a new one builds nothing.
      this.attributeError = error as AttributeError;
      if (!this.session) this.loadError = error as Error;
      this.fail(error as Error);
      return;
    }
    const previous = this.settings;
    this.settings = next;
    if (this.message?.kind === 'error' && this.message.text.startsWith('<nn-scope')) this.message = undefined;
    if (!this.isConnected) return;
    const reload = !this.session || changed.has('data') || previous?.src !== next.src;
    if (reload) {
      if (!this.loading || changed.has('data') || previous?.src !== next.src) void this.load();
      return;
    }
    this.applyToSession(next);
  }

  protected override updated(changed: PropertyValues): void {
    this.setSampleTimer();
    if (changed.has('theme') && changed.get('theme') !== undefined) this.restyle();
  }

  /** The views read their background colour when built: rebuild them after a change of theme. */
  private restyle(): void {
    this.session?.dispatchEvent(new CustomEvent('engine'));
  }

  private readonly colorScheme = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : undefined;
  private readonly onColorScheme = () => this.theme === null && this.restyle();

  private rawAttributes(): RawAttributes {
    const raw: RawAttributes = { autoplay: this.autoplay, theme: this.theme };
    for (const name of SETTING_ATTRIBUTES) {
      const key = name.replace(/-(\w)/g, (_, c: string) => c.toUpperCase()) as keyof this;
      const value = this[key];
      raw[name] = value === null || value === undefined ? null : String(value);
    }
    return raw;
  }

  /** Live settings apply at once; network settings rebuild the engine if nothing was trained yet, else at reset(). */
  private applyToSession(settings: ScopeSettings): void {
    const session = this.session!;
    session.epochs = settings.epochs;
    if (sameNetwork(networkOf(settings), session.settings)) this.pendingReset = false;
    else if (session.engine.stepCount === 0 && !session.training) void this.reset();
    else this.pendingReset = true;
  }

  private async load(): Promise<void> {
    const settings = this.settings;
    if (!settings) return;
    const token = ++this.loadToken;
    this.setSession(undefined);
    this.loading = true;
    this.loadError = undefined;
    this.message = { text: settings.src ? `Loading ${settings.src}…` : 'Loading Fashion-MNIST…', kind: 'info' };
    try {
      const dataset = this.data ?? (await sharedDataset(settings.src));
      if (token !== this.loadToken) return;
      this.message = { text: 'Building the network on the GPU…', kind: 'info' };
      const session = await Scope.create(networkOf(settings), dataset, settings.epochs);
      if (token !== this.loadToken || !this.isConnected) return session.destroy();
      this.loading = false;
      this.message = undefined;
      this.setSession(session);
      this.dispatch('nn-ready', { engine: session.engine });
      this.ready?.resolve(session);
      this.ready = undefined;
      await session.showSample(session.sample);
      if (settings.autoplay) void this.start();
    } catch (error) {
      if (token !== this.loadToken) return;
      this.loading = false;
      this.loadError = error as Error;
      this.fail(error as Error);
      this.ready?.reject(error as Error);
      this.ready = undefined;
    }
  }

  private setSession(session: Scope | undefined): void {
    if (session === this.session) return;
    this.session?.destroy();
    this.session = session;
    this.pendingReset = false;
    if (session) {
      session.addEventListener('progress', (event) => this.dispatch('nn-progress', (event as CustomEvent<ScopeProgress>).detail));
      session.addEventListener('epoch', (event) => this.dispatch('nn-epoch', (event as CustomEvent<ScopeEpoch>).detail));
      session.addEventListener('error', (event) => {
        const { error, recoverable } = (event as CustomEvent<{ error: Error; recoverable: boolean }>).detail;
        this.fail(error, recoverable);
      });
      session.addEventListener('recovered', (event) => {
        this.message = { text: `Recovered: a new GPU device, with the parameters of ${(event as CustomEvent<string>).detail}.`, kind: 'info' };
        this.dispatch('nn-recovered', { restoredFrom: (event as CustomEvent<string>).detail, engine: session.engine });
        this.dispatch('nn-session', undefined);
      });
      session.addEventListener('state', () => this.requestUpdate());
    }
    this.dispatch('nn-session', undefined);
  }

  /** Shows `error` in the element and fires nn-error. */
  private fail(error: Error, recoverable = false): void {
    const webgpu = error instanceof WebGpuUnavailableError;
    const text = webgpu ? `${error.message.split('. ')[0]}. ${WEBGPU_HELP}` : error.message;
    this.message = { text, kind: webgpu ? 'webgpu' : 'error' };
    this.dispatch('nn-error', { message: text, attribute: error instanceof AttributeError ? error.attribute : undefined, recoverable, error });
  }

  private dispatch(type: string, detail: unknown): void {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  // ── the public methods ────────────────────────────────────────────────────────────────────────

  /** Starts (or resumes) training until `epochs` epochs are done or pause() is called. */
  async start(): Promise<void> {
    const session = await this.whenReady();
    if (session.finished) return this.fail(new Error(`All ${session.epochs} epochs are done: raise epochs or reset() to train again.`));
    await session.start();
  }

  /** Stops training after the current chunk of steps; resolves when it has stopped. */
  async pause(): Promise<void> {
    await this.session?.pause();
  }

  /** Runs n training steps (when paused). */
  async step(n = 1): Promise<void> {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`step(n) takes a whole number of steps ≥ 1, got ${n}.`);
    await (await this.whenReady()).step(n);
  }

  /** Starts again from fresh weights, with the current attribute values. */
  async reset(): Promise<void> {
    const session = await this.whenReady();
    const settings = this.settings;
    if (this.attributeError || !settings) throw this.attributeError ?? new Error('The element has no valid settings yet.');
    this.pendingReset = false;
    await session.reset(networkOf(settings), settings.epochs);
  }

  /** Evaluates the whole test set: accuracy, confusion matrix, class means. */
  async evaluate() {
    return (await this.whenReady()).evaluate();
  }

  /** The recorded training history as a safetensors Blob. */
  async exportHistory(): Promise<Blob> {
    const bytes = await (await this.whenReady()).exportHistory();
    return new Blob([bytes], { type: 'application/octet-stream' });
  }

  /** The current weights and biases as a safetensors Blob. */
  async exportWeights(): Promise<Blob> {
    const bytes = await (await this.whenReady()).engine.exportParameters();
    return new Blob([bytes], { type: 'application/octet-stream' });
  }

  /**
   * Loads weights from a safetensors file (nnscope's, or a PyTorch MLP state dict with 0.weight, …).
   * A bad file rejects with its reason, shows it, and leaves the model as it was.
   */
  async importWeights(file: Blob | Uint8Array, name?: string): Promise<void> {
    const session = await this.whenReady();
    try {
      await session.importWeights(file, name);
    } catch (error) {
      this.fail(error as Error);
      throw error;
    }
  }

  /**
   * Opens files picked or dropped by the user: a .safetensors file is imported as weights (or, if
   * it is a recorded history, as the history); four IDX files replace the data set.
   */
  async openFiles(files: File[]): Promise<void> {
    if (files.length === 0) return;
    try {
      if (files.length === 1 && files[0].name.endsWith('.safetensors')) return await this.openSafetensors(files[0]);
      await this.openIdx(files);
    } catch (error) {
      this.fail(error as Error);
    }
  }

  private async openSafetensors(file: File): Promise<void> {
    const session = await this.whenReady();
    const bytes = new Uint8Array(await file.arrayBuffer());
    const header = new TextDecoder().decode(bytes.subarray(8, Math.min(bytes.length, 8 + 4096)));
    if (header.includes('"history.0.')) {
      session.importHistory(bytes, file.name);
      this.message = { text: `Imported the history ${file.name}: drag the timeline to replay it.`, kind: 'info' };
    } else {
      await session.importWeights(bytes, file.name);
      this.message = { text: `Imported the weights of ${file.name}.`, kind: 'info' };
    }
  }

  private async openIdx(files: File[]): Promise<void> {
    const roles: [keyof IdxFileNames, RegExp][] = [
      ['trainImages', /train.*images|images.*train/i], ['trainLabels', /train.*labels|labels.*train/i],
      ['testImages', /(t10k|test).*images|images.*(t10k|test)/i], ['testLabels', /(t10k|test).*labels|labels.*(t10k|test)/i],
    ];
    const picked = roles.map(([role, pattern]) => [role, files.find((f) => pattern.test(f.name))] as const);
    const missing = picked.filter(([, file]) => !file).map(([role]) => DEFAULT_IDX_FILES[role]);
    if (files.length !== 4 || missing.length) {
      throw new Error(`Drop one .safetensors file (weights or history), or the four IDX files of a data set at once (${Object.values(DEFAULT_IDX_FILES).join(', ')}, gzipped or not); ` +
        (missing.length ? `missing: ${missing.join(', ')}.` : `got ${files.length} files.`));
    }
    const bytes = Object.fromEntries(await Promise.all(picked.map(async ([role, file]) => [role, new Uint8Array(await file!.arrayBuffer())]))) as Record<keyof IdxFileNames, Uint8Array>;
    const names = Object.fromEntries(picked.map(([role, file]) => [role, file!.name])) as unknown as IdxFileNames;
    this.data = await idxDatasetFromBytes(bytes, names); // a bad file throws here, and the current data stay
  }

  /** Saves the shown views as PNG files. */
  async exportPNG(): Promise<void> {
    const step = this.engine?.stepCount ?? 0;
    for (const part of this.renderRoot.querySelectorAll('nn-strips, nn-weights, nn-confusion, nn-class-means')) {
      await (part as unknown as { downloadPNG(name: string): Promise<void> }).downloadPNG(`nnscope-${part.localName.slice(3)}-step${step}.png`);
    }
  }

  /** Downloads the recorded history. */
  async downloadHistory(): Promise<void> {
    try {
      download(await this.exportHistory(), `nnscope-history-step${this.engine?.stepCount ?? 0}.safetensors`);
    } catch (error) {
      this.fail(error as Error);
    }
  }

  // ── keyboard and the sample animation ─────────────────────────────────────────────────────────

  private onKey(event: KeyboardEvent): void {
    const target = event.composedPath()[0] as HTMLElement;
    const typing = ['INPUT', 'SELECT', 'TEXTAREA'].includes(target.tagName);
    if (event.key === ' ' && !typing && target.tagName !== 'BUTTON') {
      event.preventDefault();
      void (this.session?.training ? this.pause() : this.start());
    } else if ((event.key === 'ArrowRight' || event.key === 'ArrowLeft') && !typing && !target.closest?.('[data-own-arrows]')) {
      event.preventDefault();
      this.samplesPlaying = false;
      this.stepSample(event.key === 'ArrowRight' ? 1 : -1);
    }
  }

  /** Class whose samples the animation and the arrows step through (-1: all). */
  sampleClass = -1;

  /** Moves to the next (or previous) test sample, within `sampleClass` if one is picked. */
  stepSample(direction: 1 | -1): void {
    const session = this.session;
    if (!session) return;
    const { labels, count } = session.dataset.test;
    let index = session.sample;
    for (let tries = 0; tries < count; tries++) {
      index = (index + direction + count) % count;
      if (this.sampleClass < 0 || labels[index] === this.sampleClass) break;
    }
    void session.showSample(index);
  }

  private setSampleTimer(): void {
    const rate = this.settings?.sampleRate ?? 0;
    const wanted = this.session && this.samplesPlaying && rate > 0 ? rate : 0;
    if ((this.sampleTimer?.rate ?? 0) === wanted) return;
    clearInterval(this.sampleTimer?.id);
    this.sampleTimer = undefined;
    if (!wanted) return;
    const id = setInterval(() => {
      if (!this.isConnected || !this.session) return this.setSamplesPlaying(false);
      this.stepSample(1);
    }, 1000 / wanted);
    this.sampleTimer = { id, rate: wanted };
  }

  /** Starts or stops the sample animation. */
  setSamplesPlaying(playing: boolean): void {
    this.samplesPlaying = playing;
    this.requestUpdate();
  }

  // ── rendering ─────────────────────────────────────────────────────────────────────────────────

  protected override render() {
    const views = this.settings?.views ?? [];
    const show = (name: string) => views.includes(name as never);
    const message = this.message;
    return html`
      <style>
        :host { position: relative; background: var(--_bg); padding: var(--nn-padding, 12px); border-radius: var(--_radius); outline: none; }
        :host(:focus-visible) { box-shadow: 0 0 0 2px var(--_accent); }
        .grid { display: grid; gap: 12px; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); }
        .wide { grid-column: 1 / -1; }
        @media (max-width: 900px) { .grid { grid-template-columns: minmax(0, 1fr); } }
        .message { padding: 10px 14px; border-radius: 8px; margin-bottom: 10px; border: 1px solid var(--_border); background: var(--_card); }
        .message.error, .message.webgpu { border-color: var(--_bad); color: var(--_bad); font-weight: 600; }
        .message.webgpu { font-weight: 400; color: var(--_fg); }
        .message.webgpu strong { color: var(--_bad); display: block; margin-bottom: 4px; }
        .drop { position: absolute; inset: 0; border: 3px dashed var(--_accent); border-radius: var(--_radius); background: color-mix(in srgb, var(--_bg) 80%, transparent);
          display: grid; place-items: center; font-size: 18px; color: var(--_accent); pointer-events: none; }
      </style>
      ${message ? html`<div class="message ${message.kind}" part="message" role=${message.kind === 'info' ? 'status' : 'alert'}>
        ${message.kind === 'webgpu' ? html`<strong>WebGPU is not available</strong>` : nothing}${message.text}</div>` : nothing}
      ${show('controls') ? html`<nn-controls part="controls" exportparts="progress, settings, samples" .scope=${this}></nn-controls>` : nothing}
      <div class="grid" part="views">
        ${show('strips') ? html`<nn-strips part="strips" exportparts="canvas: strips-canvas" class=${show('curves') ? '' : 'wide'} .scope=${this} .colormap=${this.settings?.colormap ?? 'viridis'}></nn-strips>` : nothing}
        ${show('curves') ? html`<nn-curves part="curves" exportparts="training: curves-training, change: curves-change" class=${show('strips') ? 'stacked' : 'wide'} .scope=${this}></nn-curves>` : nothing}
        ${show('weights') ? html`<nn-weights part="weights" exportparts="canvas: weights-canvas, timeline" class="wide" .scope=${this}></nn-weights>` : nothing}
        ${show('confusion') ? html`<nn-confusion part="confusion" exportparts="canvas: confusion-canvas, gallery" class="wide" .scope=${this}></nn-confusion>` : nothing}
        ${show('class-means') ? html`<nn-class-means part="class-means" exportparts="canvas: class-means-canvas" class="wide" .scope=${this}></nn-class-means>` : nothing}
      </div>
      ${this.dragging ? html`<div class="drop">Drop weights or a history (.safetensors), or four IDX files</div>` : nothing}
    `;
  }
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  promise.catch(() => undefined); // a load failure is also shown and fired as nn-error
  return { promise, resolve, reject };
}

declare global {
  interface HTMLElementTagNameMap {
    'nn-scope': NnScope;
  }
}
