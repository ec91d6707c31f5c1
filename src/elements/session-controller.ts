/**
 * The GPU lifetime of an `<nn-scope>` as a Lit ReactiveController: it loads the data, builds the
 * Scope (engine on the page's shared device), replaces it on a new load, and destroys it when the
 * host leaves the page. It turns the session's events into the host's `nn-*` events, and runs the
 * test-sample animation.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { Scope, type ScopeEpoch, type ScopeProgress } from '../app/scope.js';
import { datasetOptions, namedDataset, networkOf, type ScopeSettings } from '../app/settings.js';
import { sharedDataset, sharedDevice } from '../app/shared.js';
import { demoDataUrl } from '../assets.js';
import type { Dataset } from '../data/dataset.js';
import type { LoadProgress } from '../data/idx.js';

export interface SessionCallbacks {
  /** A line to show while loading, or undefined when done. */
  /** A status line (undefined: none); `progress` while data loads, for a progress bar. */
  status(text: string | undefined, progress?: LoadProgress): void;
  /** Something went wrong; `recoverable` when the session repairs it itself. */
  error(error: Error, recoverable: boolean): void;
}

type Host = ReactiveControllerHost & HTMLElement;

export class SessionController implements ReactiveController {
  /** The running session; undefined while loading or after a failure. */
  session?: Scope;
  loading = false;
  /** Why the last load failed (cleared by the next one). */
  loadError?: Error;
  /**
   * Whether the sample animation runs (it pauses while a picked sample is inspected). With
   * prefers-reduced-motion it starts still; the page's user can still play it.
   */
  samplesPlaying = !(typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches);
  /** Class whose samples the animation and the arrows step through (-1: all). */
  sampleClass = -1;
  private token = 0;
  private ready?: { promise: Promise<Scope>; resolve: (scope: Scope) => void; reject: (error: Error) => void };
  private animation?: { id: ReturnType<typeof setInterval>; rate: number };

  constructor(private readonly host: Host, private readonly callbacks: SessionCallbacks) {
    host.addController(this);
  }

  hostDisconnected(): void {
    this.close();
  }

  /** Resolves with the session when ready; rejects with the reason it could not start. */
  whenReady(): Promise<Scope> {
    if (this.session) return Promise.resolve(this.session);
    if (this.loadError && !this.loading) return Promise.reject(this.loadError);
    this.ready ??= deferred();
    return this.ready.promise;
  }

  /** A failure before any load (e.g. a bad attribute): whenReady() rejects with it. */
  refuse(error: Error): void {
    if (this.session) return;
    this.loadError = error;
    this.ready?.reject(error);
    this.ready = undefined;
  }

  /** Builds a new session for `settings` (on `data`, or the data set at settings.src). */
  async load(settings: ScopeSettings, data?: Dataset): Promise<void> {
    const token = ++this.token;
    this.setSession(undefined);
    this.loading = true;
    this.loadError = undefined;
    const what = settings.src === demoDataUrl() ? 'the Fashion-MNIST demo set' : settings.src;
    this.callbacks.status(`Loading ${what}…`);
    const onProgress = (progress: LoadProgress) => {
      if (token !== this.token) return;
      this.callbacks.status(`Loading ${what}: ${loadedText(progress)}`, progress);
      this.dispatch('nn-load-progress', progress);
    };
    try {
      await sharedDevice(); // no WebGPU: say so before downloading megabytes for nothing
      const dataset = namedDataset(data ?? (await sharedDataset(settings.src, onProgress, datasetOptions(settings))), settings.classNames);
      if (token !== this.token) return;
      this.callbacks.status('Building the network on the GPU…');
      const session = await Scope.create(networkOf(settings), dataset, settings.epochs);
      if (token !== this.token || !this.host.isConnected) return session.destroy();
      this.loading = false;
      this.callbacks.status(undefined);
      this.setSession(session);
      this.dispatch('nn-ready', { engine: session.engine });
      this.ready?.resolve(session);
      this.ready = undefined;
      await session.showSample(session.sample);
    } catch (error) {
      if (token !== this.token) return;
      this.loading = false;
      this.callbacks.status(undefined);
      this.refuse(error as Error);
      this.callbacks.error(error as Error, false);
    }
  }

  /** Stops everything and frees the session's GPU resources (the shared device stays). */
  close(): void {
    this.token++;
    this.loading = false;
    this.setSession(undefined);
    this.animate(0);
  }

  private setSession(session: Scope | undefined): void {
    if (session === this.session) return;
    this.session?.destroy();
    this.session = session;
    if (session) {
      session.addEventListener('progress', (event) => this.dispatch('nn-progress', (event as CustomEvent<ScopeProgress>).detail));
      session.addEventListener('epoch', (event) => this.dispatch('nn-epoch', (event as CustomEvent<ScopeEpoch>).detail));
      session.addEventListener('error', (event) => {
        const { error, recoverable } = (event as CustomEvent<{ error: Error; recoverable: boolean }>).detail;
        this.callbacks.error(error, recoverable);
      });
      session.addEventListener('recovered', (event) => {
        const restoredFrom = (event as CustomEvent<string>).detail;
        this.callbacks.status(`Recovered: a new GPU device, with the parameters of ${restoredFrom}.`);
        this.dispatch('nn-recovered', { restoredFrom, engine: session.engine });
        this.dispatch('nn-session', undefined);
      });
      session.addEventListener('state', () => this.host.requestUpdate());
    }
    this.dispatch('nn-session', undefined); // the parts follow the new session
    this.host.requestUpdate();
  }

  /** Runs the sample animation at `rate` test images per second (0 or paused: still). */
  animate(rate: number): void {
    const wanted = this.session && this.samplesPlaying && rate > 0 ? rate : 0;
    if ((this.animation?.rate ?? 0) === wanted) return;
    clearInterval(this.animation?.id);
    this.animation = undefined;
    if (!wanted) return;
    this.animation = { id: setInterval(() => this.stepSample(1), 1000 / wanted), rate: wanted };
  }

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

  private dispatch(type: string, detail: unknown): void {
    this.host.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }
}

/** "3.2 of 12.1 MB (26%)", or "3.2 MB" while the size is unknown; "decoded 120 of 600 images (20%)" for an image folder. */
export function loadedText({ loaded, total, unit }: LoadProgress): string {
  if (unit === 'images') return `decoded ${loaded} of ${total} images (${Math.floor((100 * loaded) / (total || 1))}%)`;
  const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
  return total ? `${mb(loaded)} of ${mb(total)} MB (${Math.floor((100 * loaded) / total)}%)` : `${mb(loaded)} MB`;
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  promise.catch(() => undefined); // a load failure is also shown and fired as nn-error
  return { promise, resolve, reject };
}
