/**
 * One training step, recorded into a compute pass with no CPU involvement, 3L + 2 dispatches
 * for L layers (11 for 784-128-128-10):
 *   gather (1)            the batch's pixels and labels from the shuffled order, as floats;
 *   dense forward (L)     raw and activated outputs, layer by layer;
 *   softmax + loss (1)    probabilities, d loss / d logits, loss and accuracy sums, NaN halt;
 *   backward input (L−1)  d loss / d raw of each hidden layer (the input layer needs none);
 *   backward weights (L)  dweights and dbiases of each layer (kept: they are dictionary entries);
 *   optimizer (1)         SGD-momentum or Adam over all parameters at once (one flat buffer).
 */
import { BufferOwner, storageUsage } from '../gpu/buffers.js';
import { ACTIVATION_CODES, type EngineConfig } from './config.js';
import type { TrainingDictionary } from './dictionary.js';
import { ForwardPass } from './forward-pass.js';
import type { GpuImageSet } from './gpu-data.js';
import { bindGroup, denseKernels, getKernel, workgroupsFor, type Kernel } from './kernels.js';

type BackwardInputKernel = Kernel<'denseBackwardInput' | 'denseBackwardInputVec4' | 'denseBackwardInputTiles'>;
type BackwardWeightsKernel = Kernel<'denseBackwardWeights' | 'denseBackwardWeightsVec4' | 'denseBackwardWeightsTiles'>;
import { STEP_PARAMS_BYTES, STEP_SLOT_BYTES, packStepTable, type StepPosition } from './step-table.js';

/** Bytes of the statistics read back per chunk: Stats (lossSum, correct, count, pad) + Control (halted, badStep). */
export const STATS_BYTES = 16;
export const CONTROL_BYTES = 8;

/** The Stats words (softmax-cross-entropy.wgsl), and the Control words (common.wgsl) that may follow them. */
export interface ChunkStats {
  lossSum: number;
  correct: number;
  count: number;
  /** 0 running, 1 non-finite loss, 2 non-finite parameter update (absent: Control not read). */
  halted?: number;
  /** The step at which training halted. */
  badStep?: number;
}

/** Decodes Stats (STATS_BYTES), optionally followed by Control (CONTROL_BYTES), as read back. */
export function decodeStats(bytes: ArrayBufferLike): ChunkStats {
  const words = new Uint32Array(bytes);
  const stats = { lossSum: new Float32Array(bytes, 0, 1)[0]!, correct: words[1]!, count: words[2]! };
  return words.length >= (STATS_BYTES + CONTROL_BYTES) / 4 ? { ...stats, halted: words[4], badStep: words[5] } : stats;
}

export class TrainingPass {
  /** Per chunk statistics, cleared after each read. */
  readonly stats: GPUBuffer;
  /** Halt flag and the step it happened at; persists until reset. */
  readonly control: GPUBuffer;
  private readonly owner: BufferOwner;
  private readonly backwardInputGroups: GPUBindGroup[];
  private readonly backwardWeightGroups: GPUBindGroup[];
  /** Created by bindData: they depend on the data set's size. */
  private bound?: { order: GPUBuffer; stepTable: GPUBuffer; gatherGroup: GPUBindGroup; lossGroup: GPUBindGroup; optimizerGroup: GPUBindGroup };

  static async create(device: GPUDevice, config: EngineConfig, dictionary: TrainingDictionary) {
    const { sizes } = config;
    const kernelsOf = (l: number) => denseKernels(sizes[l], sizes[l + 1], config.gemm);
    const [forward, loss, optimizer, backwardInput, backwardWeights] = await Promise.all([
      ForwardPass.create(device, config, dictionary, dictionary.batch, 'TrainingPass.forward', config.batchSize),
      getKernel(device, 'softmaxTrain'),
      config.optimizer.type === 'adam' ? getKernel(device, 'adam') : getKernel(device, 'sgd'),
      // Per layer after the first (the input layer needs no gradient to its input).
      Promise.all(dictionary.layers.slice(1).map((_, i) => getKernel(device, kernelsOf(i + 1).backwardInput, { activation: ACTIVATION_CODES[config.activation] }) as Promise<BackwardInputKernel>)),
      Promise.all(dictionary.layers.map((_, l) => getKernel(device, kernelsOf(l).backwardWeights) as Promise<BackwardWeightsKernel>)),
    ]);
    return new TrainingPass(device, config, dictionary, forward, { loss, backwardInput, backwardWeights, optimizer });
  }

