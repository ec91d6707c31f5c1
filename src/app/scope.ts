/**
 * One training session behind an `<nn-scope>`: the engine on the shared device, the play/pause
 * training loop, evaluation after each epoch, the current test sample, the curves' data, the history
 * replay position, and recovery from a lost device. It knows nothing of the DOM beyond its views'
 * frame loop; elements listen to its events:
 *   progress (ScopeProgress) · epochstart · epoch (ScopeEpoch) · evaluation · drawing (ShownSample: the
 *   strips are about to draw it) · sample (ShownSample: the strips were just drawn with it) · state · replay ·
 *   parameters (replaced on the same engine: reset, import) · engine (the engine was replaced: views
 *   rebuild) · restyle (the page's colours changed) · error ({ error, recoverable }).
 */
import { createEngine, Engine } from '../engine/engine.js';
import { DEFAULT_TRAINING_SHARE } from '../engine/config.js';
import type { Progress } from '../engine/stats.js';
import type { Evaluation } from '../engine/evaluation-pass.js';
import type { HistorySnapshot } from '../engine/history.js';
import type { SaliencyViews } from '../engine/saliency-pass.js';
import { WeightChangeMeter } from '../engine/weight-change.js';
import type { EpochEvaluation } from '../analysis/compare.js';
import { shapeOf, type Dataset } from '../data/dataset.js';
import { CurveData } from './curves.js';
import { ViewLoop } from './view-loop.js';
import { engineOptions, sameNetwork, type NetworkSettings } from './settings.js';
import { sharedDevice } from './shared.js';
import { deviceLost, restoreCheckpoint, takeCheckpoint, type Checkpoint } from './checkpoint.js';
import { SampleProbe } from './sample-probe.js';

/** Steps per engine.step() call: pause takes effect within one call. */
const STEPS_PER_CALL = 64;
/** Parameters are read back for recovery at least this often while training. */
const CHECKPOINT_EVERY_STEPS = 200;
/** Snapshots every 16 steps: a multiple of the chunk, so chunks (and the weight-change curve's intervals) stay 16 steps long. */
const HISTORY = { every: 16, budgetBytes: 128 * 2 ** 20 };

export interface ScopeProgress {
  epoch: number;
  epochs: number;
  step: number;
  stepInEpoch: number;
  stepsPerEpoch: number;
  loss: number;
  accuracy: number;
  samplesPerSecond: number;
  /** Seconds until the last epoch ends at the current throughput. */
  etaSeconds: number;
}

/** The sample the strips show, with the state that produced their frame: every label drawn with it comes from here. */
export interface ShownSample {
  /** Test-set index. */
  index: number;
  /** True class. */
  label: number;
  /** Argmax of the output the strips show: the class that forward pass predicted. */
  predicted: number;
  /** The recorded snapshot the pass ran with, if it replayed one. */
  replay?: HistorySnapshot;
  /** Its saliency for the predicted and the true class (in that order), when `scope.saliency` asked for it. */
  saliency?: SaliencyViews;
}

export interface ScopeEpoch {
  epoch: number;
  loss: number;
  accuracy: number;
  testAccuracy?: number;
  /** Per layer, ‖Wₑ − Wₑ₋₁‖ / ‖Wₑ₋₁‖. */
  weightChange: number[];
}

export class Scope extends EventTarget {
  readonly loop = new ViewLoop();
  readonly curves = new CurveData();
  /** Evaluations of the test set under way (shown while they run: on a slow GPU they take seconds). */
  evaluating = 0;
  /** Last evaluation of the test set (undefined until one ran on the current run). */
  evaluation?: Evaluation;
  /** The evaluation at the end of each epoch of the current run, in order (cleared by reset): what `<nn-compare>` compares. */
  epochEvaluations: EpochEvaluation[] = [];
  /** The recorded snapshot being replayed, if any. */
  replay?: HistorySnapshot;
  /** Set while the device is being replaced. */
  recovering = false;
  /** What the strips show now (undefined before the first forward pass of this engine). */
  shown?: ShownSample;
  /**
   * Pace training while views draw. Off: fixed chunks of stepsPerChunk, as the engine trains
   * without views (the benchmark compares the two).
   */
  pacing = true;
  /** Run the saliency of each shown sample with its forward pass (the strips show it). */
  saliency = false;
  /** The engine whose saliency pass is built (until then samples are drawn without saliency), and the one being built. */
  private saliencyEngine?: Engine;
  private saliencyBuilding?: Engine;
  /** The share of the GPU time training may take while views draw (the rest is theirs); see EngineOptions.trainingShare. */
  trainingShare = DEFAULT_TRAINING_SHARE;
  private engineNow: Engine;
  private meters: { epoch: WeightChangeMeter; chunk: WeightChangeMeter };
  private running?: Promise<void>;
  private stopRequested = false;
  private readonly probe = new SampleProbe((index) => this.forwardAndDraw(index));
  private changeMeasuredAt = 0;
  /** Training was cut by a lost device: recover() starts it again. */
  private resumeAfterRecovery = false;
  private checkpoint?: Checkpoint;
  private checkpointedAt = 0;
  private destroyed = false;
  private lastProgress?: ScopeProgress;
  /** Loss and accuracy sums of the chunks since the last reported interval. */
  private interval: { loss: number; correct: number; samples: number; last?: Progress } = { loss: 0, correct: 0, samples: 0 };

