import { css, html, LitElement, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from './decorators.js';
import { compareEvaluations, signed, testSetDifference, type RunComparison, type RunEvaluations } from '../analysis/compare.js';
import { evaluationsFromJson, evaluationsToJson } from '../io/evaluation-file.js';
import type { Scope } from '../app/scope.js';
import { barsHeight, drawClassDeltas, drawConfusionDelta, drawCurves, type DiffLayout, type Palette } from '../views/compare-charts.js';
import { FileDrop } from './scope-input.js';
import { download } from './scope-part.js';
import type { NnErrorDetail, NnScope } from './nn-scope.js';
import { theme } from './styles.js';

type Slot = 'a' | 'b';
const SLOTS: readonly Slot[] = ['a', 'b'];
const percent = (x: number) => `${(100 * x).toFixed(1)}%`;

/**
 * `<nn-compare for="a b">`: compares two runs on one test set. Each run is an `<nn-scope>` on the
 * page (its id in `for`, followed live: the view updates as each epoch ends) or a saved run
 * (`loadRun(file)`, the Load buttons, or a file dropped on it; an `<nn-scope>` saves one with
 * `exportEvaluations()`). A is the reference. It shows both runs' curves overlaid, the per-class
 * accuracy Δ (B − A), the confusion difference B − A as rates per true class (or counts) on a
 * diverging scale, the largest changes by name, and the mean cosine similarity of the class means
 * of A's most confused classes in both runs. `comparison` holds the numbers (`compareEvaluations`).
 *
 * @fires {CustomEvent<NnErrorDetail>} nn-error - a file that is not a usable evaluation file; detail: { message, recoverable, error }
 * @fires {CustomEvent<RunComparison | undefined>} nn-compare - the comparison changed (undefined: nothing to compare)
 * @csspart curves - the overlaid curves canvas
 * @csspart class-deltas - the per-class accuracy Δ canvas
 * @csspart confusion-delta - the confusion difference canvas
 * @cssprop --nn-compare-a - colour of run A (the reference; dashed)
 * @cssprop --nn-compare-b - colour of run B
 */
@customElement('nn-compare')
export class NnCompare extends LitElement {
  static override styles = [theme, css`
    :host { --_run-a: var(--nn-compare-a, #5f6b85); --_run-b: var(--nn-compare-b, #d9480f); position: relative; }
    :host([theme='dark']) { --_run-a: var(--nn-compare-a, #a3adc2); --_run-b: var(--nn-compare-b, #ff8c4d); }
    @media (prefers-color-scheme: dark) { :host(:not([theme='light'])) { --_run-a: var(--nn-compare-a, #a3adc2); --_run-b: var(--nn-compare-b, #ff8c4d); } }
    canvas { display: block; width: 100%; }
    .curves { height: 230px; }
    .grid { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 3fr); gap: 18px; margin-top: 12px; align-items: start; }
    @container (max-width: 760px) { .grid { grid-template-columns: minmax(0, 1fr); } }
    h3 { font-size: 13px; margin: 4px 0 6px; font-weight: 650; }
    .runs { display: grid; grid-template-columns: auto 1fr; gap: 2px 10px; font-size: 13px; margin-bottom: 8px; align-items: baseline; }
    .key { font-weight: 650; white-space: nowrap; } .key.a { color: var(--_run-a); } .key.b { color: var(--_run-b); }
    .figure { font: var(--_mono); }
    .message { padding: 8px 12px; border-radius: 8px; border: 1px solid var(--_border); margin: 8px 0; }
    .message.bad { border-color: var(--_bad); font-weight: 600; }
    ol { margin: 4px 0; padding-left: 22px; font-size: 13px; } li { margin: 2px 0; }
    .findings { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 18px; margin-top: 8px; }
    @container (max-width: 760px) { .findings { grid-template-columns: minmax(0, 1fr); } }
    .group { font-size: 13px; }
    .drop { position: absolute; inset: 0; border: 3px dashed var(--_accent); border-radius: var(--_radius); background: color-mix(in srgb, var(--_bg) 80%, transparent);
      display: grid; place-items: center; font-size: 18px; color: var(--_accent); pointer-events: none; }
    select { margin-left: 4px; }
    button.small { padding: 1px 8px; font-size: 12px; }
  `];

  /** Ids of the `<nn-scope>` elements to compare, A first, space-separated; a slot holding a loaded run is skipped. */
  @property({ attribute: 'for', reflect: true }) accessor scopeIds: string | null = null;
  /** light or dark; absent: follow the system. */
  @property({ reflect: true }) accessor theme: string | null = null;
  /** The confusion difference in `rates` (per true class, percentage points) or `counts` (images). */
  @property({ reflect: true }) accessor scale: 'rates' | 'counts' = 'rates';
  /** Compare each run's `last` epoch, or the `same` epoch (the last one both have). */
  @property({ reflect: true }) accessor epochs: 'last' | 'same' = 'last';

  /** The numbers shown (undefined while there is nothing to compare). */
  @state() accessor comparison: RunComparison | undefined = undefined;
  /** The two runs as shown now: A, B. */
  @state() private accessor shown: [RunEvaluations | undefined, RunEvaluations | undefined] = [undefined, undefined];
  @state() private accessor message: { text: string; bad: boolean } | undefined = undefined;
  /** Why the last file could not be loaded (until a run loads, or one is removed). */
  @state() private accessor fileError: string | undefined = undefined;

  /** Where the confusion difference's cells were drawn (CSS pixels of its canvas). */
  diffLayout?: DiffLayout;
  private readonly loaded: Partial<Record<Slot, RunEvaluations>> = {};
  private hosts: Partial<Record<Slot, NnScope>> = {};
  /** A run was loaded or removed: the next comparison is new even if names and epochs match. */
  private loadedChanged = false;
  private missing: string[] = [];
  private follow?: AbortController;
  private frame = 0;
  private resize?: ResizeObserver;
  private readonly colorScheme = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : undefined;
  private readonly redraw = () => this.schedule();
  private readonly drop = new FileDrop(this, (files) => files[0] && void this.loadRun(files[0]).catch(() => undefined));

  override connectedCallback(): void {
    super.connectedCallback();
    if (!this.hasAttribute('role')) this.setAttribute('role', 'region');
    if (!this.hasAttribute('aria-label') && !this.hasAttribute('aria-labelledby')) this.setAttribute('aria-label', 'nnscope: comparison of two runs');
    this.colorScheme?.addEventListener('change', this.redraw);
    this.resize = new ResizeObserver(this.redraw);
    this.resize.observe(this);
    void customElements.whenDefined('nn-scope').then(() => this.bind());
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.colorScheme?.removeEventListener('change', this.redraw);
    this.resize?.disconnect();
    this.follow?.abort();
    this.hosts = {};
    cancelAnimationFrame(this.frame);
    this.frame = 0;
  }

  protected override willUpdate(changed: PropertyValues): void {
    if (changed.has('scopeIds')) this.bind();
    if (changed.has('epochs') || changed.has('scale')) this.schedule();
  }

  /** Run A and run B as compared now (a live run as of its last finished epoch). */
  get runs(): [RunEvaluations | undefined, RunEvaluations | undefined] {
    return SLOTS.map((slot) => this.loaded[slot] ?? this.hosts[slot]?.evaluations) as [RunEvaluations | undefined, RunEvaluations | undefined];
  }

  /**
   * Loads a saved run (an evaluation file, or a RunEvaluations object) into `slot`: by default the
   * first slot that has no run, else B. A bad file rejects with its reason, which is also shown
   * (and fired as nn-error); the runs shown stay as they were.
   */
  async loadRun(source: Blob | RunEvaluations, slot?: Slot): Promise<RunEvaluations> {
    let run: RunEvaluations;
    try {
      if (source instanceof Blob) {
        const name = source instanceof File ? source.name : 'the file';
        run = evaluationsFromJson(new Uint8Array(await source.arrayBuffer()), name);
      } else {
        run = evaluationsFromJson(JSON.stringify({ format: 'nnscope-evaluations', version: 1, ...source }), source.name ?? 'the run');
      }
    } catch (error) {
      this.fail(error as Error);
      throw error;
    }
    const target = slot ?? (SLOTS.find((s) => !this.loaded[s] && !this.hosts[s]) ?? 'b');
    this.loaded[target] = run;
    this.fileError = undefined;
    this.bind();
    return run;
  }

  /** Removes the run loaded into `slot` (a scope named in `for` takes its place again). */
  clearRun(slot: Slot): void {
    delete this.loaded[slot];
    this.fileError = undefined;
    this.bind();
  }

  private fail(error: Error): void {
    this.fileError = error.message;
    const detail: NnErrorDetail = { message: error.message, recoverable: true, error };
    this.dispatchEvent(new CustomEvent('nn-error', { detail, bubbles: true, composed: true }));
  }

  /** Finds the scopes named in `for` for the slots without a loaded run, and follows their sessions. */
  private bind(): void {
    this.loadedChanged = true;
    if (!this.isConnected || !customElements.get('nn-scope')) return; // connectedCallback binds once <nn-scope> is defined
    const root = this.getRootNode() as Document | ShadowRoot;
    const ids = (this.scopeIds ?? '').split(/\s+/).filter(Boolean);
    const hosts: Partial<Record<Slot, NnScope>> = {};
    this.missing = [];
    for (const slot of SLOTS) {
      if (this.loaded[slot]) continue;
      const id = ids.shift();
      if (!id) break;
      const found = (root.getElementById?.(id) ?? document.getElementById(id)) as NnScope | null;
      if (found?.localName === 'nn-scope' && typeof found.whenReady === 'function') hosts[slot] = found; // defined and upgraded
      else this.missing.push(id);
    }
    this.follow?.abort();
    this.follow = new AbortController();
    const signal = this.follow.signal;
    this.hosts = hosts;
    for (const host of Object.values(hosts)) {
      let session: Scope | undefined;
      let sessionEvents: AbortController | undefined;
      const followSession = () => {
        if (host.session === session) return;
        sessionEvents?.abort();
        session = host.session;
        sessionEvents = new AbortController();
        const both = AbortSignal.any([signal, sessionEvents.signal]);
        // An epoch's evaluation is recorded before 'epoch' fires; 'evaluation' with no detail is a reset; progress extends the curves.
        for (const type of ['epoch', 'evaluation', 'progress', 'engine']) session?.addEventListener(type, this.redraw, { signal: both });
        this.schedule();
      };
      host.addEventListener('nn-session', followSession, { signal });
      followSession();
      host.whenReady().catch(() => undefined); // a lazy scope loads now; its failure is its own to show
    }
    this.schedule();
  }

  /** Compares and redraws on the next frame (many events may come in one). */
  private schedule(): void {
    if (this.frame || !this.isConnected) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.refresh();
    });
  }

  private refresh(): void {
    const runs = this.runs;
    this.shown = runs;
    let comparison: RunComparison | undefined;
    let message: { text: string; bad: boolean } | undefined;
    const empty = SLOTS.findIndex((_, i) => !runs[i]);
    const unready = runs.findIndex((run) => run && run.epochs.length === 0);
    if (this.missing.length) message = { text: `There is no <nn-scope id="${this.missing[0]}"> on this page: check for="${this.scopeIds}".`, bad: true };
    else if (empty >= 0) message = { text: `Run ${'AB'[empty]}: name an <nn-scope> in for="…" (A first, then B), or load a saved run (Load run ${'AB'[empty]}…, or drop its file here).`, bad: false };
    else if (unready >= 0) message = { text: `Run ${'AB'[unready]} (${runs[unready]!.name}) has no evaluation yet: it is recorded when an epoch ends.`, bad: false };
    else {
      const [a, b] = runs as [RunEvaluations, RunEvaluations];
      const difference = testSetDifference(a, b);
      if (difference) message = { text: `These runs cannot be compared: they were not evaluated on the same test set (${difference}).`, bad: true };
      else {
        try {
          const same = Math.min(a.epochs.at(-1)!.epoch, b.epochs.at(-1)!.epoch);
          const epochOf = (run: RunEvaluations) => [...run.epochs].reverse().find((e) => e.epoch <= same)?.epoch;
          comparison = compareEvaluations(a, b, this.epochs === 'same' ? { epochA: epochOf(a), epochB: epochOf(b) } : {});
        } catch (error) {
          message = { text: (error as Error).message, bad: true };
        }
      }
    }
    this.message = message;
    // A new comparison only when a run moved to another epoch (progress only extends the curves).
    const key = (x?: RunComparison) => x && [x.a.name, x.a.epoch, x.a.step, x.b.name, x.b.epoch, x.b.step, x.classNames.join()].join('|');
    if (key(comparison) !== key(this.comparison) || this.loadedChanged) {
      this.loadedChanged = false;
      this.comparison = comparison;
      this.dispatchEvent(new CustomEvent('nn-compare', { detail: comparison, bubbles: true, composed: true }));
    }
  }

  private palette(): Palette {
    const style = getComputedStyle(this);
    const get = (name: string) => style.getPropertyValue(name).trim();
    return { fg: get('--_fg'), muted: get('--_muted'), bg: get('--_view-bg'), good: get('--_good'), bad: get('--_bad'), a: get('--_run-a'), b: get('--_run-b') };
  }

  private draw(): void {
    const canvas = (name: string) => this.renderRoot.querySelector<HTMLCanvasElement>(`canvas.${name}`);
    const palette = this.palette();
    const curves = canvas('curves');
    if (curves) drawCurves(curves, this.shown, palette);
    const comparison = this.comparison;
    const bars = canvas('bars');
    const diff = canvas('diff');
    if (comparison && bars && diff) {
      bars.style.height = `${barsHeight(comparison.classNames.length)}px`;
      drawClassDeltas(bars, comparison, palette);
      this.diffLayout = drawConfusionDelta(diff, comparison, this.scale, palette);
    }
  }

  private pick(slot: Slot): void {
    const input = this.renderRoot.querySelector<HTMLInputElement>(`input.file-${slot}`)!;
    input.value = '';
    input.click();
  }

  private picked(slot: Slot, event: Event): void {
    const file = (event.target as HTMLInputElement).files?.[0];
    if (file) void this.loadRun(file, slot).catch(() => undefined);
  }

  private save(slot: Slot): void {
    const run = this.runs[SLOTS.indexOf(slot)];
    if (!run) return;
    try {
      download(new Blob([evaluationsToJson(run)], { type: 'application/json' }), `${run.name.replace(/[^\w.-]+/g, '-')}-evaluations.json`);
    } catch (error) {
      this.fail(error as Error);
    }
  }

  protected override updated(): void {
    this.draw();
  }

  protected override render() {
    const c = this.comparison;
    const [a, b] = this.shown;
    const describe = (slot: Slot, run: RunEvaluations | undefined, at?: { epoch: number; accuracy: number }) => html`
      <span class="key ${slot}"><span aria-hidden="true">${slot === 'a' ? '╌╌' : '━━'}</span> ${slot.toUpperCase()}</span>
      <span>${run ? html`<strong>${run.name}</strong>${run.description ? html` <span class="tick">${run.description}</span>` : nothing}${at ? html` · epoch ${at.epoch}: test accuracy <span class="figure">${percent(at.accuracy)}</span>` : nothing}
        ${this.loaded[slot] ? html` <button class="quiet" @click=${() => this.clearRun(slot)} aria-label="remove the loaded run ${slot.toUpperCase()}">✕</button>` : run?.epochs.length ? html` <button class="quiet small" @click=${() => this.save(slot)} title="save this run's evaluations as a file">Save ${slot.toUpperCase()}</button>` : nothing}` : html`<span class="tick">none yet</span>`}</span>`;
    const group = c?.group;
    return html`
      <div class="card">
        <div class="head">
          <h2>Compare runs: B − A</h2>
          <span style="flex:1"></span>
          <label class="tick">compare<select aria-label="which epochs to compare" .value=${this.epochs} @change=${(e: Event) => (this.epochs = (e.target as HTMLSelectElement).value as 'last' | 'same')}>
            <option value="last">each run's last epoch</option><option value="same">the same epoch</option></select></label>
          ${SLOTS.map((slot) => html`<button class="quiet" @click=${() => this.pick(slot)}>Load run ${slot.toUpperCase()}…</button>
            <input class="file-${slot}" type="file" accept=".json,application/json" hidden aria-label="saved run ${slot.toUpperCase()}" @change=${(e: Event) => this.picked(slot, e)}>`)}
        </div>
        <div class="runs">${describe('a', a, c?.a)}${describe('b', b, c?.b)}</div>
        ${c ? html`<p class="explain">Test accuracy <span class="figure">${percent(c.a.accuracy)} → ${percent(c.b.accuracy)}</span> (<strong class=${c.accuracyDelta >= 0 ? 'ok' : 'bad'}>${signed(100 * c.accuracyDelta)} points</strong>), test loss <span class="figure">${c.a.loss.toFixed(3)} → ${c.b.loss.toFixed(3)}</span>, on the same ${c.classCounts.reduce((s, n) => s + n, 0).toLocaleString('en-US')} test images.</p>` : nothing}
        ${this.fileError ? html`<div class="message bad" role="alert">${this.fileError}</div>` : nothing}
        ${this.message ? html`<div class="message ${this.message.bad ? 'bad' : ''}" role=${this.message.bad ? 'alert' : 'status'}>${this.message.text}</div>` : nothing}
        <canvas class="curves" part="curves" role="img" aria-label=${`training curves overlaid: loss, train and test accuracy of ${a ? `A (${a.name}, dashed)` : 'no run A'} and ${b ? `B (${b.name}, solid)` : 'no run B'}`}></canvas>
        <div class="grid" ?hidden=${!c}>
          <div>
            <h3>Per-class accuracy, B − A</h3>
            <canvas class="bars" part="class-deltas" role="img" aria-label=${c ? `per-class accuracy change, B − A, in points: ${c.classNames.map((n, i) => `${n} ${signed(100 * c.classAccuracyDelta[i])}`).join(', ')}` : 'per-class accuracy change'}></canvas>
          </div>
          <div>
            <h3>Confusion difference, B − A
              <select aria-label="confusion difference in" .value=${this.scale} @change=${(e: Event) => (this.scale = (e.target as HTMLSelectElement).value as 'rates' | 'counts')}>
                <option value="rates">% of each true class</option><option value="counts">images</option></select></h3>
            <canvas class="diff" part="confusion-delta" role="img" aria-label=${c ? `confusion difference B − A, ${this.scale === 'rates' ? 'rates per true class in percentage points' : 'counts of images'}, rows true classes, columns predictions. Largest changes: ${c.largestChanges.map((x) => x.text).join('; ') || 'none'}` : 'confusion difference'}></canvas>
          </div>
        </div>
        ${c ? html`<div class="findings">
          <div><h3>Largest changes (true → predicted, share of the true class)</h3>
            ${c.largestChanges.length ? html`<ol class="changes">${c.largestChanges.map((x) => html`<li><span class=${x.rateDelta > 0 ? 'bad' : 'ok'}>${x.text}</span></li>`)}</ol>` : html`<p class="tick">No off-diagonal cell changed.</p>`}</div>
          <div class="group"><h3>Most confused group (A's top pairs)</h3>
            ${group ? html`<p>${group.names.join(', ')}: mean cosine similarity of their class means
              <span class="figure">A ${group.cosineA.toFixed(3)} → B ${group.cosineB.toFixed(3)}</span> (${signed(group.cosineDelta, 3)}); over all pairs of classes
              <span class="figure">A ${group.allPairsA.toFixed(3)}, B ${group.allPairsB.toFixed(3)}</span>.</p>
              <p class="tick">Class means of ${group.layerA === group.layerB ? group.layerA : `A: ${group.layerA}; B: ${group.layerB}`}. Lower: the network tells them apart more.</p>`
              : html`<p class="tick">A confuses no classes.</p>`}</div>
        </div>` : nothing}
        ${this.drop.dragging ? html`<div class="drop">Drop a saved run (.json)</div>` : nothing}
      </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'nn-compare': NnCompare;
  }
  interface GlobalEventHandlersEventMap {
    'nn-compare': CustomEvent<RunComparison | undefined>;
  }
}
