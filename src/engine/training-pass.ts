/**
 * One training step, recorded into a compute pass with no CPU involvement: for L layers, P pools
 * and S conv layers whose weight gradient runs in partial sums, 3L + 2P + S + 2 dispatches (11 for
 * 784-128-128-10, 20 for the cnn preset):
 *   gather (1)            the batch's pixels and labels from the shuffled order, as floats, augmented
 *                         if config.augment says so (augment.ts), into the dictionary's training inputs;
 *   forward (L + P)       raw and activated outputs layer by layer, and each pool's map and argmax;
 *   softmax + loss (1)    probabilities, d loss / d logits, loss and accuracy sums, NaN halt;
 *   backward input (L−1)  d loss / d raw of each hidden layer, or d loss / d pooled map after a pool
 *                         (the input layer needs none);
 *   pool backward (P)     the pooled gradient gathered to each window's argmax, times the conv's
 *                         activation gradient: that conv's d raw;
 *   backward weights (L)  dweights and dbiases of each layer (kept: they are dictionary entries);
 *   sum splits (S)        a conv layer's partial sums of them added up (conv-kernels.ts);
 *   optimizer (1)         SGD-momentum or Adam over all parameters at once (one flat buffer).
 */
import { BufferOwner, storageUsage } from '../gpu/buffers.js';
import { ACTIVATION_CODES, type EngineConfig } from './config.js';
import { passedOn, type TrainingDictionary } from './dictionary.js';
import { convLayerShape } from './conv-kernels.js';
import { backwardInto, intoActivation } from './backward-chain.js';
import { ForwardPass, vec4Binding } from './forward-pass.js';
import type { GpuImageSet } from './gpu-data.js';
import { pooledMap, weightMatrix } from './layers.js';
import { backwardWeightsWorkgroups, bindGroup, getKernel, layerKernels, workgroupsFor, type Kernel } from './kernels.js';
import { STEP_PARAMS_BYTES, STEP_SLOT_BYTES, packStepTable, type StepPosition } from './step-table.js';

type BackwardInputKernel = Kernel<'denseBackwardInput' | 'denseBackwardInputVec4' | 'denseBackwardInputRagged' | 'denseBackwardInputTiles' | 'convBackwardInput'>;
type BackwardWeightsKernel = Kernel<'denseBackwardWeights' | 'denseBackwardWeightsVec4' | 'denseBackwardWeightsRagged' | 'denseBackwardWeightsTiles' | 'convBackwardWeights' | 'convBackwardWeightsAnyInput'>;

