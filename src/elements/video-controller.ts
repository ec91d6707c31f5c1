/**
 * The videos of an `<nn-scope>`: exporting the recorded history frame by frame (exportVideo), and
 * recording the views live (startRecording / stopRecording), with the state the controls show
 * (frames done, an ETA, cancel). One video at a time. Fires `nn-video-progress` { frame, frames }
 * on the element after each exported frame, and `nn-video-state` when a video starts or ends.
 */
import type { ReactiveController } from 'lit';
import type { Scope } from '../app/scope.js';
import { VIEW_LABELS, type ViewName } from '../app/settings.js';
import { describeNetwork } from '../analysis/compare.js';
import type { FrameColours } from '../video/frame-composer.js';
import { VIDEO_VIEWS, type ExportVideoOptions, type VideoFormat, type VideoView } from '../video/formats.js';
import type { LiveRecorder, LiveSource } from '../video/live-recorder.js';
import type { VideoDefaults } from '../video/replay-video.js';
import type { CanvasView } from '../views/canvas-view.js';
import type { NnScope } from './nn-scope.js';
import type { NnWeights } from './nn-weights.js';

/** What the controls show of the video being made. */
export interface VideoJob {
  kind: 'export' | 'record';
  format: VideoFormat;
  /** Frames done, and (exports) frames in all. */
  frame: number;
  frames?: number;
  /** performance.now() when it began. */
  started: number;
}

/** A view's block size when its part is not on screen (CSS pixels: the parts' default size). */
const DEFAULT_SIZE = { width: 960, height: 400 };
/** The views a live recording takes, top to bottom, when shown. */
const LIVE_VIEWS = ['strips', 'weights', 'confusion', 'class-means', 'batch'] as const;

export class VideoController implements ReactiveController {
  job?: VideoJob;
  private abort?: AbortController;
  private recorder?: LiveRecorder;

  constructor(private readonly host: NnScope) {
    host.addController(this);
  }

  hostDisconnected(): void {
    this.abort?.abort();
    void this.recorder?.cancel();
    this.finish();
  }

  /** Renders the history to a video file; see ExportVideoOptions. */
  async exportVideo(options: ExportVideoOptions = {}): Promise<Blob> {
    const session = await this.host.whenReady();
    // The video code (and its muxer) loads with the first video.
    const { exportReplayVideo, videoSettings } = await import('../video/replay-video.js');
    const settings = videoSettings(options, this.defaults(session), session);
    this.assertIdle();
    const abort = (this.abort = new AbortController());
    const stopWith = () => abort.abort(options.signal!.reason);
    options.signal?.addEventListener('abort', stopWith, { once: true });
    this.begin({ kind: 'export', format: settings.format, frame: 0, started: performance.now() });
    try {
      return await exportReplayVideo(session, settings, (frame, frames) => {
        this.job = { ...this.job!, frame, frames };
        this.emit('nn-video-progress', { frame, frames });
      }, abort.signal);
    } finally {
      options.signal?.removeEventListener('abort', stopWith);
      this.abort = undefined;
      this.finish();
    }
  }

  /** Starts recording the shown views as they draw (while training or the sample animation runs). */
  async startRecording({ format = 'webm' }: { format?: VideoFormat } = {}): Promise<void> {
    const session = await this.host.whenReady();
    this.assertIdle();
    const sources = this.liveSources();
    this.begin({ kind: 'record', format, frame: 0, started: performance.now() });
    try {
      const { LiveRecorder } = await import('../video/live-recorder.js');
      this.recorder = await LiveRecorder.start(session.loop, sources, {
        format, colours: this.colours(),
        caption: () => {
          const p = session.progress;
          const left = p ? `step ${p.step.toLocaleString('en-US')} · epoch ${p.epoch + 1} · loss ${p.loss.toFixed(3)}` : `step ${session.engine.stepCount}`;
          return { left, right: `nnscope · ${describeNetwork(session.engine.config)} · live` };
        },
      });
    } catch (error) {
      this.finish();
      throw error;
    }
  }

  /** Stops recording: resolves to the video. */
  async stopRecording(): Promise<Blob> {
    const recorder = this.recorder;
    if (!recorder) throw new Error('No recording is running: call startRecording() first.');
    this.recorder = undefined;
    try {
      return await recorder.stop();
    } finally {
      this.finish();
    }
  }

  /** Frames recorded so far (live), for the controls. */
  get recordedFrames(): number {
    return this.recorder?.frames ?? 0;
  }

  /** Cancels the export or recording under way (an export then rejects with an AbortError). */
  cancel(): void {
    this.abort?.abort(new DOMException('The video export was cancelled.', 'AbortError'));
    const recorder = this.recorder;
    this.recorder = undefined;
    if (recorder) void recorder.cancel().finally(() => this.finish());
  }

  /** The file name of a video of this session. */
  fileName(format: VideoFormat, kind: 'history' | 'live', session: Scope): string {
    const extension = format === 'png-zip' ? 'zip' : format;
    return `nnscope-${kind}-step${session.engine.stepCount}.${extension}`;
  }

  private assertIdle(): void {
    if (this.job) throw new Error(`A video is being ${this.job.kind === 'export' ? 'exported' : 'recorded'} already: wait for it or cancel it first.`);
  }

  private begin(job: VideoJob): void {
    this.job = job;
    this.emit('nn-video-state', { ...job });
  }

  private finish(): void {
    if (!this.job) return;
    this.job = undefined;
    this.emit('nn-video-state', undefined);
  }

  private emit(type: string, detail: unknown): void {
    this.host.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
    this.host.requestUpdate();
  }

  /** The element's parts decide what an export shows by default: its views, their sizes, quantity and sample. */
  private defaults(session: Scope): VideoDefaults {
    const shown = VIDEO_VIEWS.filter((name) => this.part(name));
    const size = (name: VideoView) => this.canvasSize(name) ?? DEFAULT_SIZE;
    return {
      views: shown.length ? shown : ['weights'],
      sizes: { weights: size('weights'), strips: size('strips') },
      quantity: (this.part('weights') as NnWeights | undefined)?.shownQuantity ?? 'weights',
      sample: session.sample,
      colours: this.colours(),
      colormap: this.host.settings?.colormap ?? 'viridis',
    };
  }

  /** The shown parts' views, at their size on the page. */
  private liveSources(): LiveSource[] {
    return LIVE_VIEWS.flatMap((name) => {
      const part = this.part(name);
      const size = this.canvasSize(name);
      return part?.view && size ? [{ view: () => part.view, ...size, title: VIEW_LABELS[name] }] : [];
    });
  }

  /** The element's own part showing view `name`, if shown. */
  private part(name: ViewName): (HTMLElement & { view?: CanvasView }) | undefined {
    return this.host.renderRoot.querySelector<HTMLElement & { view?: CanvasView }>(`nn-${name}`) ?? undefined;
  }

  /** The CSS size of that part's canvas, if it is laid out. */
  private canvasSize(name: ViewName): { width: number; height: number } | undefined {
    const canvas = this.part(name)?.shadowRoot?.querySelector('canvas.gpu');
    return canvas && canvas.clientWidth > 0 ? { width: canvas.clientWidth, height: canvas.clientHeight } : undefined;
  }

  private colours(): FrameColours {
    const style = getComputedStyle(this.host);
    const read = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
    return { background: read('--_view-bg', '#ffffff'), foreground: read('--_fg', '#1d2330'), muted: read('--_muted', '#5f6779') };
  }
}

