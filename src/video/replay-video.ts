/**
 * A recorded history as a video: each snapshot exactly one frame, at a chosen frame rate, so the
 * video does not depend on how fast training or the adapter was. Views of their own, on offscreen
 * canvases of a fixed size, bind each snapshot's buffers (weights: the snapshot's tensors; strips:
 * a forward pass of one test image with the snapshot's parameters), as the timeline does.
 */
import type { Scope } from '../app/scope.js';
import { describeNetwork } from '../analysis/compare.js';
import type { HistorySnapshot, TrainingHistory } from '../engine/history.js';
import type { CanvasView } from '../views/canvas-view.js';
import type { ColormapName } from '../views/colormaps.js';
import { cssColor } from '../views/css-color.js';
import { LayerStripsView } from '../views/layer-strips-view.js';
import { WEIGHT_QUANTITIES, WeightsView, type WeightQuantity } from '../views/weights-view.js';
import { FrameComposer, scaleForWidth, type FrameBlock, type FrameColours } from './frame-composer.js';
import { openFrameWriter } from './frame-writer.js';
import { VIDEO_FORMATS, VIDEO_VIEWS, type ExportVideoOptions, type VideoFormat, type VideoView } from './formats.js';

/** The options checked and completed with the element's defaults (videoSettings). */
export interface VideoSettings {
  views: VideoView[];
  fps: number;
  from: number;
  to: number;
  format: VideoFormat;
  quantity: WeightQuantity;
  sample: number;
  width: number;
  /** CSS size of each view's block (the element's own parts' sizes where shown). */
  sizes: Record<VideoView, { width: number; height: number }>;
  colours: FrameColours;
  colormap: ColormapName;
}

export type VideoDefaults = Omit<VideoSettings, 'fps' | 'from' | 'to' | 'format' | 'width'>;

const DEFAULT_FPS = 30;
const DEFAULT_WIDTH = 1280;

/** Checks `options` against the session; a bad value throws a TypeError or RangeError that says what is allowed. */
export function videoSettings(options: ExportVideoOptions, defaults: VideoDefaults, scope: Scope): VideoSettings {
  if (typeof options !== 'object' || options === null) throw new TypeError('exportVideo() takes an options object, e.g. { fps: 30, format: "webm" }.');
  const known = ['views', 'fps', 'from', 'to', 'format', 'quantity', 'sample', 'width', 'signal'];
  const unknown = Object.keys(options).filter((key) => !known.includes(key));
  if (unknown.length) throw new TypeError(`exportVideo() has no option ${unknown.map((k) => `'${k}'`).join(', ')}; it takes ${known.join(', ')}.`);
  const views = options.views ?? defaults.views;
  if (!Array.isArray(views) || views.length === 0 || views.some((v) => !VIDEO_VIEWS.includes(v)) || new Set(views).size !== views.length) {
    throw new RangeError(`views must list one or both of ${VIDEO_VIEWS.map((v) => `'${v}'`).join(' and ')}, each once; got ${JSON.stringify(views)}.`);
  }
  const fps = options.fps ?? DEFAULT_FPS;
  if (typeof fps !== 'number' || !(fps >= 1 && fps <= 120)) throw new RangeError(`fps must be a number from 1 to 120 (frames per second; one snapshot a frame); got ${String(fps)}.`);
  const format = options.format ?? 'webm';
  if (!VIDEO_FORMATS.includes(format)) throw new RangeError(`format must be ${VIDEO_FORMATS.map((f) => `'${f}'`).join(', ')}; got ${JSON.stringify(format)}.`);
  const width = options.width ?? DEFAULT_WIDTH;
  if (!Number.isInteger(width) || width < 320 || width > 3840) throw new RangeError(`width must be a whole number of pixels from 320 to 3840; got ${String(width)}.`);
  const quantity = options.quantity ?? defaults.quantity;
  if (!(quantity in WEIGHT_QUANTITIES)) throw new RangeError(`quantity must be one of ${Object.keys(WEIGHT_QUANTITIES).join(', ')}; got ${JSON.stringify(quantity)}.`);
  if (quantity === 'caches' && scope.engine.config.optimizer.type !== 'adam') throw new RangeError("quantity 'caches' needs the Adam optimizer; this network trains with SGD.");
  const sample = options.sample ?? defaults.sample;
  const count = scope.dataset.test.count;
  if (!Number.isInteger(sample) || sample < 0 || sample >= count) throw new RangeError(`sample must be a test image index from 0 to ${count - 1}; got ${String(sample)}.`);
  const step = (name: 'from' | 'to') => {
    const value = options[name];
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) throw new RangeError(`${name} must be a training step (a whole number ≥ 0); got ${String(value)}.`);
    return value;
  };
  const from = step('from') ?? 0;
  const to = step('to') ?? Number.MAX_SAFE_INTEGER;
  if (from > to) throw new RangeError(`from (step ${from}) must not be after to (step ${to}).`);
  return { ...defaults, views: [...views], fps, format, width, quantity, sample, from, to };
}