  private constructor(
    private readonly device: GPUDevice,
    private readonly config: EngineConfig,
    private readonly dictionary: TrainingDictionary,
    private readonly forward: ForwardPass,
    private readonly kernels: {
      loss: Kernel<'softmaxTrain'>;
      /** Of layers 1, 2, …: index l − 1. */
      backwardInput: BackwardInputKernel[];
      backwardWeights: BackwardWeightsKernel[];
      optimizer: Kernel<'sgd'> | Kernel<'adam'>;
    },
  ) {
    this.owner = new BufferOwner(device, 'TrainingPass');
    this.stats = this.owner.create('stats', STATS_BYTES, storageUsage());
    this.control = this.owner.create('control', CONTROL_BYTES, storageUsage());
    const layers = dictionary.layers;
    this.backwardInputGroups = layers.slice(1).map((layer, i) =>
      bindGroup(device, kernels.backwardInput[i]!, `TrainingPass.backwardInput${i + 1}`, {
        dims: forward.dimsBinding(i + 1), gradient: { buffer: dictionary.rawGradients[i + 1] }, weights: layer.weights,
        previousRaw: layers[i].rawOutputs, previousActivated: layers[i].outputs, previousGradient: { buffer: dictionary.rawGradients[i] },
      }),
    );
    this.backwardWeightGroups = layers.map((layer, l) =>
      bindGroup(device, kernels.backwardWeights[l]!, `TrainingPass.backwardWeights${l}`, {
        dims: forward.dimsBinding(l), x: l === 0 ? dictionary.input : layers[l - 1].outputs,
        gradient: { buffer: dictionary.rawGradients[l] }, dweights: layer.dweights, dbiases: layer.dbiases,
      }),
    );
  }

  /** Steps in one epoch over `count` samples (the last batch may be partial). */
  stepsPerEpoch(count: number): number {
    return Math.ceil(count / this.config.batchSize);
  }

  /** Trains on `train` from now on: sizes the order and step table to it and binds them. */
  bindData(train: GpuImageSet): void {
    if (this.bound) {
      this.owner.release(this.bound.order);
      this.owner.release(this.bound.stepTable);
    }
    const d = this.dictionary;
    const last = d.layers.length - 1;
    const order = this.owner.create('order', train.count * 4, storageUsage());
    const stepTable = this.owner.create('stepTable', this.stepsPerEpoch(train.count) * STEP_SLOT_BYTES, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
    const step = { buffer: stepTable, offset: 0, size: STEP_PARAMS_BYTES };
    const gatherGroup = this.forward.gatherGroup({ images: train.images, labels: train.labels, order, stepTable }, 'TrainingPass.gather');
    const lossGroup = bindGroup(this.device, this.kernels.loss, 'TrainingPass.loss', {
      params: step, dims: this.forward.dimsBinding(last), logits: d.layers[last].rawOutputs, labels: { buffer: d.inputLabels },
      probabilities: d.layers[last].outputs, gradient: { buffer: d.rawGradients[last] }, stats: { buffer: this.stats }, control: { buffer: this.control },
    });
    const optimizer = this.kernels.optimizer;
    const shared = { params: step, parameters: { buffer: d.parameters }, gradients: { buffer: d.gradients }, momentums: { buffer: d.momentums }, control: { buffer: this.control } };
    const optimizerGroup = optimizer.name === 'adam'
      ? bindGroup(this.device, optimizer, 'TrainingPass.optimizer', { ...shared, caches: { buffer: d.caches! } })
      : bindGroup(this.device, optimizer, 'TrainingPass.optimizer', shared);
    this.bound = { order, stepTable, gatherGroup, lossGroup, optimizerGroup };
  }

  /** Writes an epoch's sample order and its step table (queue-ordered: after earlier chunks). */
  writeEpoch(order: Uint32Array, positions: readonly StepPosition[]): void {
    if (!this.bound) throw new Error('TrainingPass: no data bound; call engine.setData(data) first.');
    this.device.queue.writeBuffer(this.bound.order, 0, order);
    this.device.queue.writeBuffer(this.bound.stepTable, 0, packStepTable(this.config.optimizer, positions));
  }

  /** Records one step that reads slot `slot` of the epoch's step table. */
  encodeStep(pass: GPUComputePassEncoder, slot: number): void {
    const bound = this.bound!;
    const sizes = this.config.sizes;
    const rows = this.config.batchSize;
    const offset = slot * STEP_SLOT_BYTES;
    this.forward.encode(pass, bound.gatherGroup, offset, rows);
    pass.setPipeline(this.kernels.loss.pipeline);
    pass.setBindGroup(0, bound.lossGroup, [offset]);
    pass.dispatchWorkgroups(1);
    for (let l = sizes.length - 2; l >= 0; l--) {
      if (l > 0) {
        const kernel = this.kernels.backwardInput[l - 1]!;
        pass.setPipeline(kernel.pipeline);
        pass.setBindGroup(0, this.backwardInputGroups[l - 1]);
        pass.dispatchWorkgroups(...workgroupsFor(kernel.name, sizes[l], rows));
      }
      const kernel = this.kernels.backwardWeights[l]!;
      pass.setPipeline(kernel.pipeline);
      pass.setBindGroup(0, this.backwardWeightGroups[l]);
      pass.dispatchWorkgroups(...workgroupsFor(kernel.name, sizes[l + 1], sizes[l]));
    }
    pass.setPipeline(this.kernels.optimizer.pipeline);
    pass.setBindGroup(0, bound.optimizerGroup, [offset]);
    const elements = this.dictionary.layout.length;
    // The optimizer strides over the parameters: fewer workgroups than elements need are fine.
    pass.dispatchWorkgroups(Math.min(workgroupsFor(this.kernels.optimizer.name, elements)[0], 65535));
  }

  /** Clears the halt flag (after parameters were restored or re-initialised). */
  clearHalt(): void {
    this.device.queue.writeBuffer(this.control, 0, new Uint32Array(CONTROL_BYTES / 4));
  }

  destroy(): void {
    this.forward.destroy();
    this.owner.destroy();
  }
}
