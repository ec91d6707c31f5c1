/**
 * The engine: trains an MLP entirely on the GPU. The host only encodes chunks of steps and reads
 * a few bytes of statistics back asynchronously per chunk, never inside the step loop.
 */
import { shapeText, type Dataset } from '../data/dataset.js';
import { BufferOwner } from '../gpu/buffers.js';
import { requestDevice } from '../gpu/device.js';
import { historyFromSafetensors } from '../io/history-file.js';
import { parametersFromSafetensors, parametersToSafetensors } from '../io/parameters-file.js';
import { ConfigError, resolveConfig, type EngineConfig, type EngineOptions } from './config.js';
import { TrainingDictionary, type LayerTensors } from './dictionary.js';
import { EvaluationPass, type Evaluation } from './evaluation-pass.js';
import { GpuImageSet } from './gpu-data.js';
import { TrainingHistory, type HistoryOptions, type HistorySnapshot, type SnapshotPosition } from './history.js';
import { fansOf } from './layers.js';
import { batchCapacity, checkDeviceLimits } from './limits.js';
import { ChunkPacer } from './chunk-pacer.js';
import { deriveSeed, initialWeights, shuffledOrder } from './random.js';
import { summarize, TrainingDivergedError, type EpochStats, type StepStats, type TrainOptions } from './stats.js';
import { CONTROL_BYTES, decodeStats, STATS_BYTES, TrainingPass, type ChunkStats } from './training-pass.js';
import { SaliencyPass, type SaliencyClass, type SaliencyValues, type SaliencyViews } from './saliency-pass.js';

export { TrainingDivergedError } from './stats.js';
export type { EpochStats, Progress, StepStats, TrainOptions } from './stats.js';
export type { SaliencyClass, SaliencyValues, SaliencyViews } from './saliency-pass.js';

export interface ForwardOptions {
  /** Which split the sample indices refer to. Default 'test'. */
  split?: 'test' | 'train';
  /** Run with this snapshot's parameters (one of engine.history.snapshots) instead of the live ones. */
  snapshot?: HistorySnapshot;
}

export interface SaliencyOptions {
  /** The classes to explain, side by side (1–16): class numbers, 'predicted', 'true'. Default ['predicted', 'true']. */
  classes?: readonly SaliencyClass[];
  /** Which split the sample indices refer to. Default 'test'. */
  split?: 'test' | 'train';
  /** engine.saliency only: with this snapshot's parameters (one of engine.history.snapshots), as forward() takes it. */
  snapshot?: HistorySnapshot;
}

/** Chunks queued at most before the host waits for the oldest one's statistics (unpaced). */
const CHUNKS_QUEUED = 3;

/** A chunk's statistics and halt state, and when they came back (performance.now() ms). */
interface ChunkResult {
  stats: ChunkStats;
  completed: number;
}

/**
 * Creates an engine; requests a WebGPU device unless `options.device` is given.
 * @example
 * const engine = await createEngine({ layers: [128, 128], optimizer: { type: 'sgd', learningRate: 0.01, momentum: 0.9 } });
 * engine.setData(await loadFashionMnist());
 * const { loss, accuracy } = await engine.trainEpoch();
 */
export async function createEngine(options: EngineOptions = {}): Promise<Engine> {
  resolveConfig(options); // bad options fail before a device is requested
  const device = options.device ?? (await requestDevice());
  const config = resolveConfig(options, device.adapterInfo);
  checkDeviceLimits(config, device.limits);
  const dictionary = new TrainingDictionary(device, config, batchCapacity(config));
  try {
    const [training, evaluation] = await Promise.all([
      TrainingPass.create(device, config, dictionary),
      EvaluationPass.create(device, config, dictionary),
    ]);
    return new Engine(device, config, dictionary, training, evaluation, !options.device);
  } catch (error) {
    dictionary.destroy();
    throw error;
  }
}