/** The snapshots a video shows: those from step `from` to step `to`. */
export function videoSnapshots(history: TrainingHistory | undefined, { from, to }: { from: number; to: number }): HistorySnapshot[] {
  if (!history || history.length === 0) throw new Error('There is no recorded history to make a video of: train first (a snapshot is taken every 16 steps), or open a history file.');
  const chosen = history.snapshots.filter((s) => s.step >= from && s.step <= to);
  if (chosen.length === 0) {
    const steps = history.snapshots.map((s) => s.step);
    throw new RangeError(`No snapshot lies between steps ${from} and ${to}: the history holds steps ${steps[0]} to ${steps.at(-1)}.`);
  }
  return chosen;
}

/** Renders the frames of a history video, one snapshot each, into `composer.canvas`. */
export class ReplayFrames {
  readonly composer: FrameComposer;
  readonly frames: HistorySnapshot[];
  private readonly views: { name: VideoView; view: CanvasView }[] = [];
  private readonly history: TrainingHistory;
  /** The snapshot the weights view's change-since-epoch reference holds. */
  private epochReference?: HistorySnapshot;

  static async create(scope: Scope, settings: VideoSettings): Promise<ReplayFrames> {
    const frames = new ReplayFrames(scope, settings);
    try {
      await frames.build();
      return frames;
    } catch (error) {
      frames.destroy();
      throw error;
    }
  }

  private constructor(private readonly scope: Scope, private readonly settings: VideoSettings) {
    this.history = scope.engine.history!;
    this.frames = videoSnapshots(this.history, settings);
    const sizes = settings.views.map((v) => settings.sizes[v]);
    this.composer = new FrameComposer(sizes, scaleForWidth(sizes, settings.width), settings.colours);
  }

  private async build(): Promise<void> {
    const { device, dictionary, config } = this.scope.engine;
    const scale = this.composer.scale;
    for (const name of this.settings.views) {
      const size = this.settings.sizes[name];
      const canvas = new OffscreenCanvas(Math.round(size.width * scale), Math.round(size.height * scale));
      const view = name === 'weights'
        ? await WeightsView.create(device, canvas, dictionary, config)
        : await LayerStripsView.create(device, canvas, dictionary, config, { classNames: this.scope.dataset.classNames, colormaps: { activated: this.settings.colormap } });
      this.views.push({ name, view });
      view.pixelRatio = scale;
      view.background = cssColor(this.settings.colours.background);
      if (view instanceof WeightsView) {
        dictionary.layers.forEach((_, l) => view.setQuantity(l, this.settings.quantity));
        view.referenceFrom('initial', this.history, this.history.snapshots[0]!); // the change since initialisation, for every frame
      }
    }
  }

  /** The weights view (for tests: where a weight is drawn). */
  get weightsView(): WeightsView | undefined {
    return this.views.find((v) => v.view instanceof WeightsView)?.view as WeightsView | undefined;
  }

  /** Where block `name`'s view starts in the frame, in CSS pixels of the frame (× composer.scale for device pixels). */
  blockOrigin(name: VideoView): { x: number; y: number } {
    return this.composer.origin(this.settings.views.indexOf(name));
  }