/** One recorded dispatch of the backward pass: the same every step. */
interface Dispatch {
  readonly pipeline: GPUComputePipeline;
  readonly group: GPUBindGroup;
  readonly workgroups: [number, number];
}

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
  /** The backward pass in order, last layer first: input gradient, pool, weight gradients (built once: a step only records them). */
  private readonly backward: Dispatch[];
  /** Created by bindData: they depend on the data set's size. */
  private bound?: { order: GPUBuffer; stepTable: GPUBuffer; gatherGroup: GPUBindGroup; lossGroup: GPUBindGroup; optimizerGroup: GPUBindGroup };

  static async create(device: GPUDevice, config: EngineConfig, dictionary: TrainingDictionary) {
    const { layers } = config;
    const activation = ACTIVATION_CODES[config.activation];
    const [forward, loss, optimizer, pool, sumSplits, backwardInput, backwardWeights] = await Promise.all([
      ForwardPass.create(device, config, dictionary, dictionary.training, 'TrainingPass.forward', config.batchSize, true),
      getKernel(device, 'softmaxTrain'),
      config.optimizer.type === 'adam' ? getKernel(device, 'adam') : getKernel(device, 'sgd'),
      layers.some(pooledMap) ? getKernel(device, 'poolBackward', { activation }) : undefined,
      layers.some((layer) => layer.kind === 'conv') ? getKernel(device, 'convSumSplits') : undefined,
      // Per layer after the first (the input layer needs no gradient to its input). Into a pool's
      // map there is no activation: the pool's backward kernel applies the conv's.
      Promise.all(layers.slice(1).map((layer, i) => getKernel(device, layerKernels(layer, config.gemm).backwardInput!, {
        activation: intoActivation(config, i + 1),
      }) as Promise<BackwardInputKernel>)),
      Promise.all(layers.map((layer) => getKernel(device, layerKernels(layer, config.gemm).backwardWeights) as Promise<BackwardWeightsKernel>)),
    ]);
    return new TrainingPass(device, config, dictionary, forward, { loss, pool, sumSplits, backwardInput, backwardWeights, optimizer });
  }

  private constructor(
    private readonly device: GPUDevice,
    private readonly config: EngineConfig,
    private readonly dictionary: TrainingDictionary,
    private readonly forward: ForwardPass,
    private readonly kernels: {
      loss: Kernel<'softmaxTrain'>;
      pool: Kernel<'poolBackward'> | undefined;
      sumSplits: Kernel<'convSumSplits'> | undefined;
      /** Of layers 1, 2, …: index l − 1. */
      backwardInput: BackwardInputKernel[];
      backwardWeights: BackwardWeightsKernel[];
      optimizer: Kernel<'sgd'> | Kernel<'adam'>;
    },
  ) {
    this.owner = new BufferOwner(device, 'TrainingPass');
    this.stats = this.owner.create('stats', STATS_BYTES, storageUsage());
    this.control = this.owner.create('control', CONTROL_BYTES, storageUsage());
    const d = dictionary;
    const layers = d.layers;
    const batch = d.batch.layers;
    const rows = config.batchSize;
    const dispatch = (kernel: Kernel, group: GPUBindGroup, [x, y]: [number, number]): Dispatch =>
      ({ pipeline: kernel.pipeline, group, workgroups: workgroupsFor(kernel.name, x, y) });
    this.backward = [];
    for (let l = layers.length - 1; l >= 0; l--) {
      const layer = config.layers[l]!;
      if (l > 0) {
        const chain = backwardInto(device, config, l, 'TrainingPass', {
          forward, activations: d.training, weights: layers[l].weights, gradients: { raw: d.rawGradients, pooled: d.pooledGradients },
        }, { input: kernels.backwardInput[l - 1]!, pool: kernels.pool });
        for (const step of chain) this.backward.push(dispatch(step.kernel, step.group, step.extent(rows)));
      }
      const x = l === 0 ? d.training.input : passedOn(batch[l - 1]);
      const kernel = kernels.backwardWeights[l]!;
      const workgroups = backwardWeightsWorkgroups(layer, rows, config.gemm);
      if (layer.kind === 'dense') {
        this.backward.push({ pipeline: kernel.pipeline, workgroups, group: bindGroup(device, kernel as Kernel<'denseBackwardWeights'>, `TrainingPass.backwardWeights${l}`, {
          dims: forward.dimsBinding(l), x, gradient: { buffer: d.rawGradients[l] }, dweights: layers[l].dweights, dbiases: layers[l].dbiases,
        }) });
        continue;
      }
      // A conv layer's weight gradient: `splits` partial sums side by side, into buffers of its
      // own, then added up into dweights and dbiases by sumSplits (conv-backward-weights.wgsl).
      const { splits } = convLayerShape(layer, rows);
      const { rows: weightRows, columns } = weightMatrix(layer);
      const partial = (name: string, count: number) => ({ buffer: this.owner.create(`layers.${l}.${name}`, splits * count * 4, storageUsage()) });
      const into = splits > 1
        ? { dweights: partial('partialWeights', weightRows * columns), dbiases: partial('partialBiases', columns) }
        : { dweights: layers[l].dweights, dbiases: layers[l].dbiases };
      this.backward.push({ pipeline: kernel.pipeline, workgroups, group: bindGroup(device, kernel as Kernel<'convBackwardWeights'>, `TrainingPass.backwardWeights${l}`, {
        dims: forward.dimsBinding(l), input: vec4Binding(x), gradient: { buffer: d.rawGradients[l] }, ...into,
      }) });
      if (splits > 1 && kernels.sumSplits) {
        this.backward.push(dispatch(kernels.sumSplits, bindGroup(device, kernels.sumSplits, `TrainingPass.sumSplits${l}`, {
          dims: forward.dimsBinding(l), partialWeights: into.dweights, partialBiases: into.dbiases, dweights: layers[l].dweights, dbiases: layers[l].dbiases,
        }), [(weightRows + 1) * columns, 1]));
      }
    }
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
      params: step, dims: this.forward.dimsBinding(last), logits: d.layers[last].rawOutputs, labels: { buffer: d.training.labels },
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
    const offset = slot * STEP_SLOT_BYTES;
    this.forward.encode(pass, bound.gatherGroup, offset, this.config.batchSize);
    pass.setPipeline(this.kernels.loss.pipeline);
    pass.setBindGroup(0, bound.lossGroup, [offset]);
    pass.dispatchWorkgroups(1);
    for (const { pipeline, group, workgroups } of this.backward) {
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, group);
      pass.dispatchWorkgroups(...workgroups);
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