  private constructor(engine: Engine, meters: Scope['meters'], private network: NetworkSettings, readonly dataset: Dataset, public epochs: number) {
    super();
    this.engineNow = engine;
    this.meters = meters;
    this.watchDevice(engine);
  }

  /** Builds the engine for `network` on the page's shared device and uploads `dataset`. */
  static async create(network: NetworkSettings, dataset: Dataset, epochs: number): Promise<Scope> {
    const { engine, meters } = await Scope.build(network, dataset, await sharedDevice());
    return new Scope(engine, meters, network, dataset, epochs);
  }

  private static async build(network: NetworkSettings, dataset: Dataset, device: GPUDevice, checkpoint?: Checkpoint) {
    const engine = await createEngine({ ...engineOptions(network), shape: shapeOf(dataset), device }); // built for the data's shape
    try {
      engine.setData(dataset);
      if (checkpoint) restoreCheckpoint(engine, checkpoint);
      engine.recordHistory(HISTORY);
      const [epoch, chunk] = await Promise.all([WeightChangeMeter.create(device, engine.dictionary), WeightChangeMeter.create(device, engine.dictionary)]);
      return { engine, meters: { epoch, chunk } };
    } catch (error) {
      engine.destroy();
      throw error;
    }
  }

  get engine(): Engine {
    return this.engineNow;
  }

  get settings(): NetworkSettings {
    return this.network;
  }

  get training(): boolean {
    return this.running !== undefined;
  }

  get finished(): boolean {
    return this.engine.epoch >= this.epochs;
  }

  get progress(): ScopeProgress | undefined {
    return this.lastProgress;
  }

  /** Trains until pause() or the last epoch; resolves then. Errors are reported as 'error' events. */
  start(): Promise<void> {
    return this.running ?? this.run(Infinity);
  }

  /** Stops after the current chunk of steps; resolves when training has stopped. */
  async pause(): Promise<void> {
    this.stopRequested = true;
    await this.running;
  }

  /** Runs `n` steps (when not training), crossing epochs like start() does. */
  async step(n: number): Promise<void> {
    if (this.running) throw new Error('step() cannot run while training; pause() first.');
    return this.run(n);
  }

  private run(limit: number): Promise<void> {
    this.stopRequested = false;
    this.replayLive();
    this.running = this.trainLoop(limit).finally(() => {
      this.running = undefined;
      this.emit('state');
    });
    this.emit('state');
    return this.running;
  }