  /** Draws frame `k` (snapshot k of `frames`) into composer.canvas; resolves to its caption. */
  async render(k: number): Promise<string> {
    const snapshot = this.frames[k]!;
    if (!this.history.has(snapshot)) throw new Error(`Snapshot at step ${snapshot.step} left the history while the video was made (training ran meanwhile?); export again.`);
    const engine = this.scope.engine;
    await Promise.all(this.views.map(({ view }) => view.idle()));
    let predicted: Promise<Uint32Array> | undefined;
    for (const { view } of this.views) {
      if (view instanceof WeightsView) {
        view.showSnapshot(this.history, snapshot);
        const epochStart = this.epochStart(snapshot);
        if (epochStart !== this.epochReference) view.referenceFrom('epoch', this.history, (this.epochReference = epochStart)); // once an epoch
      } else {
        // Submitted in this task, before the strips' frame: nothing else writes the probe in between.
        predicted = engine.forward([this.settings.sample], { snapshot });
      }
      view.render();
    }
    const [classes] = await Promise.all([predicted, ...this.views.map(({ view }) => view.idle())]);
    const ranges = await Promise.all(this.views.map(({ view }) => view.readRanges())); // the legends' numbers: one read-back each
    const blocks: FrameBlock[] = this.views.map(({ name, view }, i) => ({
      title: this.title(name, classes?.[0]), image: view.canvas, ...this.settings.sizes[name], labels: view.labels, ranges: ranges[i]!,
    }));
    const loss = this.scope.lossAt(snapshot);
    const left = `step ${snapshot.step.toLocaleString('en-US')} · epoch ${snapshot.epoch + 1} · loss ${loss === undefined ? '–' : loss.toFixed(3)}`;
    this.composer.draw(blocks, { left, right: `nnscope · ${describeNetwork(engine.config)}` });
    return left;
  }

  /** The snapshot the epoch of `snapshot` began with (or the first one recorded after it began). */
  private epochStart(snapshot: HistorySnapshot): HistorySnapshot {
    const began = snapshot.step - snapshot.stepInEpoch;
    const snapshots = this.history.snapshots;
    return [...snapshots].reverse().find((s) => s.step <= began) ?? snapshots.find((s) => s.step >= began)!;
  }

  private title(name: VideoView, predicted: number | undefined): string {
    if (name === 'weights') return `Weights · ${WEIGHT_QUANTITIES[this.settings.quantity].title}`;
    const { classNames, test } = this.scope.dataset;
    const className = (c: number) => classNames[c] ?? `class ${c}`;
    const sample = this.settings.sample;
    return `Layer outputs · test image #${sample}: ${className(test.labels[sample]!)}, predicted ${predicted === undefined ? '–' : className(predicted)}`;
  }

  destroy(): void {
    for (const { view } of this.views) view.destroy();
    this.views.length = 0;
  }
}

/**
 * Renders and encodes a history video frame by frame (each frame is encoded before the next is
 * drawn); `onFrame(frame, frames)` after each. The file is dropped if `signal` aborts.
 */
export async function exportReplayVideo(scope: Scope, settings: VideoSettings, onFrame: (frame: number, frames: number) => void, signal?: AbortSignal): Promise<Blob> {
  if (scope.training) throw new Error('Pause training before exporting a video of the history (training thins the history as it records).');
  signal?.throwIfAborted();
  const frames = await ReplayFrames.create(scope, settings);
  let writer;
  try {
    writer = await openFrameWriter(frames.composer.canvas, settings.format, settings.fps);
    const n = frames.frames.length;
    for (let k = 0; k < n; k++) {
      const caption = await frames.render(k);
      signal?.throwIfAborted();
      await writer.add(k / settings.fps, 1 / settings.fps, caption);
      onFrame(k + 1, n);
    }
    return await writer.finish();
  } catch (error) {
    await writer?.cancel();
    throw error;
  } finally {
    frames.destroy();
    // The probe's buffers held the replay: the live strips draw their sample again.
    if (settings.views.includes('strips')) void scope.showSample(scope.sample);
  }
}
