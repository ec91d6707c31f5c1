/**
 * Inference on the GPU: gather + forward + softmax over a whole split in chunks (evaluate), or over
 * a few chosen samples (probe). Accuracy, loss, the confusion matrix and every prediction are
 * accumulated on the GPU and read back once at the end.
 */
import { BufferOwner, storageUsage } from '../gpu/buffers.js';
import { readRanges } from '../gpu/readback.js';
import type { EngineConfig } from './config.js';
import { PROBE_ROWS, rowWidth, type TrainingDictionary } from './dictionary.js';
import { ForwardPass } from './forward-pass.js';
import type { GpuImageSet } from './gpu-data.js';
import { bindGroup, getKernel, workgroupsFor, type Kernel } from './kernels.js';
import { STEP_PARAMS_BYTES, STEP_SLOT_BYTES, packStepTable } from './step-table.js';
import { decodeStats, STATS_BYTES } from './training-pass.js';


/** Bytes per layer of the class sums' Dims uniforms (WebGPU's uniform offset alignment). */
const CLASS_SUM_DIMS_SLOT = 256;

/** What `evaluate` measured. */
export interface Evaluation {
  /** Fraction of the split classified correctly. */
  accuracy: number;
  /** Mean categorical cross-entropy. */
  loss: number;
  /** confusion[label][predicted] counts, classes × classes. */
  confusion: number[][];
  /** Per-class accuracy (recall): confusion[c][c] / Σ confusion[c]. */
  classAccuracy: number[];
  /** Predicted class of every sample, in the split's order. */
  predictions: Uint32Array;
  /** Samples evaluated. */
  count: number;
  /**
   * Per layer, the mean raw and activated outputs of each true class: classMeans[l].raw[c · width + j]
   * is the mean raw output of neuron j of layer l over the samples of class c (summed on the GPU).
   */
  classMeans: { raw: Float32Array; activated: Float32Array }[];
  /** Samples per second, GPU work finished and read back. */
  samplesPerSecond: number;
}

/** Buffers the evaluate softmax accumulates into. */
interface Accumulators {
  stats: GPUBuffer;
  confusion: GPUBuffer;
  predictions: GPUBuffer;
}

export class EvaluationPass {
  private readonly owner: BufferOwner;
  private readonly capacity: number;
  private readonly probe: Accumulators;
  private readonly probeOrder: GPUBuffer;
  private readonly probeTable: GPUBuffer;
  private readonly probeSoftmax: GPUBindGroup;
  private readonly probeGathers = new Map<GpuImageSet, GPUBindGroup>();
  private bound?: Accumulators & { set: GpuImageSet; order: GPUBuffer; stepTable: GPUBuffer; gather: GPUBindGroup; softmax: GPUBindGroup };

  /** Per layer [2 · classes, width]: class sums of raw, then of activated outputs. */
  private readonly classSums: GPUBuffer[];
  private readonly classSumGroups: GPUBindGroup[];
  /** The batch's rows grouped by class (class-rows.wgsl), read by every layer's class sums. */
  private readonly classRowsGroup: GPUBindGroup;

  static async create(device: GPUDevice, config: EngineConfig, dictionary: TrainingDictionary) {
    const capacity = config.evaluationBatchSize;
    const [forward, probeForward, softmax, classSums, classRows] = await Promise.all([
      ForwardPass.create(device, config, dictionary, dictionary.batch, 'EvaluationPass.forward', capacity),
      ForwardPass.create(device, config, dictionary, dictionary.probe, 'EvaluationPass.probe', PROBE_ROWS),
      getKernel(device, 'softmaxEvaluate'),
      getKernel(device, 'classSums', { classes: config.shape.classes }),
      getKernel(device, 'classRows', { classes: config.shape.classes }),
    ]);
    return new EvaluationPass(device, config, dictionary, forward, probeForward, softmax, classSums, classRows);
  }