  private async trainLoop(limit: number): Promise<void> {
    let left = limit;
    const started = this.engine;
    try {
      while (!this.stopRequested && !this.destroyed && left > 0 && this.engine.epoch < this.epochs) {
        const engine = this.engine;
        const n = Math.min(STEPS_PER_CALL, left, engine.stepsPerEpoch - engine.stepInEpoch);
        const epoch = engine.epoch;
        if (engine.stepInEpoch === 0) {
          this.meters.epoch.restart();
          this.emit('epochstart', engine.epoch);
        }
        // Paced while views draw: frames then wait at most about two frame intervals behind training,
        // and take at most (1 − trainingShare) of the GPU time.
        const trainingShare = this.trainingShare;
        await engine.step(n, {
          onProgress: (p) => this.onProgress(p), onChunkQueued: (step) => this.measureChunk(step),
          paced: this.pacing && this.loop.drawing, trainingShare, onIdle: () => this.loop.drawBetweenChunks(trainingShare),
        });
        this.reportProgress();
        left -= n;
        if (engine.epoch > epoch) await this.finishEpoch(epoch);
        if (engine.stepCount - this.checkpointedAt >= CHECKPOINT_EVERY_STEPS) await this.saveCheckpoint();
      }
      await this.saveCheckpoint();
    } catch (error) {
      // A lost device can fail the step before device.lost settles: then recover() resumes training.
      if (this.recovering || (await deviceLost(started))) this.resumeAfterRecovery = limit === Infinity && !this.stopRequested;
      else if (!this.destroyed) this.emit('error', { error, recoverable: false });
    }
    this.loop.trainingStopped();
    if (!this.destroyed && !this.recovering && !this.resumeAfterRecovery) await this.showSample(this.sample);
  }

  /**
   * Chunks may be short (paced), but progress and the curves report whole intervals of
   * stepsPerChunk steps (and epoch ends), as they did with fixed chunks: the same curve on any
   * adapter, and no per-step page work on a slow one.
   */
  private onProgress(p: Progress): void {
    const sums = this.interval;
    sums.loss += p.chunkLoss * p.chunkSamples;
    sums.correct += p.chunkAccuracy * p.chunkSamples;
    sums.samples += p.chunkSamples;
    sums.last = p;
    if (p.step % this.engine.config.stepsPerChunk === 0 || p.stepInEpoch === p.stepsPerEpoch) this.reportProgress();
  }

  /** Reports the chunks since the last report as one interval (also at the end of a call: step(3) reports). */
  private reportProgress(): void {
    const { loss: lossSum, correct, samples, last: p } = this.interval;
    if (!p || samples === 0) return;
    const [loss, accuracy] = [lossSum / samples, correct / samples];
    this.interval = { loss: 0, correct: 0, samples: 0 };
    const stepsLeft = (this.epochs - p.epoch) * p.stepsPerEpoch - p.stepInEpoch;
    const samplesLeft = Math.max(0, stepsLeft) * this.network.batchSize;
    this.lastProgress = {
      epoch: p.epoch, epochs: this.epochs, step: p.step, stepInEpoch: p.stepInEpoch, stepsPerEpoch: p.stepsPerEpoch,
      loss, accuracy, samplesPerSecond: p.samplesPerSecond,
      etaSeconds: p.samplesPerSecond > 0 ? samplesLeft / p.samplesPerSecond : Infinity,
    };
    this.curves.addChunk(p.step, loss, accuracy);
    this.emit('progress', this.lastProgress);
  }

  /**
   * The weight change over the last stepsPerChunk steps, measured right behind the chunk that ends
   * at a multiple of it (8 bytes per layer come back). Only whole intervals are plotted: the norm of
   * a change over k steps does not grow like k (noise partly cancels), so intervals of different
   * lengths would not compare. Paced chunks may be shorter, but always end at those multiples.
   */
  private measureChunk(step: number): void {
    const interval = this.engine.config.stepsPerChunk;
    if (step % interval !== 0 || step === this.changeMeasuredAt) return;
    const steps = step - this.changeMeasuredAt;
    this.changeMeasuredAt = step;
    this.meters.chunk.measure().then(
      (change) => steps === interval && this.curves.addChange(step, change.map((c) => c / steps)),
      () => undefined, // the engine was replaced meanwhile
    );
  }

  private async finishEpoch(epoch: number): Promise<void> {
    const weightChange = await this.meters.epoch.measure();
    const stats = this.lastProgress;
    const evaluation = await this.evaluate();
    this.curves.addTest(this.engine.stepCount, evaluation.accuracy);
    this.epochEvaluations.push({ epoch: epoch + 1, step: this.engine.stepCount, evaluation });
    this.emit('epoch', { epoch: epoch + 1, loss: stats?.loss ?? NaN, accuracy: stats?.accuracy ?? NaN, testAccuracy: evaluation.accuracy, weightChange } satisfies ScopeEpoch);
  }

  /** Evaluates the whole test set on the GPU; views of the confusion matrix and class means update. */
  async evaluate(): Promise<Evaluation> {
    this.evaluating++;
    this.emit('state');
    let evaluation: Evaluation;
    try {
      evaluation = await this.engine.evaluate();
    } finally {
      this.evaluating--;
      this.emit('state');
    }
    this.evaluation = evaluation;
    this.emit('evaluation', evaluation);
    return evaluation;
  }

