import { hasConv } from '../engine/layers.js';
import { css, html, LitElement, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from './decorators.js';
import type { Scope, ScopeEpoch, ScopeProgress } from '../app/scope.js';
import { openFiles } from '../app/open-files.js';
import { AttributeError, attributeOfOption, datasetOptions, networkOf, parseSettings, sameNetwork, SETTING_ATTRIBUTES, type RawAttributes, type ScopeSettings } from '../app/settings.js';
import type { Dataset } from '../data/dataset.js';
import { IdxFetchError, IdxFormatError, type LoadProgress } from '../data/idx.js';
import { ConfigError } from '../engine/config.js';
import type { Engine } from '../engine/engine.js';
import type { Evaluation } from '../engine/evaluation-pass.js';
import { WebGpuUnavailableError } from '../gpu/device.js';
import { loadedText, SessionController } from './session-controller.js';
import { defineSettingProperties, takeEarlyValues } from './setting-properties.js';
import { FileDrop, ScopeKeyboard } from './scope-input.js';
import { ViewportWatcher } from './viewport-watcher.js';
import { demoDataUrl } from '../assets.js';
import { theme } from './styles.js';
import { download } from './scope-part.js';
import { describeNetwork, recordRun, type RunEvaluations } from '../analysis/compare.js';
import { evaluationsToJson } from '../io/evaluation-file.js';
import { VideoController, type VideoJob } from './video-controller.js';
import type { ExportVideoOptions, VideoFormat } from '../video/formats.js';
import './nn-controls.js';
import './nn-strips.js';
import './nn-weights.js';
import './nn-confusion.js';
import './nn-class-means.js';
import './nn-batch.js';
import './nn-curves.js';


const WEBGPU_HELP = 'nnscope trains on the GPU with WebGPU. Use Chrome or Edge 113 or newer (Safari 26 and Firefox 141 on Windows also ship it) on a page served over https or from localhost. ' +
  'On Linux, start Chrome with --enable-unsafe-webgpu --enable-features=Vulkan; check chrome://gpu for "WebGPU: Hardware accelerated".';

/** What `nn-error` carries. */
export interface NnErrorDetail {
  message: string;
  /** The attribute whose value is wrong, for attribute errors. */
  attribute?: string;
  /** True when the element repairs it itself (a lost device). */
  recoverable: boolean;
  error: Error;
}

/**
 * `<nn-scope>`: the whole nnscope in one tag. It loads the data, builds the network on the page's
 * shared GPUDevice, and shows controls, layer-output strips, weight textures, curves, the confusion
 * explorer and class means. Attributes are validated: a bad value shows its message and fires
 * `nn-error`, and nothing is built from it. Removing the element stops training and frees its GPU memory.
 *
 * @fires {CustomEvent<LoadProgress>} nn-load-progress - while the data set downloads; detail: { loaded, total } in bytes (total undefined until known); while an image folder decodes, { loaded, total, unit: 'images' }
 * @fires {CustomEvent<{ engine: Engine }>} nn-ready - the network and data are on the GPU; detail: { engine }. Fired again when a reset (or a network attribute changed before training) builds a new network: a new engine
 * @fires {CustomEvent<ScopeProgress>} nn-progress - after each chunk of steps; detail: { epoch, step, loss, accuracy, samplesPerSecond, etaSeconds, … }
 * @fires {CustomEvent<ScopeEpoch>} nn-epoch - after each epoch and its test evaluation; detail: { epoch, loss, accuracy, testAccuracy, weightChange }
 * @fires {CustomEvent<NnErrorDetail>} nn-error - bad attribute, missing WebGPU, bad file, diverged training or a lost device; detail: { message, attribute?, recoverable }
 * @fires {CustomEvent<{ restoredFrom: string; engine: Engine }>} nn-recovered - a lost device was replaced and the last saved parameters restored; detail: { restoredFrom }
 * @fires {CustomEvent<{ frame: number; frames: number }>} nn-video-progress - after each frame of exportVideo(); detail: { frame, frames }
 * @fires {CustomEvent<VideoJob | undefined>} nn-video-state - a video export or live recording began (detail: { kind, format, … }) or ended (undefined)
 * @fires {CustomEvent<undefined>} nn-session - (internal) the session the parts follow changed
 * @cssprop --nn-fg - text colour (the defaults of these colours follow the light or dark theme)
 * @cssprop --nn-muted - secondary text
 * @cssprop --nn-bg - background of the element
 * @cssprop --nn-card - background of each view's card
 * @cssprop --nn-view-bg - background the views draw on
 * @cssprop --nn-accent - buttons, links, focus rings
 * @cssprop --nn-accent-fg - text on accent-coloured buttons
 * @cssprop --nn-error - errors and wrong predictions
 * @cssprop --nn-good - right predictions
 * @cssprop --nn-border - borders
 * @cssprop --nn-radius - corner radius of the cards
 * @cssprop --nn-font - text font
 * @cssprop --nn-mono - font of figures
 * @cssprop --nn-padding - padding of the element
 * @csspart message - the status or error message above the views
 * @csspart controls - the <nn-controls> part
 * @csspart views - the grid holding the views
 * @csspart strips - the <nn-strips> part
 * @csspart curves - the <nn-curves> part
 * @csspart weights - the <nn-weights> part
 * @csspart confusion - the <nn-confusion> part
 * @csspart class-means - the <nn-class-means> part
 * @csspart batch - the <nn-batch> part (the training batch, as augmented)
 * @csspart progress - (from nn-controls) the progress bars and figures
 * @csspart settings - (from nn-controls) the network and training settings
 * @csspart samples - (from nn-controls) the sample scrubber
 * @csspart timeline - (from nn-weights) the history scrubber
 * @csspart gallery - (from nn-confusion) the thumbnails of the selected cell
 * @csspart strips-canvas - the layer-output canvas (likewise weights-canvas, confusion-canvas, class-means-canvas, batch-canvas, curves-training, curves-change)
 */
@customElement('nn-scope')
export class NnScope extends LitElement {
  static override styles = [theme, css`
    :host { position: relative; background: var(--_bg); padding: var(--nn-padding, 12px); border-radius: var(--_radius); outline: none; }
    :host(:focus-visible) { box-shadow: 0 0 0 2px var(--_accent); }
    .grid { display: grid; gap: 12px; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); }
    .wide { grid-column: 1 / -1; }
    @container (max-width: 900px) { .grid { grid-template-columns: minmax(0, 1fr); } }
    .message { padding: 10px 14px; border-radius: 8px; margin-bottom: 10px; border: 1px solid var(--_border); background: var(--_card); }
    .message.error, .message.webgpu { border-color: var(--_bad); color: var(--_bad); font-weight: 600; }
    .message.webgpu { font-weight: 400; color: var(--_fg); }
    .message progress { display: block; width: 100%; margin-top: 6px; accent-color: var(--_accent, currentColor); }
    .message.webgpu strong { color: var(--_bad); display: block; margin-bottom: 4px; }
    .drop { position: absolute; inset: 0; border: 3px dashed var(--_accent); border-radius: var(--_radius); background: color-mix(in srgb, var(--_bg) 80%, transparent);
      display: grid; place-items: center; font-size: 18px; color: var(--_accent); pointer-events: none; }
  `];

  /** A data set to use instead of `src` (set from script; e.g. a subset). */
  @property({ attribute: false }) accessor data: Dataset | undefined = undefined;

  /** The parsed settings, once valid (a running element keeps its last valid ones). */
  @state() accessor settings: ScopeSettings | undefined = undefined;
  /** The attribute value in error, if any. */
  @state() accessor attributeError: AttributeError | undefined = undefined;
  /** Network settings changed while a run was under way: they apply at reset(). */
  @state() accessor pendingReset = false;
  /** The message above the views; `progress` while a data set downloads or decodes (a progress bar). */
  @state() private accessor message: { text: string; kind: 'error' | 'info' | 'webgpu'; progress?: LoadProgress } | undefined = undefined;

  private readonly controller = new SessionController(this, {
    status: (text, progress) => (this.message = text === undefined ? (this.message?.kind === 'info' ? undefined : this.message) : { text, kind: 'info', progress }),
    error: (error, recoverable) => this.fail(error, recoverable),
  });
  private readonly colorScheme = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : undefined;
  /** The system theme changed: the default theme follows it. */
  private readonly onColorScheme = () => !this.hasAttribute('theme') && this.settingsChanged();
  /** Setting attributes changed since they were last parsed (true at first: the defaults). */
  private attributesChanged = true;
  /** The theme changed in this update: the views restyle once rendered. */
  private themeChanged = false;
  /** Settings set as properties before the element was defined, applied when it connects. */
  private readonly earlyValues = takeEarlyValues(this);
  private readonly viewport = new ViewportWatcher(this, () => this.requestUpdate());
  private readonly drop = new FileDrop(this, (files, folders) => void this.openFiles(files, folders));
  /** Video exports and live recordings (the controls show its `job`). */
  readonly video = new VideoController(this);

  constructor() {
    super();
    new ScopeKeyboard(this); // space plays and pauses, arrows step through the test images
  }

  // The settings' attributes and typed properties come from the SETTINGS table.
  static override get observedAttributes(): string[] {
    return [...super.observedAttributes, ...SETTING_ATTRIBUTES];
  }

  static {
    defineSettingProperties(this.prototype, (element) => (element as NnScope).settingsInEffect());
  }

  /** The running session (engine, training loop, evaluation, curves); undefined until `nn-ready`. */
  get session(): Scope | undefined {
    return this.controller.session;
  }

  /** The engine of the current session (undefined until ready). */
  get engine(): Engine | undefined {
    return this.controller.session?.engine;
  }

  /** Resolves with the session when ready; rejects with the reason it could not start. */
  whenReady(): Promise<Scope> {
    // Asked for by the page: a lazy element loads now, wherever it is.
    this.readyRequested = true;
    if (this.loadWanted) this.requestUpdate();
    return this.controller.whenReady();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (!this.hasAttribute('tabindex')) this.tabIndex = 0; // keyboard: space plays/pauses, arrows step samples
    // A named landmark: screen-reader users can jump to it and hear what it is. The page's own role and name win.
    if (!this.hasAttribute('role')) this.setAttribute('role', 'region');
    if (!this.hasAttribute('aria-label') && !this.hasAttribute('aria-labelledby')) this.setAttribute('aria-label', 'nnscope: neural network training');
    this.colorScheme?.addEventListener('change', this.onColorScheme);
    for (const [name, value] of this.earlyValues) (this as Record<string, unknown>)[name] = value;
    this.earlyValues.clear();
    if (this.settings && !this.session && !this.controller.loading) this.loadWhenNear(); // moved in the page
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback(); // the controller destroys the session
    this.colorScheme?.removeEventListener('change', this.onColorScheme);
  }

  override attributeChangedCallback(name: string, old: string | null, value: string | null): void {
    super.attributeChangedCallback(name, old, value);
    if (old !== value && SETTING_ATTRIBUTES.includes(name)) this.settingsChanged();
  }

  private settingsChanged(): void {
    this.attributesChanged = true;
    this.requestUpdate();
  }

  /** The settings in effect now: the attributes' if valid, else the last valid ones, else the defaults. */
  private settingsInEffect(): ScopeSettings {
    if (this.attributesChanged) {
      try {
        return parseSettings(this.rawAttributes());
      } catch {
        // a bad value is not in effect: it is reported at the next update
      }
    }
    return this.settings ?? parseSettings({});
  }

  protected override willUpdate(changed: PropertyValues): void {
    this.applySettings(changed);
    if (this.loadWanted && (this.viewport.near || this.readyRequested || this.settings?.loading === 'eager')) {
      this.loadWanted = false;
      void this.load();
    }
  }

  /** Parses the settings when they changed, and applies them: a (re)load, or to the running session. */
  private applySettings(changed: PropertyValues): void {
    if (!this.attributesChanged && !changed.has('data')) return;
    this.attributesChanged = false;
    let next: ScopeSettings;
    try {
      next = parseSettings(this.rawAttributes());
      this.attributeError = undefined;
    } catch (error) {
      // A running element keeps its last valid settings (and its views); a new one builds nothing.
      this.attributeError = error as AttributeError;
      this.controller.refuse(error as Error);
      this.fail(error as Error);
      return;
    }
    const previous = this.settings;
    this.settings = next;
    this.themeChanged = !!previous && previous.theme !== next.theme;
    if (this.message?.kind === 'error' && this.message.text.startsWith('<nn-scope')) this.message = undefined;
    if (!this.isConnected) return;
    const newData = changed.has('data') || previous?.src !== next.src || previous?.classNames.join() !== next.classNames.join() || previous?.imageSize?.join() !== next.imageSize?.join();
    if (!this.session || newData) {
      if (!this.controller.loading || newData) this.loadWhenNear();
      return;
    }
    this.applyToSession(next);
  }

  protected override updated(): void {
    // The sample animation runs only while the element is on screen.
    this.controller.animate(this.viewport.visible ? this.settings?.sampleRate ?? 0 : 0);
    if (this.session && this.settings) this.session.trainingShare = this.settings.trainingShare;
    if (this.themeChanged) this.restyle();
    this.themeChanged = false;
  }

  /** A load waits until the element nears the viewport, unless loading="eager" or the page awaits it. */
  private loadWanted = false;
  private readyRequested = false;

  private loadWhenNear(): void {
    this.loadWanted = true;
    this.controller.close(); // the old session (if any) goes now, not when the new one can load
    this.requestUpdate();
  }

  private async load(): Promise<void> {
    // The demo data's URL is taken now: setBasePath() may have been called after the settings were read.
    const settings = this.getAttribute('src')?.trim() ? this.settings! : { ...this.settings!, src: demoDataUrl() };
    await this.controller.load(settings, this.data);
    // Settings that changed while it loaded (a network attribute set right after the element) apply now.
    if (this.session && this.settings && !this.attributeError) this.applyToSession(this.settings);
    if (this.session && settings.autoplay) void this.start();
  }

  /** The views clear to the theme's background colour: tell them it changed. */
  private restyle(): void {
    this.session?.dispatchEvent(new CustomEvent('restyle'));
  }

  private rawAttributes(): RawAttributes {
    return Object.fromEntries(SETTING_ATTRIBUTES.map((name) => [name, this.getAttribute(name)]));
  }

  /** Live settings apply at once; network settings rebuild the engine if nothing was trained yet, else at reset(). */
  private applyToSession(settings: ScopeSettings): void {
    const session = this.session!;
    session.epochs = settings.epochs;
    if (sameNetwork(networkOf(settings), session.settings)) this.pendingReset = false;
    else if (session.engine.stepCount === 0 && !session.training) void this.reset();
    else this.pendingReset = true;
  }

  /** Shows `error` in the element and fires nn-error. */
  private fail(error: Error, recoverable = false): void {
    const webgpu = error instanceof WebGpuUnavailableError;
    const text = webgpu ? `${error.message.split('. ')[0]}. ${WEBGPU_HELP}` : error.message;
    this.message = { text, kind: webgpu ? 'webgpu' : 'error' };
    const detail: NnErrorDetail = { message: text, attribute: this.attributeOf(error), recoverable, error };
    this.dispatchEvent(new CustomEvent('nn-error', { detail, bubbles: true, composed: true }));
  }

  /** The attribute whose value caused `error`, if one did. */
  private attributeOf(error: Error): string | undefined {
    if (error instanceof AttributeError) return error.attribute;
    if (error instanceof ConfigError) return attributeOfOption(error.option); // e.g. the device's limits, at load
    // The data set at `src` could not be fetched or read (dropped files are no attribute's fault).
    const fromSrc = error === this.controller.loadError && !this.data && !!this.getAttribute('src')?.trim();
    return fromSrc && (error instanceof IdxFetchError || error instanceof IdxFormatError) ? 'src' : undefined;
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
    const before = session.engine;
    await session.reset(networkOf(settings), settings.epochs);
    if (session.engine !== before) {
      this.requestUpdate(); // the layout follows the network (feature maps get the width)
      this.dispatchEvent(new CustomEvent('nn-ready', { detail: { engine: session.engine }, bubbles: true, composed: true }));
    }
  }

  /** Evaluates the whole test set: accuracy, confusion matrix, class means. */
  async evaluate(): Promise<Evaluation> {
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
   * This run's test evaluation after each finished epoch, with its curves (what `<nn-compare>`
   * compares; undefined until ready). Named by the element's id.
   */
  get evaluations(): RunEvaluations | undefined {
    const session = this.session;
    return session && recordRun({
      name: this.id || 'nnscope run', description: describeNetwork(session.engine.config), classNames: session.dataset.classNames,
      test: session.dataset.test, epochs: session.epochEvaluations, curves: session.curves, stepsPerEpoch: session.engine.stepsPerEpoch,
    });
  }

  /** The evaluations as an evaluation file (JSON, format "nnscope-evaluations"); rejects before the first epoch ends. */
  async exportEvaluations(): Promise<Blob> {
    await this.whenReady();
    const run = this.evaluations!;
    if (run.epochs.length === 0) throw new Error(`${run.name} has no evaluation to save yet: it is recorded when an epoch ends.`);
    return new Blob([evaluationsToJson(run)], { type: 'application/json' });
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
   * it is a recorded history, as the history); a data set's files (IDX, CIFAR, .npy, .npz) replace the data set. A bad file is
   * reported (message and nn-error) and changes nothing. `folders`: a dropped folder's folder paths
   * ('shapes/train/coat/'), so that an empty class folder is refused rather than missed.
   */
  async openFiles(files: File[], folders: string[] = []): Promise<void> {
    if (files.length === 0) return;
    try {
      // An image folder reports its decoding here, as a download does (nn-load-progress, the message).
      const opened = await openFiles(files, (progress) => {
        this.message = { text: `Loading ${files.length === 1 ? files[0]!.name : 'the dropped files'}: ${loadedText(progress)}`, kind: 'info', progress };
        this.dispatchEvent(new CustomEvent('nn-load-progress', { detail: progress, bubbles: true, composed: true }));
      }, { ...(this.settings ? datasetOptions(this.settings) : {}), folders });
      if (opened.kind === 'dataset') {
        this.data = opened.dataset; // the element reloads on the new data
        return;
      }
      const session = await this.whenReady();
      if (opened.kind === 'history') session.importHistory(opened.bytes, opened.name);
      else await session.importWeights(opened.bytes, opened.name);
      this.message = { text: opened.kind === 'history' ? `Imported the history ${opened.name}: drag the timeline to replay it.` : `Imported the weights of ${opened.name}.`, kind: 'info' };
    } catch (error) {
      this.fail(error as Error);
    }
  }

  /** Saves the shown views as PNG files. */
  async exportPNG(): Promise<void> {
    const step = this.engine?.stepCount ?? 0;
    for (const part of this.renderRoot.querySelectorAll('nn-strips, nn-weights, nn-confusion, nn-class-means')) {
      await (part as unknown as { downloadPNG(name: string): Promise<void> }).downloadPNG(`nnscope-${part.localName.slice(3)}-step${step}.png`);
    }
  }

  /**
   * The recorded history as a video: each snapshot one frame at `fps` (default 30), with the weight
   * textures and/or the layer outputs of one test image as each snapshot had them, and a caption
   * (step, epoch, loss). Formats: 'webm' (VP9, VP8 or AV1), 'mp4' (H.264) or 'png-zip' (PNG
   * frames in a .zip, where a browser cannot encode video). Rejects with a clear error for bad
   * options or a missing codec, and with an AbortError when `signal` (or the Cancel button) stops it.
   * @example const webm = await scope.exportVideo({ views: ['weights'], fps: 10 });
   */
  exportVideo(options: ExportVideoOptions = {}): Promise<Blob> {
    return this.video.exportVideo(options);
  }

  /** Records the shown views live, at the frames they draw (while training or the sample animation runs). */
  startRecording(options: { format?: VideoFormat } = {}): Promise<void> {
    return this.video.startRecording(options);
  }

  /** Ends the live recording: resolves to the video file. */
  stopRecording(): Promise<Blob> {
    return this.video.stopRecording();
  }

  /** Cancels the video export or recording under way. */
  cancelVideo(): void {
    this.video.cancel();
  }

  /** The Video button: exports the history and downloads it; errors are shown (a cancel is said quietly). */
  async downloadVideo(options: ExportVideoOptions = {}): Promise<void> {
    try {
      const session = await this.whenReady();
      const blob = await this.exportVideo(options);
      download(blob, this.video.fileName(options.format ?? 'webm', 'history', session));
    } catch (error) {
      if ((error as Error).name === 'AbortError') this.message = { text: 'The video export was cancelled.', kind: 'info' };
      else this.fail(error as Error);
    }
  }

  /** The record button: starts, or stops and downloads. */
  async toggleRecording(format: VideoFormat = 'webm'): Promise<void> {
    try {
      const session = await this.whenReady();
      const job = this.video.job;
      if (job?.kind !== 'record') return await this.startRecording({ format });
      download(await this.stopRecording(), this.video.fileName(job.format, 'live', session));
    } catch (error) {
      this.fail(error as Error);
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

  // ── test samples and the keyboard ─────────────────────────────────────────────────────────────

  /** Whether the test-sample animation runs. */
  get samplesPlaying(): boolean {
    return this.controller.samplesPlaying;
  }

  /** Starts or stops the sample animation. */
  setSamplesPlaying(playing: boolean): void {
    this.controller.samplesPlaying = playing;
    this.requestUpdate();
  }

  /** Class whose samples the animation and the arrows step through (-1: all). */
  get sampleClass(): number {
    return this.controller.sampleClass;
  }

  set sampleClass(value: number) {
    this.controller.sampleClass = value;
  }

  /** Moves to the next (or previous) test sample, within `sampleClass` if one is picked. */
  stepSample(direction: 1 | -1): void {
    this.controller.stepSample(direction);
  }

  // ── rendering ─────────────────────────────────────────────────────────────────────────────────

  protected override render() {
    // The parts are elements of their own: they take the theme attribute too (CSS variables set on
    // this host do not reach the :host([theme]) rules of theirs).
    const views = this.settings?.view ?? [];
    const show = (name: string) => views.includes(name as never);
    const message = this.message;
    // Feature maps need the width: with conv layers the strips (and the curves beside them) get a row each.
    const maps = !!this.session && hasConv(this.session.engine.config.layers);
    return html`
      ${message ? html`<div class="message ${message.kind}" part="message" role=${message.kind === 'info' ? 'status' : 'alert'}>
        ${message.kind === 'webgpu' ? html`<strong>WebGPU is not available</strong>` : nothing}${message.text}
        ${message.progress ? progressBar(message.progress) : nothing}</div>` : nothing}
      ${show('controls') ? html`<nn-controls theme=${this.settings?.theme ?? nothing} part="controls" exportparts="progress, settings, samples" .scope=${this}></nn-controls>` : nothing}
      <div class="grid" part="views">
        ${show('strips') ? html`<nn-strips theme=${this.settings?.theme ?? nothing} part="strips" exportparts="canvas: strips-canvas" class=${show('curves') && !maps ? '' : 'wide'} .scope=${this} .colormap=${this.settings?.colormap ?? 'viridis'}></nn-strips>` : nothing}
        ${show('curves') ? html`<nn-curves theme=${this.settings?.theme ?? nothing} part="curves" exportparts="training: curves-training, change: curves-change" class=${show('strips') && !maps ? 'stacked' : 'wide'} .scope=${this}></nn-curves>` : nothing}
        ${show('weights') ? html`<nn-weights theme=${this.settings?.theme ?? nothing} part="weights" exportparts="canvas: weights-canvas, timeline" class="wide" .scope=${this}></nn-weights>` : nothing}
        ${show('confusion') ? html`<nn-confusion theme=${this.settings?.theme ?? nothing} part="confusion" exportparts="canvas: confusion-canvas, gallery" class="wide" .scope=${this}></nn-confusion>` : nothing}
        ${show('class-means') ? html`<nn-class-means theme=${this.settings?.theme ?? nothing} part="class-means" exportparts="canvas: class-means-canvas" class="wide" .scope=${this}></nn-class-means>` : nothing}
        ${show('batch') ? html`<nn-batch theme=${this.settings?.theme ?? nothing} part="batch" exportparts="canvas: batch-canvas" class="wide" .scope=${this}></nn-batch>` : nothing}
      </div>
      ${this.drop.dragging ? html`<div class="drop">Drop weights or a history (.safetensors), or a data set (IDX, CIFAR, .npy, .npz)</div>` : nothing}
    `;
  }
}

/** The typed setting properties (from SETTINGS): each reads the value in effect and writes its attribute. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface NnScope extends ScopeSettings {}

declare global {
  interface HTMLElementTagNameMap {
    'nn-scope': NnScope;
  }
  interface GlobalEventHandlersEventMap {
    'nn-load-progress': CustomEvent<LoadProgress>;
    'nn-ready': CustomEvent<{ engine: Engine }>;
    'nn-progress': CustomEvent<ScopeProgress>;
    'nn-epoch': CustomEvent<ScopeEpoch>;
    'nn-error': CustomEvent<NnErrorDetail>;
    'nn-recovered': CustomEvent<{ restoredFrom: string; engine: Engine }>;
    'nn-video-progress': CustomEvent<{ frame: number; frames: number }>;
    'nn-video-state': CustomEvent<VideoJob | undefined>;
  }
}

/** A data set's download or decoding as a bar; without a known total it runs indeterminate. */
function progressBar({ loaded, total, unit }: LoadProgress) {
  const label = unit === 'images' ? 'images decoded' : 'data downloaded';
  return total ? html`<progress max=${total} .value=${loaded} aria-label=${label}></progress>` : html`<progress aria-label=${label}></progress>`;
}
