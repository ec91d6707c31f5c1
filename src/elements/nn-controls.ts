import { layersText } from '../engine/layers.js';
import { css, html, nothing } from 'lit';
import { customElement, state } from './decorators.js';
import type { Scope, ScopeEpoch } from '../app/scope.js';
import { FORM_SETTINGS, SEQUENTIAL_COLORMAPS, VIEW_LABELS, VIEW_NAMES, type AnySetting } from '../app/settings.js';
import type { NnScope } from './nn-scope.js';
import { imageCanvas } from '../views/thumbnail.js';
import { download, ScopePart } from './scope-part.js';
import { theme } from './styles.js';
import { VIDEO_FORMATS, type VideoFormat } from '../video/formats.js';


/** A settings-form field, made from the setting's declaration; it shows the value in effect. */
function formField(setting: AnySetting, host: NnScope) {
  const field = setting.form!;
  const text = (setting.format as (value: unknown) => string)(host[setting.name]);
  const input = field.input === 'select'
    ? html`<select name=${setting.attribute}>${field.choices!.map((c) => html`<option ?selected=${c === text}>${c}</option>`)}</select>`
    : html`<input name=${setting.attribute} type=${field.input} min=${field.min ?? nothing} max=${field.max ?? nothing} step=${field.step ?? nothing} .value=${text}>`;
  return html`<label title=${setting.help}>${field.label} ${input}</label>`;
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '–';
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? `${minutes} min ${Math.round(seconds % 60)} s` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/**
 * `<nn-controls>`: play/pause/step/reset/evaluate, epoch and step progress with throughput and ETA,
 * the network and training settings (editable between runs), the sample scrubber with the current
 * image and its labels, class and colormap pickers, view tabs, and file buttons (export PNG, weights
 * and history; a video of the history or a live recording, with its progress and cancel; import
 * weights, a history or IDX files — also by dropping them on the element).
 * @csspart progress - the progress bars and figures
 * @csspart settings - the network and training settings
 * @csspart samples - the sample scrubber
 */
@customElement('nn-controls')
export class NnControls extends ScopePart {
  static override styles = [theme, css`
    .card { display: grid; gap: 10px; }
    .bars { display: grid; grid-template-columns: auto minmax(120px, 1fr) auto; gap: 4px 10px; align-items: center; font-size: 13px; }
    progress { width: 100%; height: 10px; accent-color: var(--_accent); }
    .figures { font: var(--_mono); color: var(--_muted); }
    details summary { cursor: pointer; color: var(--_muted); font-size: 13px; }
    form { display: flex; flex-wrap: wrap; gap: 8px 14px; margin-top: 8px; align-items: end; font-size: 13px; }
    form label { display: grid; gap: 2px; color: var(--_muted); }
    form input { width: 7em; }
    .thumb canvas { width: 56px; height: 56px; image-rendering: pixelated; border: 1px solid var(--_border); border-radius: 4px; display: block; }
    .samples input[type=range] { flex: 1; min-width: 140px; }
    .tabs button[aria-pressed='false'] { background: transparent; color: var(--_muted); border-color: var(--_border); }
    .pending { color: var(--_accent); font-size: 13px; }
    .video-buttons { display: inline-flex; gap: 4px; align-items: center; }
    .video progress { flex: 1; min-width: 120px; }
    .rec { color: var(--_bad); }
    label.file { position: relative; overflow: hidden; display: inline-block; }
    label.file input { position: absolute; inset: 0; opacity: 0; cursor: pointer; }
    /* The transparent input takes the focus: the ring goes around the button under it (on the label, which clips its children). */
    label.file:has(input:focus-visible) { outline: 2px solid var(--_accent); outline-offset: 2px; border-radius: 6px; }
  `];

  @state() private accessor busy = '';
  /** The Video button's format and frame rate. */
  @state() private accessor videoFormat: VideoFormat = 'webm';
  @state() private accessor videoFps = 30;
  private thumbnail?: { index: number; canvas: HTMLCanvasElement };

  protected override attach(session: Scope, signal: AbortSignal): void {
    for (const type of ['progress', 'epoch', 'state', 'sample', 'evaluation', 'engine', 'replay']) {
      session.addEventListener(type, () => this.requestUpdate(), { signal });
    }
    // The scope element reports its videos' frames: the bar and the buttons follow them.
    for (const type of ['nn-video-progress', 'nn-video-state']) this.scopeElement?.addEventListener(type, () => this.requestUpdate(), { signal });
    // Screen readers hear each epoch's result once; the progress figures change every chunk and are not live.
    session.addEventListener('epoch', (event) => {
      const { epoch, testAccuracy } = (event as CustomEvent<ScopeEpoch>).detail;
      const status = this.renderRoot.querySelector('.epoch-status');
      const accuracy = testAccuracy === undefined ? '' : `: test accuracy ${(100 * testAccuracy).toFixed(1)}%`;
      if (status) status.textContent = `Epoch ${epoch} of ${session.epochs} done${accuracy}.`;
    }, { signal });
  }

  protected override detach(): void {}

  /** The video being made, as a bar with frames done and an ETA, and a button to cancel or stop it. */
  private videoRow(host: NnScope) {
    const job = host.video.job;
    if (!job) return nothing;
    const seconds = (performance.now() - job.started) / 1000;
    if (job.kind === 'record') {
      return html`<div class="row video" role="status"><span class="rec" aria-hidden="true">●</span>
        <span class="figures">recording the views: ${duration(seconds)}, ${host.video.recordedFrames} frames</span>
        <button class="quiet" @click=${() => host.toggleRecording()}>Stop and save</button>
        <button class="quiet" @click=${() => host.cancelVideo()}>Discard</button></div>`;
    }
    const { frame, frames } = job;
    const eta = frames && frame > 0 ? ((frames - frame) * seconds) / frame : Infinity;
    return html`<div class="row video">
      <span>video</span><progress max=${frames ?? 1} .value=${frame} aria-label="video frames done"></progress>
      <span class="figures" role="status">${frames ? `${frame} of ${frames} frames · ETA ${duration(eta)}` : 'preparing…'}</span>
      <button class="quiet" @click=${() => host.cancelVideo()}>Cancel</button></div>`;
  }

  private async run(label: string, action: () => Promise<unknown>): Promise<void> {
    this.busy = label;
    try {
      await action();
    } catch {
      // the scope element shows the error and fires nn-error
    } finally {
      this.busy = '';
    }
  }

  private applySettings(form: HTMLFormElement): void {
    const host = this.scopeElement;
    if (!host) return;
    const data = new FormData(form);
    for (const { attribute } of FORM_SETTINGS) host.setAttribute(attribute, String(data.get(attribute) ?? ''));
    // Epochs apply at once; network changes rebuild at once if nothing was trained, else here by a reset.
    void host.updateComplete.then(() => {
      if (host.pendingReset && !host.attributeError) void this.run('resetting', () => host.reset());
    });
  }

  private toggleView(name: string): void {
    const host = this.scopeElement;
    const views = new Set(host?.settings?.view ?? []);
    if (views.has(name as never)) views.delete(name as never);
    else views.add(name as never);
    host?.setAttribute('view', VIEW_NAMES.filter((v) => views.has(v)).join(',') || 'none');
  }

  /** Steps through one class from now on, starting at its next sample if the current one is of another class. */
  private pickClass(picked: number): void {
    const host = this.scopeElement;
    const session = this.session;
    if (!host || !session) return;
    host.sampleClass = picked;
    if (picked >= 0 && session.dataset.test.labels[session.sample] !== picked) host.stepSample(1);
  }

  /** Play/pause of the test-image animation; playing at rate 0 starts it at 2 images per second. */
  private toggleSamples(): void {
    const host = this.scopeElement;
    if (!host) return;
    const animating = host.samplesPlaying && (host.settings?.sampleRate ?? 0) > 0;
    if (!animating && (host.settings?.sampleRate ?? 0) === 0) host.setAttribute('sample-rate', '2');
    host.setSamplesPlaying(!animating);
  }

  /** The image of the sample the strips show (the asked-for one until the first pass is done). */
  private sampleThumbnail(session: Scope): HTMLCanvasElement {
    const index = session.shown?.index ?? session.sample;
    if (this.thumbnail?.index !== index) this.thumbnail = { index, canvas: imageCanvas(session.dataset.test, index) };
    return this.thumbnail.canvas;
  }

  protected override render() {
    const host = this.scopeElement;
    const session = this.session;
    const settings = host?.settings;
    const ready = !!session && !session.recovering;
    const training = !!session?.training;
    const progress = session?.progress;
    const engine = session?.engine;
    const stepsPerEpoch = engine ? engine.stepsPerEpoch : 1;
    const epochs = session?.epochs ?? settings?.epochs ?? 1;
    const epochDone = engine ? Math.min(epochs, engine.epoch + engine.stepInEpoch / stepsPerEpoch) : 0;
    const names = session?.dataset.classNames ?? [];
    const test = session?.dataset.test;
    const sample = session?.sample ?? 0;
    // What the strips show, with the labels of the pass that drew them (not of the newest request).
    const shown = session?.shown;
    const videoJob = host?.video.job;
    const predicted = shown ? names[shown.predicted] : undefined;
    const truth = shown ? names[shown.label] : '';
    const views = settings?.view ?? [];
    const disabled = !ready || !!this.busy;
    // View tabs switch the scope's own views: only when these controls are one of them.
    const insideScope = !!host && this.getRootNode() === host.shadowRoot;
    const animating = !!host?.samplesPlaying && (settings?.sampleRate ?? 0) > 0;
    return html`
      <div class="card">
        <div class="sr-only epoch-status" role="status"></div>
        <div class="row">
          <button ?disabled=${disabled || (!training && !!session?.finished)} @click=${() => (training ? host?.pause() : host?.start())}
            aria-keyshortcuts="Space"><span aria-hidden="true">${training ? '❚❚' : '▶'}</span> ${training ? 'Pause' : 'Train'}</button>
          <button class="quiet" ?disabled=${disabled || training} @click=${() => this.run('stepping', () => host!.step(1))} title="one training step">Step</button>
          <button class="quiet" ?disabled=${disabled} @click=${() => this.run('resetting', () => host!.reset())} title="fresh weights">Reset</button>
          <button class="quiet" ?disabled=${disabled || training} @click=${() => this.run('evaluating', () => host!.evaluate())} title="test accuracy, confusion matrix, class means">Evaluate</button>
          <span class="figures">${this.busy ? `${this.busy}…` : session?.recovering ? 'recovering the GPU…' : session?.evaluating ? 'evaluating the test set…' : ''}</span>
        </div>
        <div class="bars" part="progress">
          <span>${engine && engine.stepInEpoch > 0 ? `epoch ${engine.epoch + 1} of ${epochs}` : `${engine?.epoch ?? 0} of ${epochs} epochs done`}</span>
          <progress max=${epochs} .value=${epochDone} aria-label="epochs done"></progress>
          <span class="figures">${progress ? `last steps: loss ${progress.loss.toFixed(3)}, accuracy ${(100 * progress.accuracy).toFixed(1)}%` : ''}${session?.evaluation ? ` · test ${(100 * session.evaluation.accuracy).toFixed(2)}%` : ''}</span>
          <span>step ${engine?.stepInEpoch ?? 0} of ${engine ? stepsPerEpoch : 0}</span>
          <progress max=${stepsPerEpoch} .value=${engine?.stepInEpoch ?? 0} aria-label="steps done in this epoch"></progress>
          <span class="figures">${progress && training ? `${Math.round(progress.samplesPerSecond).toLocaleString('en')} samples/s · ETA ${duration(progress.etaSeconds)}` : engine ? `${engine.stepCount} steps done` : ''}</span>
        </div>
        <div class="row samples" part="samples">
          ${session ? html`<span class="thumb">${this.sampleThumbnail(session)}</span>` : nothing}
          <div style="display:grid; gap:4px; flex:1">
            <div class="row">
              <button class="quiet" ?disabled=${!ready} @click=${() => { host?.setSamplesPlaying(false); host?.stepSample(-1); }} aria-label="previous test image" aria-keyshortcuts="ArrowLeft">◀</button>
              <button class="quiet" ?disabled=${!ready} @click=${() => this.toggleSamples()} aria-pressed=${animating ? 'true' : 'false'} title="animate the test images"><span aria-hidden="true">${animating ? '❚❚' : '▶'}</span> samples</button>
              <button class="quiet" ?disabled=${!ready} @click=${() => { host?.setSamplesPlaying(false); host?.stepSample(1); }} aria-label="next test image" aria-keyshortcuts="ArrowRight">▶</button>
              <input type="range" data-own-arrows min="0" max=${(test?.count ?? 1) - 1} .value=${String(sample)} ?disabled=${!ready} aria-label="test image"
                @input=${(e: Event) => { host?.setSamplesPlaying(false); void session?.showSample(Number((e.target as HTMLInputElement).value)); }}>
            </div>
            <div class="row" style="font-size:13px">
              <span class="shown">${shown ? html`#${shown.index}: <b>${truth}</b> → <b class=${predicted === truth ? 'ok' : 'bad'}>${predicted}</b>` : ''}</span>
              <label>class <select aria-label="step through one class" @change=${(e: Event) => this.pickClass(Number((e.target as HTMLSelectElement).value))}>
                <option value="-1">all</option>${names.map((n, c) => html`<option value=${c} ?selected=${host?.sampleClass === c}>${n}</option>`)}</select></label>
              <label>rate <select aria-label="test images per second" @change=${(e: Event) => host?.setAttribute('sample-rate', (e.target as HTMLSelectElement).value)}>
                ${[0, 0.5, 1, 2, 5, 10, 30].map((r) => html`<option value=${r} ?selected=${settings?.sampleRate === r}>${r ? `${r}/s` : 'still'}</option>`)}</select></label>
              <label>colormap <select aria-label="colormap of activated outputs" @change=${(e: Event) => host?.setAttribute('colormap', (e.target as HTMLSelectElement).value)}>
                ${SEQUENTIAL_COLORMAPS.map((c) => html`<option ?selected=${settings?.colormap === c}>${c}</option>`)}</select></label>
            </div>
          </div>
        </div>
        <div class="row tabs" role="group" aria-label="views shown">
          ${insideScope ? VIEW_NAMES.filter((v) => v !== 'controls').map((v) => html`<button aria-pressed=${views.includes(v) ? 'true' : 'false'} @click=${() => this.toggleView(v)}>${VIEW_LABELS[v]}</button>`) : nothing}
          <span style="flex:1"></span>
          <button class="quiet" ?disabled=${!ready} @click=${() => host?.exportPNG()} title="save every shown view as PNG">PNG</button>
          <span class="video-buttons">
            <button class="quiet" ?disabled=${!ready || training || !engine?.history?.length || !!videoJob} title="the recorded history as a video: one frame per snapshot"
              @click=${() => host?.downloadVideo({ format: this.videoFormat, fps: this.videoFps })}>Video</button>
            <select aria-label="video format" ?disabled=${!!videoJob} @change=${(e: Event) => (this.videoFormat = (e.target as HTMLSelectElement).value as VideoFormat)}>
              ${VIDEO_FORMATS.map((f) => html`<option value=${f} ?selected=${f === this.videoFormat}>${f === 'png-zip' ? 'PNG zip' : f.toUpperCase()}</option>`)}</select>
            <select aria-label="video frame rate" ?disabled=${!!videoJob} @change=${(e: Event) => (this.videoFps = Number((e.target as HTMLSelectElement).value))}>
              ${[30, 15, 10, 5].map((fps) => html`<option value=${fps} ?selected=${fps === this.videoFps}>${fps} fps</option>`)}</select>
            <button class="quiet" ?disabled=${!ready || (!!videoJob && videoJob.kind !== 'record')} aria-pressed=${videoJob?.kind === 'record' ? 'true' : 'false'}
              title="record the shown views live, as they draw" @click=${() => host?.toggleRecording(this.videoFormat)}><span class="rec" aria-hidden="true">●</span> ${videoJob?.kind === 'record' ? 'Stop' : 'Record'}</button>
          </span>
          <button class="quiet" ?disabled=${!ready} @click=${async () => host && download(await host.exportWeights(), `nnscope-weights-step${engine?.stepCount ?? 0}.safetensors`)}>Export weights</button>
          <button class="quiet" ?disabled=${!ready || !engine?.history?.length} @click=${() => host?.downloadHistory()}>Export history</button>
          <label class="file"><button class="quiet" tabindex="-1" ?disabled=${!ready || training}>Import…</button>
            <input type="file" multiple accept=".safetensors,.gz,.idx1-ubyte,.idx3-ubyte,.bin,.txt,.npy,.npz,application/octet-stream" ?disabled=${!ready || training}
              aria-label="import weights or a history (.safetensors), or a data set (IDX, CIFAR, .npy or .npz files); or drop them here"
              @change=${(e: Event) => { const input = e.target as HTMLInputElement; void host?.openFiles([...(input.files ?? [])]); input.value = ''; }}></label>
        </div>
        ${host ? this.videoRow(host) : nothing}
        <details part="settings">
          <summary>Network and training: ${settings ? `${engine ? `${engine.config.sizes[0]} → ${layersText(engine.config.layers)}` : `hidden ${settings.layers.join(', ') || 'none'}`} ${settings.activation}, ${settings.optimizer} lr ${settings.learningRate}${settings.optimizer === 'sgd' ? ` momentum ${settings.momentum}` : ''}, batch ${settings.batchSize}, ${settings.epochs} epochs, seed ${settings.seed}` : '—'}
            ${host?.pendingReset ? html`<span class="pending">· changed: applies at reset</span>` : nothing}</summary>
          <form @submit=${(e: Event) => { e.preventDefault(); this.applySettings(e.target as HTMLFormElement); }}>
            ${host ? FORM_SETTINGS.map((setting) => formField(setting, host)) : nothing}
            <button ?disabled=${!!this.busy}>Apply</button><span class="figures">network changes start a new run</span>
          </form>
        </details>
      </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'nn-controls': NnControls;
  }
}