  /**
   * Makes test sample `index` current and runs it through the network (with the replayed snapshot's
   * parameters if one is shown) into the probe's buffers; when the pass is done, the strips draw it
   * and 'sample' fires with what they show, in the same task.
   */
  async showSample(index: number): Promise<void> {
    if (!this.destroyed) await this.probe.show(index, this.dataset.test.count);
  }

  /** Index of the test sample asked for last (`shown` says what the strips show). */
  get sample(): number {
    return this.probe.index;
  }

  private async forwardAndDraw(index: number): Promise<void> {
    if (this.destroyed || this.recovering) return;
    const engine = this.engine;
    const replay = this.running ? undefined : this.replay;
    try {
      // While training goes one chunk at a time, this waits for a gap between chunks (and counts in the views' share).
      await this.loop.betweenChunksOrNow(async () => {
        // Submitted together: the saliency sees the same parameters as the forward pass.
        const [[predicted], saliency] = await Promise.all([
          engine.forward([index], { snapshot: replay }),
          this.saliency && this.saliencyEngine === engine ? engine.saliency(index, { snapshot: replay }) : undefined,
        ]);
        if (this.saliency && this.saliencyEngine !== engine) this.prepareSaliency(engine);
        // The strips' last frame must be done before the new one goes, with its labels, in this task.
        await this.loop.manualIdle();
        if (this.destroyed || this.recovering || engine !== this.engine) return;
        this.shown = { index, label: this.dataset.test.labels[index], predicted, replay, saliency };
        this.emit('drawing', this.shown);
        this.loop.drawManual();
        this.emit('sample', this.shown);
        await this.loop.manualIdle();
      });
    } catch (error) {
      if (!this.recovering && !this.destroyed) this.emit('error', { error, recoverable: false });
    }
  }

  /** Builds `engine`'s saliency pass without holding the strips up, then shows the current sample again with it. */
  private prepareSaliency(engine: Engine): void {
    if (this.saliencyBuilding === engine) return;
    this.saliencyBuilding = engine;
    engine.prepareSaliency().then(() => {
      if (engine !== this.engine || this.destroyed) return;
      this.saliencyEngine = engine;
      void this.showSample(this.sample);
    }, (error) => {
      if (engine === this.engine && !this.destroyed && !this.recovering) this.emit('error', { error, recoverable: false });
    });
  }

  /** Replays snapshot `snapshot` of the history (undefined: live weights). */
  setReplay(snapshot: HistorySnapshot | undefined): void {
    if (this.running && snapshot) return; // the live run owns the views while training
    this.replay = snapshot;
    this.emit('replay', snapshot);
    void this.showSample(this.sample);
  }

  private replayLive(): void {
    if (this.replay) this.setReplay(undefined);
  }

  /**
   * Starts again: a new engine for `network` (the same settings give the same initial weights),
   * empty curves, no evaluation. Views rebuild on 'engine'.
   */
  async reset(network: NetworkSettings = this.network, epochs = this.epochs): Promise<void> {
    await this.pause();
    this.epochs = epochs;
    if (sameNetwork(network, this.network) && !this.engine.history?.imported) {
      this.engine.reset(network.seed);
      this.parametersReplaced();
      this.afterRestart();
    } else {
      await this.replaceEngine(await sharedDevice(), network);
      this.afterRestart();
    }
    await this.showSample(this.sample);
  }

  /** New parameters on the same engine: measurements and the weights views take them as the reference. */
  private parametersReplaced(): void {
    this.meters.epoch.restart();
    this.meters.chunk.restart();
    this.changeMeasuredAt = this.engine.stepCount;
    this.emit('parameters');
  }

  private afterRestart(): void {
    this.curves.clear();
    this.evaluation = undefined;
    this.epochEvaluations = [];
    this.replay = undefined;
    this.checkpoint = undefined;
    this.checkpointedAt = 0;
    this.lastProgress = undefined;
    this.interval = { loss: 0, correct: 0, samples: 0 };
    this.emit('replay', undefined);
    this.emit('evaluation', undefined);
    this.emit('state');
  }