export class Engine {
  /** Completed epochs. */
  epoch = 0;
  /** Steps done in the current epoch. */
  stepInEpoch = 0;
  /** Updates applied since initialisation. */
  stepCount = 0;
  private data?: { dataset: Dataset; train: GpuImageSet; test: GpuImageSet };
  private recorded?: TrainingHistory;
  private readonly staging: BufferOwner;
  /** Sizes paced chunks from the GPU time per step measured so far. */
  private readonly pacer: ChunkPacer;
  private busy = false;
  private destroyed = false;
  /** Built on the first saliency call (its buffers and pipelines cost nothing until then). */
  private saliencyBuild?: Promise<SaliencyPass>;
  private saliencyBuilt?: SaliencyPass;
  private lost?: string;

  constructor(
    readonly device: GPUDevice,
    readonly config: EngineConfig,
    /** Every tensor, as bindable GPU buffer ranges (see TrainingDictionary). */
    readonly dictionary: TrainingDictionary,
    private readonly training: TrainingPass,
    private readonly evaluation: EvaluationPass,
    private readonly ownsDevice: boolean,
  ) {
    this.staging = new BufferOwner(device, 'Engine.staging');
    this.pacer = new ChunkPacer(config.stepsPerChunk);
    device.lost.then((info) => {
      if (!this.destroyed) this.lost = info.message || info.reason;
    });
    this.initializeParameters(config.seed);
  }

  /** Uploads the data set (bytes, once); training continues from the current parameters. */
  setData(dataset: Dataset): void {
    this.assertUsable();
    const shape = this.config.shape;
    if (dataset.classNames.length > 0 && dataset.classNames.length !== shape.classes) { // unnamed classes: the labels are checked
      throw new ConfigError('data', `The data has ${dataset.classNames.length} classes; this network was built for ${shape.classes}. ` +
        'Build the network for the data: createEngine({ shape: shapeOf(dataset) }).');
    }
    const train = new GpuImageSet(this.device, dataset.train, 'train', shape);
    let test: GpuImageSet;
    try {
      test = new GpuImageSet(this.device, dataset.test, 'test', shape);
    } catch (error) {
      train.destroy();
      throw error;
    }
    if (this.data) {
      this.evaluation.forgetSet(this.data.train);
      this.evaluation.forgetSet(this.data.test);
      this.data.train.destroy();
      this.data.test.destroy();
    }
    this.data = { dataset, train, test };
    this.training.bindData(train);
    this.evaluation.bindData(test);
    this.stepInEpoch = 0;
  }

  /** GPU milliseconds per training step, measured from chunk completions; undefined before the first chunk. */
  get msPerStep(): number | undefined {
    return this.pacer.msPerStep;
  }

  /** Steps per epoch over the current training set. */
  get stepsPerEpoch(): number {
    return this.training.stepsPerEpoch(this.requireData().train.count);
  }

  /** Trains until the end of the current epoch (a whole epoch when at its start). */
  async trainEpoch(options: TrainOptions = {}): Promise<EpochStats> {
    const epoch = this.epoch;
    const stats = await this.step(this.stepsPerEpoch - this.stepInEpoch, options);
    return { ...stats, epoch };
  }