  private constructor(
    private readonly device: GPUDevice,
    private readonly config: EngineConfig,
    dictionary: TrainingDictionary,
    private readonly forward: ForwardPass,
    /** Writes the probe's own buffers (dictionary.probe), never the batch that training uses. */
    private readonly probeForward: ForwardPass,
    private readonly softmax: Kernel<'softmaxEvaluate'>,
    private readonly classSumKernel: Kernel<'classSums'>,
    private readonly classRowsKernel: Kernel<'classRows'>,
  ) {
    this.owner = new BufferOwner(device, 'EvaluationPass');
    this.classSums = dictionary.layers.map((layer, l) => this.owner.create(`classSums${l}`, 2 * config.shape.classes * rowWidth(layer.outputs) * 4, storageUsage()));
    // Dims { rows, inputs (unused), outputs = the layer's row width } per layer: a conv layer's forward dims are ConvDims.
    const slots = new Uint32Array((dictionary.layers.length * CLASS_SUM_DIMS_SLOT) / 4);
    dictionary.layers.forEach((layer, l) => slots.set([config.evaluationBatchSize, 0, rowWidth(layer.outputs)], (l * CLASS_SUM_DIMS_SLOT) / 4));
    const dims = this.owner.createWith('classSumDims', slots, GPUBufferUsage.UNIFORM);
    const classRows = this.owner.create('classRows', (config.shape.classes + 1 + config.evaluationBatchSize) * 4, storageUsage());
    this.classRowsGroup = bindGroup(device, classRowsKernel, 'EvaluationPass.classRows', {
      dims: { buffer: dims, offset: 0, size: 12 }, labels: { buffer: dictionary.inputLabels }, classRows: { buffer: classRows },
    });
    this.classSumGroups = dictionary.layers.map((layer, l) =>
      bindGroup(device, classSumKernel, `EvaluationPass.classSums${l}`, {
        dims: { buffer: dims, offset: l * CLASS_SUM_DIMS_SLOT, size: 12 }, classRows: { buffer: classRows }, raw: layer.rawOutputs, activated: layer.outputs, sums: { buffer: this.classSums[l] },
      }),
    );
    this.capacity = config.evaluationBatchSize;
    this.probe = this.accumulators('probe', PROBE_ROWS);
    this.probeOrder = this.owner.create('probeOrder', PROBE_ROWS * 4, storageUsage());
    this.probeTable = this.owner.create('probeTable', STEP_SLOT_BYTES, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
    this.probeSoftmax = this.softmaxGroup('probe', this.probeTable, this.probe, this.probeForward);
  }

  private accumulators(name: string, samples: number): Accumulators {
    return {
      stats: this.owner.create(`${name}.stats`, STATS_BYTES, storageUsage()),
      confusion: this.owner.create(`${name}.confusion`, this.config.shape.classes ** 2 * 4, storageUsage()),
      predictions: this.owner.create(`${name}.predictions`, samples * 4, storageUsage()),
    };
  }

  private softmaxGroup(name: string, stepTable: GPUBuffer, into: Accumulators, forward: ForwardPass): GPUBindGroup {
    const { layers, labels } = forward.into;
    const last = layers.length - 1;
    return bindGroup(this.device, this.softmax, `EvaluationPass.${name}.softmax`, {
      params: { buffer: stepTable, offset: 0, size: STEP_PARAMS_BYTES }, dims: forward.dimsBinding(last),
      logits: layers[last].rawOutputs, labels: { buffer: labels }, probabilities: layers[last].outputs,
      stats: { buffer: into.stats }, confusion: { buffer: into.confusion }, predictions: { buffer: into.predictions },
    });
  }

  /** Evaluates on `set` from now on. */
  bindData(set: GpuImageSet): void {
    if (this.bound) for (const b of [this.bound.stats, this.bound.confusion, this.bound.predictions, this.bound.order, this.bound.stepTable]) this.owner.release(b);
    const chunks = Math.ceil(set.count / this.capacity);
    const order = this.owner.createWith('order', Uint32Array.from({ length: set.count }, (_, i) => i), storageUsage());
    const positions = Array.from({ length: chunks }, (_, k) => ({ step: 0, cursor: k * this.capacity, count: set.count }));
    const stepTable = this.owner.createWith('stepTable', new Uint8Array(packStepTable(this.config.optimizer, positions)), GPUBufferUsage.UNIFORM);
    const into = this.accumulators('evaluation', set.count);
    this.bound = {
      ...into, set, order, stepTable,
      gather: this.forward.gatherGroup({ images: set.images, labels: set.labels, order, stepTable }, 'EvaluationPass.gather'),
      softmax: this.softmaxGroup('evaluation', stepTable, into, this.forward),
    };
  }

  /** Classifies the whole bound split; `onProgress(done, total)` after each chunk finishes. */
  async evaluate(onProgress?: (done: number, total: number) => void): Promise<Evaluation> {
    const bound = this.bound;
    if (!bound) throw new Error('No test data: call engine.setData(data) first.');
    const { count } = bound.set;
    const started = performance.now();
    this.forward.setRows(this.capacity);
    const chunks = Math.ceil(count / this.capacity);
    for (let k = 0; k < chunks; k++) {
      const encoder = this.device.createCommandEncoder({ label: 'EvaluationPass.evaluate' });
      if (k === 0) for (const b of [bound.stats, bound.confusion, ...this.classSums]) encoder.clearBuffer(b);
      const pass = encoder.beginComputePass({ label: 'EvaluationPass.evaluate' });
      this.encodeChunk(pass, this.forward, bound.gather, bound.softmax, k * STEP_SLOT_BYTES, this.capacity);
      pass.setPipeline(this.classRowsKernel.pipeline);
      pass.setBindGroup(0, this.classRowsGroup);
      pass.dispatchWorkgroups(1);
      pass.setPipeline(this.classSumKernel.pipeline);
      this.classSumGroups.forEach((group, l) => {
        pass.setBindGroup(0, group);
        pass.dispatchWorkgroups(...workgroupsFor('classSums', this.config.sizes[l + 1], this.config.shape.classes));
      });
      pass.end();
      this.device.queue.submit([encoder.finish()]);
      if (onProgress) {
        await this.device.queue.onSubmittedWorkDone();
        onProgress(Math.min((k + 1) * this.capacity, count), count);
      }
    }
    const [stats, confusionFlat, predictions, ...sums] = await readRanges(this.device, [
      { buffer: bound.stats, offset: 0, size: STATS_BYTES },
      { buffer: bound.confusion, offset: 0, size: bound.confusion.size },
      { buffer: bound.predictions, offset: 0, size: count * 4 },
      ...this.classSums.map((buffer) => ({ buffer, offset: 0, size: buffer.size })),
    ]);
    const seconds = (performance.now() - started) / 1000;
    const { lossSum, correct, count: evaluated } = decodeStats(stats.slice().buffer);
    const counts = Array.from(new Uint32Array(confusionFlat.buffer));
    const classes = this.config.shape.classes;
    const confusion = Array.from({ length: classes }, (_, c) => counts.slice(c * classes, (c + 1) * classes));
    return {
      accuracy: correct / evaluated,
      loss: lossSum / evaluated,
      confusion,
      classAccuracy: confusion.map((row, c) => row[c] / Math.max(1, row.reduce((a, b) => a + b, 0))),
      predictions: new Uint32Array(predictions.buffer),
      count: evaluated,
      samplesPerSecond: count / seconds,
      classMeans: sums.map((flat) => classMeans(flat, confusion.map((row) => row.reduce((a, b) => a + b, 0)))),
    };
  }

  /**
   * Runs the network on the chosen samples of `set` into the probe's own buffers (dictionary.probe:
   * inputs, raw and activated outputs, softmax probabilities for the output layer; rows in the given
   * order), and resolves to each row's predicted class once the GPU is done. Training never writes
   * those buffers, so views can bind them at any time.
   * `wrap`, if given, encodes around the probe in the same encoder (e.g. swapping parameters in and out).
   */
  probeSamples(set: GpuImageSet, indices: ArrayLike<number>, wrap?: (encoder: GPUCommandEncoder, encodeProbe: () => void) => void): Promise<Uint32Array> {
    const rows = indices.length;
    if (rows < 1 || rows > PROBE_ROWS) throw new RangeError(`forward() takes 1 to ${PROBE_ROWS} samples, got ${rows}.`);
    for (let i = 0; i < rows; i++) {
      const index = indices[i];
      if (!Number.isInteger(index) || index < 0 || index >= set.count) {
        throw new RangeError(`Sample index ${index} is out of range: the split has samples 0 to ${set.count - 1}.`);
      }
    }
    let gather = this.probeGathers.get(set);
    if (!gather) {
      gather = this.probeForward.gatherGroup({ images: set.images, labels: set.labels, order: this.probeOrder, stepTable: this.probeTable }, 'EvaluationPass.probe.gather');
      this.probeGathers.set(set, gather);
    }
    const queue = this.device.queue;
    queue.writeBuffer(this.probeOrder, 0, Uint32Array.from(indices));
    queue.writeBuffer(this.probeTable, 0, packStepTable(this.config.optimizer, [{ step: 0, cursor: 0, count: rows }]));
    this.probeForward.setRows(rows);
    const encoder = this.device.createCommandEncoder({ label: 'EvaluationPass.probe' });
    const encodeProbe = () => {
      const pass = encoder.beginComputePass({ label: 'EvaluationPass.probe' });
      this.encodeChunk(pass, this.probeForward, gather, this.probeSoftmax, 0, rows);
      pass.end();
    };
    if (wrap) wrap(encoder, encodeProbe);
    else encodeProbe();
    queue.submit([encoder.finish()]);
    return readRanges(this.device, [{ buffer: this.probe.predictions, offset: 0, size: rows * 4 }])
      .then(([predictions]) => new Uint32Array(predictions.buffer, predictions.byteOffset, rows));
  }

  private encodeChunk(pass: GPUComputePassEncoder, forward: ForwardPass, gather: GPUBindGroup, softmax: GPUBindGroup, slotOffset: number, rows: number): void {
    forward.encode(pass, gather, slotOffset, rows);
    pass.setPipeline(this.softmax.pipeline);
    pass.setBindGroup(0, softmax, [slotOffset]);
    pass.dispatchWorkgroups(1);
  }

  /** Forgets gather groups of a split that is being replaced. */
  forgetSet(set: GpuImageSet): void {
    this.probeGathers.delete(set);
  }

  destroy(): void {
    this.forward.destroy();
    this.probeForward.destroy();
    this.owner.destroy();
  }
}

/** Divides [2 · classes, width] sums by each class's sample count (0 for a class with no samples). */
function classMeans(sums: Float32Array, classCounts: number[]): { raw: Float32Array; activated: Float32Array } {
  const classes = classCounts.length;
  const width = sums.length / (2 * classes);
  const means = sums.map((sum, i) => {
    const count = classCounts[Math.floor(i / width) % classes]!;
    return count > 0 ? sum / count : 0;
  });
  return { raw: means.subarray(0, classes * width), activated: means.subarray(classes * width) };
}