  /** The recorded history as a safetensors file. */
  async exportHistory(): Promise<Uint8Array<ArrayBuffer>> {
    const history = this.engine.history;
    if (!history || history.length === 0) throw new Error('There is no recorded history yet: train first (snapshots are taken every 16 steps).');
    return history.exportSafetensors((step) => this.curves.lossAt(step));
  }

  /** The training loss at a snapshot of the history: recorded with it (an imported history), or from this run's curves. */
  lossAt(snapshot: HistorySnapshot): number | undefined {
    return snapshot.loss ?? (this.engine.history?.imported ? undefined : this.curves.lossAt(snapshot.step));
  }

  /**
   * Replaces the parameters with a safetensors file's (nnscope's own, or a PyTorch MLP state dict);
   * a bad file throws and leaves the model as it was.
   */
  async importWeights(file: Blob | Uint8Array, name = file instanceof File ? file.name : 'the file'): Promise<'nnscope' | 'pytorch'> {
    if (this.running) throw new Error('Pause training before importing weights.');
    const bytes = file instanceof Uint8Array ? file : new Uint8Array(await file.arrayBuffer());
    const format = this.engine.importParameters(bytes, name);
    this.parametersReplaced();
    // The recorded epochs describe the old model: a comparison must not mix two models in one run.
    this.epochEvaluations = [];
    this.evaluation = undefined;
    this.emit('evaluation', undefined);
    await this.saveCheckpoint();
    await this.showSample(this.sample);
    return format;
  }

  /** Replaces the recorded history with one exported earlier (for replay). */
  importHistory(bytes: Uint8Array, name = 'the file'): void {
    if (this.running) throw new Error('Pause training before importing a history.');
    this.replay = undefined;
    this.engine.importHistory(bytes, name);
    this.emit('replay', undefined);
    this.emit('state');
  }

  private async saveCheckpoint(): Promise<void> {
    this.checkpoint = await takeCheckpoint(this.engine);
    this.checkpointedAt = this.checkpoint.stepCount;
  }

  private watchDevice(engine: Engine): void {
    engine.device.lost.then((info) => {
      if (this.engine === engine && !this.destroyed) void this.recover(info.message || info.reason);
    });
  }

  /** A lost device: a new one, the same network, the last checkpoint's parameters; training resumes. */
  private async recover(reason: string): Promise<void> {
    const wasTraining = (this.training && !this.stopRequested) || this.resumeAfterRecovery;
    this.recovering = true;
    const at = this.checkpoint ? `step ${this.checkpoint.stepCount}` : 'the initial weights';
    this.emit('error', { error: new Error(`The GPU device was lost (${reason}); restoring the parameters of ${at} on a new device.`), recoverable: true });
    try {
      await this.running?.catch(() => undefined);
      await this.replaceEngine(await sharedDevice(), this.network, this.checkpoint);
      this.recovering = false;
      this.resumeAfterRecovery = false;
      this.emit('recovered', at);
      await this.showSample(this.sample);
      if (wasTraining) void this.start();
    } catch (error) {
      this.recovering = false;
      this.emit('error', { error: new Error(`The GPU device was lost and could not be replaced: ${(error as Error).message}`), recoverable: false });
    }
  }

  private async replaceEngine(device: GPUDevice, network: NetworkSettings, checkpoint?: Checkpoint): Promise<void> {
    const { engine, meters } = await Scope.build(network, this.dataset, device, checkpoint);
    const old = { engine: this.engineNow, meters: this.meters };
    this.engineNow = engine;
    this.meters = meters;
    this.network = network;
    this.changeMeasuredAt = engine.stepCount;
    this.replay = undefined;
    this.shown = undefined;
    this.watchDevice(engine);
    this.emit('engine'); // views drop their old resources at once, then rebuild on the new engine
    destroyAll(old.engine, old.meters);
  }

  private emit(type: string, detail?: unknown): void {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  /** Stops training and frees every GPU resource of the session (the shared device stays). */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.stopRequested = true;
    this.loop.stop();
    const { engine, meters } = this;
    // A chunk may still be in flight: free the buffers once it has settled.
    void (this.running ?? Promise.resolve()).catch(() => undefined).then(() => destroyAll(engine, meters));
  }
}

function destroyAll(engine: Engine, meters: { epoch: WeightChangeMeter; chunk: WeightChangeMeter }): void {
  meters.epoch.destroy();
  meters.chunk.destroy();
  engine.destroy();
}