  /** Runs `n` training steps, crossing epoch boundaries (each epoch gets a fresh seeded shuffle). */
  async step(n: number, { onProgress, onChunkQueued, paced = false, onIdle, trainingShare = this.config.trainingShare }: TrainOptions = {}): Promise<StepStats> {
    this.assertUsable();
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`step(n) takes a whole number of steps ≥ 0, got ${n}.`);
    const data = this.requireData();
    if (this.busy) throw new Error('The engine is already training; await the running call first.');
    this.busy = true;
    const total = { lossSum: 0, correct: 0, samples: 0 };
    const started = performance.now();
    const firstStep = this.stepCount;
    const pending: { read: Promise<ChunkResult>; submitted: number; steps: number; epoch: number; stepInEpoch: number; step: number }[] = [];
    const settle = async () => {
      const chunk = pending.shift()!;
      const { stats, completed } = await chunk.read;
      this.pacer.completed(chunk.steps, chunk.submitted, completed);
      const { lossSum, correct, count, halted, badStep } = stats;
      if (halted) {
        this.rewindTo(badStep!);
        throw new TrainingDivergedError(badStep!, halted === 1 ? 'loss' : 'update');
      }
      total.lossSum += lossSum;
      total.correct += correct;
      total.samples += count;
      onProgress?.({
        ...summarize(total, chunk.step - firstStep, started),
        epoch: chunk.epoch, stepInEpoch: chunk.stepInEpoch, stepsPerEpoch: this.stepsPerEpoch, step: chunk.step,
        chunkLoss: lossSum / count, chunkAccuracy: correct / count, chunkSamples: count,
      });
    };
    try {
      let remaining = n;
      while (remaining > 0) {
        if (paced && onIdle && pending.length === 0 && remaining < n) await onIdle();
        if (this.stepInEpoch === 0) this.beginEpoch(data.train.count);
        // A chunk ends where a history snapshot is due, so the copy sees exactly that step's state.
        const due = this.recorder?.stepsUntilDue(this.stepCount) ?? Infinity;
        const { stepsPerChunk } = this.config;
        const aligned = stepsPerChunk - (this.stepCount % stepsPerChunk); // multiples of stepsPerChunk stay boundaries
        const steps = Math.min(remaining, paced ? this.pacer.steps(trainingShare) : stepsPerChunk, aligned, this.stepsPerEpoch - this.stepInEpoch, due);
        const firstSlot = this.stepInEpoch;
        const endsEpoch = firstSlot + steps === this.stepsPerEpoch;
        const after = { step: this.stepCount + steps, epoch: this.epoch + (endsEpoch ? 1 : 0), stepInEpoch: endsEpoch ? 0 : firstSlot + steps };
        pending.push({ read: this.submitChunk(firstSlot, steps, after), submitted: performance.now(), steps, epoch: this.epoch, stepInEpoch: firstSlot + steps, step: after.step });
        remaining -= steps;
        this.stepCount = after.step;
        this.epoch = after.epoch;
        this.stepInEpoch = after.stepInEpoch;
        onChunkQueued?.(after.step);
        const queued = paced ? this.pacer.inFlight(steps) : CHUNKS_QUEUED;
        while (pending.length >= queued) await settle();
      }
      while (pending.length > 0) await settle();
    } finally {
      await Promise.allSettled(pending.map((p) => p.read));
      this.busy = false;
    }
    return summarize(total, this.stepCount - firstStep, started);
  }

  /** After a halt at `badStep`: the counters go back to the updates actually applied, and later snapshots go. */
  private rewindTo(badStep: number): void {
    const perEpoch = this.stepsPerEpoch;
    const position = Math.max(0, this.epoch * perEpoch + this.stepInEpoch - (this.stepCount - badStep));
    this.stepCount = badStep;
    this.epoch = Math.floor(position / perEpoch);
    this.stepInEpoch = position % perEpoch;
    this.recorder?.dropAfter(badStep);
  }

  /** Where training stands (the counters after the last submitted chunk). */
  private position(): SnapshotPosition {
    return { step: this.stepCount, epoch: this.epoch, stepInEpoch: this.stepInEpoch };
  }

  /** Writes the epoch's shuffled order and step table before its first chunk. */
  private beginEpoch(count: number): void {
    const order = shuffledOrder(count, deriveSeed(this.config.seed, 1000 + this.epoch));
    const b = this.config.batchSize;
    const positions = Array.from({ length: this.stepsPerEpoch }, (_, k) => ({ step: this.stepCount + k, cursor: k * b, count }));
    this.training.writeEpoch(order, positions);
  }

  /** Encodes and submits `steps` steps (and a snapshot, if one is due at `after`); resolves to the chunk's Stats + Control words. */
  private submitChunk(firstSlot: number, steps: number, after: SnapshotPosition): Promise<ChunkResult> {
    this.dictionary.revision++;
    const encoder = this.device.createCommandEncoder({ label: 'Engine.chunk' });
    const pass = encoder.beginComputePass({ label: 'Engine.chunk' });
    for (let k = 0; k < steps; k++) this.training.encodeStep(pass, firstSlot + k);
    pass.end();
    this.recorder?.record(encoder, after); // queue order: it copies exactly the state after this chunk
    const staging = this.staging.create('stats', STATS_BYTES + CONTROL_BYTES, GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ);
    encoder.copyBufferToBuffer(this.training.stats, 0, staging, 0, STATS_BYTES);
    encoder.copyBufferToBuffer(this.training.control, 0, staging, STATS_BYTES, CONTROL_BYTES);
    encoder.clearBuffer(this.training.stats);
    this.device.queue.submit([encoder.finish()]);
    return staging.mapAsync(GPUMapMode.READ).then(
      () => {
        const stats = decodeStats(staging.getMappedRange().slice(0));
        this.staging.release(staging);
        return { stats, completed: performance.now() };
      },
      (error) => {
        this.staging.release(staging);
        throw this.lost ? new Error(`The GPU device was lost: ${this.lost}`) : error;
      },
    );
  }

  /** Classifies the whole test set on the GPU. */
  async evaluate({ onProgress }: { onProgress?: (done: number, total: number) => void } = {}): Promise<Evaluation> {
    this.assertUsable();
    this.requireData();
    return this.evaluation.evaluate(onProgress);
  }

  /**
   * Runs the network on up to PROBE_ROWS samples (of the test split unless `split` is 'train'),
   * filling the probe's buffers (dictionary.probe: input, per layer rawOutputs and outputs, row i for
   * sample i), and resolves to each sample's predicted class when the GPU is done. Training never
   * writes those buffers, so it may run meanwhile (the probe sees the parameters of the chunks
   * queued before it). With a `snapshot` of engine.history it runs with that snapshot's parameters;
   * the live ones stay as they are.
   * @example const [predicted] = await engine.forward([7], { snapshot: engine.history!.snapshots[0] });
   */
  forward(sampleIndices: ArrayLike<number>, { split = 'test', snapshot }: ForwardOptions = {}): Promise<Uint32Array> {
    this.assertUsable();
    return this.evaluation.probeSamples(this.splitSet(split), sampleIndices, this.withSnapshot(snapshot, 'forward()'));
  }

  /**
   * Saliency of one sample (of the test split unless `split` is 'train'): per class explained, the
   * gradient of its logit (the raw output, before softmax) with respect to the input pixels, computed
   * on the GPU by a forward and backward pass of its own (no weight gradients; training's buffers,
   * the probe's included, are untouched). Submits the work at once (after building the pass, on the
   * first call) and resolves to the output tensors (the same buffers every call: bind them to draw);
   * `readSaliency()` reads them back.
   * @example const { map } = await engine.saliency(7); // [2, rows, cols]: the predicted class's, then the true class's
   */
  saliency(index: number, { classes = ['predicted', 'true'], split = 'test', snapshot }: SaliencyOptions = {}): Promise<SaliencyViews> {
    try {
      this.assertUsable();
      const set = this.splitSet(split);
      const wrap = this.withSnapshot(snapshot, 'saliency()');
      const run = (pass: SaliencyPass) => {
        this.assertUsable();
        return pass.sample(set, index, classes, wrap);
      };
      // Built: submitted now, in the same task as a forward() just before it (the same parameters).
      return this.saliencyBuilt ? Promise.resolve(run(this.saliencyBuilt)) : this.saliencyPass().then(run);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * The mean saliency over samples `indices` (a confusion cell's test images, say) for each class in
   * `classes`: computed in batches on the GPU and summed there; resolves when it is done, to output
   * tensors of their own (a later `saliency()` does not overwrite them). `readSaliency('mean')`.
   * @example await engine.meanSaliency(samplesWith(e.predictions, labels, 4, 6), { classes: [6, 4] }); // coats called shirts: shirt's and coat's logits
   */
  async meanSaliency(indices: ArrayLike<number>, { classes = ['predicted', 'true'], split = 'test' }: Omit<SaliencyOptions, 'snapshot'> = {}): Promise<SaliencyViews> {
    this.assertUsable();
    const set = this.splitSet(split);
    const pass = await this.saliencyPass();
    this.assertUsable();
    return pass.mean(set, indices, classes);
  }

  /** Builds the saliency pass (its buffers and pipelines) now, not on the first saliency call; resolves when it is ready. */
  async prepareSaliency(): Promise<void> {
    this.assertUsable();
    await this.saliencyPass();
  }

  /** Reads back the last `saliency()` ('sample') or `meanSaliency()` ('mean'). */
  async readSaliency(which: 'sample' | 'mean' = 'sample'): Promise<SaliencyValues> {
    this.assertUsable();
    return (await this.saliencyPass()).read(which);
  }

  private saliencyPass(): Promise<SaliencyPass> {
    this.saliencyBuild ??= SaliencyPass.create(this.device, this.config, this.dictionary).then((pass) => {
      if (this.destroyed) pass.destroy();
      return (this.saliencyBuilt = pass);
    }, (error) => {
      this.saliencyBuild = undefined; // the next call tries again
      throw error;
    });
    return this.saliencyBuild;
  }

  private splitSet(split: 'test' | 'train'): GpuImageSet {
    const data = this.requireData();
    return split === 'train' ? data.train : data.test;
  }

  /** What encodes a pass with `snapshot`'s parameters swapped in (undefined: the live ones). */
  private withSnapshot(snapshot: HistorySnapshot | undefined, what: string) {
    if (!snapshot) return undefined;
    if (this.busy) throw new Error(`${what} with a snapshot cannot run while training; await the running step() or trainEpoch() first.`);
    const history = this.recorded;
    if (!history?.has(snapshot)) {
      throw new Error("This snapshot is not in this engine's history (it is from another engine or an earlier history, or thinning dropped it); take one from engine.history.snapshots.");
    }
    return (encoder: GPUCommandEncoder, body: () => void) => history.encodeWithParameters(encoder, snapshot, body);
  }

  /** The recorded (or imported) training history, if any. */
  get history(): TrainingHistory | undefined {
    return this.recorded;
  }

  /**
   * Starts recording the training dictionary: the current state now, then the state after every
   * update count that is a multiple of `history.every` (see TrainingHistory for the memory budget
   * and thinning). Replaces (and destroys) any previous history. Training numerics do not change.
   * @example const history = engine.recordHistory({ every: 50, budgetBytes: 128 * 2 ** 20 });
   */
  recordHistory(options: HistoryOptions = {}): TrainingHistory {
    this.assertUsable();
    const history = new TrainingHistory(this.device, this.dictionary, options); // bad options throw before the old one goes
    this.stopHistory();
    this.recorded = history;
    history.restart(this.position());
    return history;
  }

  /** Stops recording and frees the history's GPU memory. */
  stopHistory(): void {
    this.recorded?.destroy();
    this.recorded = undefined;
  }

  /**
   * Replaces the history with one read from a file written by `history.exportSafetensors()`, for
   * replay only (nothing more is recorded into it). A bad file, or one for another network or
   * optimizer, throws SafetensorsError and leaves the current history untouched.
   * @example engine.importHistory(new Uint8Array(await file.arrayBuffer()), file.name);
   */
  importHistory(bytes: Uint8Array, fileName = 'the file'): TrainingHistory {
    this.assertUsable();
    const file = historyFromSafetensors(bytes, this.dictionary.network, this.config.optimizer.type, fileName, shapeText(this.config.shape));
    const history = TrainingHistory.fromFile(this.device, this.dictionary, file);
    this.stopHistory();
    this.recorded = history;
    return history;
  }

  /** The history the engine records into: none for an imported one. */
  private get recorder(): TrainingHistory | undefined {
    return this.recorded && !this.recorded.imported ? this.recorded : undefined;
  }

  /** Reads every dictionary entry of every layer back to Float32Arrays. */
  readTrainingDictionary(): Promise<LayerTensors<Float32Array>[]> {
    this.assertUsable();
    return this.dictionary.read();
  }

  /**
   * Reads back the last batch training gathered, as the first layer saw it (scaled and augmented):
   * input [batchSize · pixels] (HWC per image) and labels [batchSize] (0xffffffff: a padding row).
   */
  readTrainingBatch(): Promise<{ input: Float32Array; labels: Uint32Array }> {
    this.assertUsable();
    return this.dictionary.readTrainingBatch();
  }

  /**
   * Replaces all weights and biases (e.g. imported ones) and zeroes gradients and optimizer state.
   * Shapes must match the network: weights[l] is inputs × outputs (a conv's k × k × inputs ×
   * filters, NHWC), biases[l] is outputs (filters).
   */
  setParameters(weights: readonly Float32Array[], biases: readonly Float32Array[]): void {
    this.assertUsable();
    const layers = this.dictionary.layout.layers;
    if (weights.length !== layers.length || biases.length !== layers.length) {
      throw new RangeError(`setParameters needs ${layers.length} weight and bias arrays, got ${weights.length} and ${biases.length}.`);
    }
    layers.forEach(({ weightShape, weightCount, biasCount }, l) => {
      if (weights[l].length !== weightCount || biases[l].length !== biasCount) {
        throw new RangeError(`Layer ${l} takes ${weightShape.join('×')} weights and ${biasCount} biases, got ${weights[l].length} and ${biases[l].length}.`);
      }
    });
    this.dictionary.writeParameters(weights, biases);
    this.training.clearHalt();
    this.recorder?.restart(this.position()); // a new run from here: never mix it with the recorded one
  }

  /** The current weights and biases as a safetensors file (`layers.{l}.weights` [inputs, outputs] or [k, k, inputs, filters], `layers.{l}.biases`). */
  async exportParameters(): Promise<Uint8Array<ArrayBuffer>> {
    this.assertUsable();
    const layers = await this.dictionary.read();
    const parameters = { weights: layers.map((l) => l.weights), biases: layers.map((l) => l.biases) };
    return parametersToSafetensors(parameters, this.dictionary.network, { step: String(this.stepCount), input: shapeText(this.config.shape) });
  }

  /**
   * Replaces the parameters with those of a safetensors file: nnscope's own, or a PyTorch state dict
   * of Linear and Conv2d layers (reordered to nnscope's layout; io/parameters-file.ts). A bad file
   * throws SafetensorsError and leaves the model untouched.
   */
  importParameters(bytes: Uint8Array, fileName = 'the file'): 'nnscope' | 'pytorch' {
    this.assertUsable();
    const { weights, biases, format } = parametersFromSafetensors(bytes, this.dictionary.network, fileName, shapeText(this.config.shape));
    this.setParameters(weights, biases);
    return format;
  }

  /** Re-initialises the parameters (optionally with a new seed) and starts again from epoch 0. */
  reset(seed = this.config.seed): void {
    this.assertUsable();
    if (this.busy) throw new Error('Cannot reset while training; await the running call first.');
    this.initializeParameters(seed);
    this.epoch = 0;
    this.stepInEpoch = 0;
    this.stepCount = 0;
    this.recorder?.restart(this.position()); // replays never mix runs
  }

  private initializeParameters(seed: number): void {
    const { init } = this.config;
    const weights = this.config.layers.map((layer, l) => initialWeights(init, fansOf(layer), this.dictionary.layout.layers[l]!.weightCount, deriveSeed(seed, l)));
    const biases = this.dictionary.layout.layers.map(({ biasCount }) => new Float32Array(biasCount));
    this.dictionary.writeParameters(weights, biases);
    this.training.clearHalt();
  }

  /** Releases every GPU resource the engine created (and the device, if it requested it). */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.data?.train.destroy();
    this.data?.test.destroy();
    this.training.destroy();
    this.evaluation.destroy();
    this.saliencyBuilt?.destroy(); // one still being built destroys itself when done
    this.stopHistory();
    this.dictionary.destroy();
    this.staging.destroy();
    if (this.ownsDevice) this.device.destroy();
  }

  private requireData() {
    if (!this.data) throw new Error('No data: call engine.setData(await loadFashionMnist()) first.');
    return this.data;
  }

  private assertUsable(): void {
    if (this.destroyed) throw new Error('This engine was destroyed; create a new one with createEngine().');
    if (this.lost) throw new Error(`The GPU device was lost (${this.lost}); create a new engine.`);
  }
}

