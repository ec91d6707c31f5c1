/**
 * Live recording: the views as the page draws them, while training or the sample animation runs.
 * After each frame a view draws, the visible views are composed into one video frame, stamped
 * with the time since recording began (the frames actually drawn, at their own pace) and encoded
 * at once. A frame that comes while the encoder is still busy is skipped (counted in `skipped`),
 * so recording never holds training or the page up, and memory stays bounded.
 */
import type { ViewLoop } from '../app/view-loop.js';
import type { CanvasView } from '../views/canvas-view.js';
import { FrameComposer, scaleForWidth, type FrameBlock, type FrameColours } from './frame-composer.js';
import { openFrameWriter, type FrameWriter } from './frame-writer.js';
import type { VideoFormat } from './formats.js';

/** A part of the page to record: its view now (rebuilt views are followed), at its CSS size when recording began. */
export interface LiveSource {
  title: string;
  view: () => CanvasView | undefined;
  width: number;
  height: number;
}

export interface LiveRecordingOptions {
  format: VideoFormat;
  colours: FrameColours;
  /** The caption of the frame being taken: `left` bold, `right` muted. */
  caption: () => { left: string; right: string };
  /** Frame width limit in pixels (default 1920). */
  maxWidth?: number;
}

/** A frame's nominal duration: the next frame's time decides how long it shows. */
const NOMINAL_DURATION = 1 / 30;
/** The containers keep times in milliseconds: frames closer than this would share one. */
const MIN_GAP = 0.002;

export class LiveRecorder {
  /** Frames written, and frames skipped while the encoder was busy. */
  frames = 0;
  skipped = 0;
  private readonly started = performance.now();
  private pending?: Promise<void>;
  private failure?: unknown;
  private scheduled = false;
  private lastTime = -Infinity;
  /** Each source's last drawn frame, copied when it was drawn. */
  private readonly copies = new Map<LiveSource, OffscreenCanvas>();
  private readonly stopListening: () => void;

  static async start(loop: ViewLoop, sources: LiveSource[], options: LiveRecordingOptions): Promise<LiveRecorder> {
    if (sources.length === 0) throw new Error('There is no view on screen to record: show the layer outputs or the weights first.');
    const scale = Math.min(typeof devicePixelRatio === 'number' ? devicePixelRatio : 1, scaleForWidth(sources, options.maxWidth ?? 1920));
    const composer = new FrameComposer(sources, scale, options.colours);
    const writer = await openFrameWriter(composer.canvas, options.format);
    return new LiveRecorder(loop, sources, composer, writer, options);
  }

  private constructor(
    private readonly loop: ViewLoop,
    private readonly sources: LiveSource[],
    private readonly composer: FrameComposer,
    private readonly writer: FrameWriter,
    private readonly options: LiveRecordingOptions,
  ) {
    this.stopListening = loop.onFrame((view) => this.frameDrawn(view));
  }

  /** Seconds since recording began. */
  get seconds(): number {
    return (performance.now() - this.started) / 1000;
  }

  private frameDrawn(view: CanvasView): void {
    const source = this.sources.find((s) => s.view() === view);
    if (!source) return;
    // Copied now, in the task that drew it: a WebGPU canvas is read reliably only before it is
    // presented (later, Chrome may give a blank picture).
    const { width, height } = view.canvas;
    let copy = this.copies.get(source);
    if (copy?.width !== width || copy.height !== height) this.copies.set(source, (copy = new OffscreenCanvas(width, height)));
    copy.getContext('2d')!.drawImage(view.canvas, 0, 0);
    // Several views draw in one task: one video frame after them all (before any draws again).
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.take();
    });
  }

  private take(): void {
    const time = this.seconds;
    if (this.pending || this.failure || time - this.lastTime < MIN_GAP) {
      this.skipped++;
      return;
    }
    this.lastTime = time;
    const blocks: FrameBlock[] = this.sources.map((s) => {
      const view = s.view();
      return { title: s.title, image: this.copies.get(s), width: s.width, height: s.height, labels: view?.labels ?? [], ranges: view ? this.loop.rangesOf(view) : [] };
    });
    try {
      this.composer.draw(blocks, this.options.caption());
    } catch (error) {
      this.failure = error; // stop() reports it
      return;
    }
    this.frames++;
    this.pending = this.writer.add(time, NOMINAL_DURATION).then(
      () => (this.pending = undefined),
      (error) => (this.failure = error),
    );
  }

  /** Ends the recording: resolves to the file (rejects if encoding failed). */
  async stop(): Promise<Blob> {
    this.stopListening();
    await this.pending;
    if (this.failure) {
      await this.writer.cancel();
      throw this.failure;
    }
    return this.writer.finish();
  }

  /** Ends the recording and drops it. */
  async cancel(): Promise<void> {
    this.stopListening();
    await this.pending;
    await this.writer.cancel();
  }
}
