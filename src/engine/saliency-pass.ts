/**
 * Saliency on the GPU (issue #14): the gradient of a class's score with respect to the input
 * pixels, d score / d x, where the score is the class's logit (the output layer's raw output, before
 * softmax): the "vanilla gradient". For one sample (the strips' tiles), or averaged over many (a
 * confusion cell's test images), computed in batches and kept on the GPU.
 *
 * A pass of its own, on buffers of its own: gather + forward into its own activations, the one-hot
 * seed (saliency-seed.wgsl), the backward pass down to the input without any weight gradient, into
 * its own gradient buffers (dense and conv input gradients, pool gathers; the first layer's input
 * gradient has no activation: convBackwardInputAnyInput for a 1- or 3-channel conv), then a
 * reduction into the output tensors (saliency-reduce.wgsl). Of the training dictionary it only
 * reads the parameters: training's gradients, batch and probe buffers stay untouched.
 *
 * Rows: a sample explains C classes side by side, rows s·C + j (each sample gathered C times: the
 * backward kernels read the activations of the row they write, and a pool's argmax is a flat index
 * that includes the row).
 */
import { BufferOwner, storageUsage } from '../gpu/buffers.js';
import { readRanges } from '../gpu/readback.js';
import { ACTIVATION_CODES, type EngineConfig } from './config.js';
import { allocateActivations, type Activations, type TensorView, type TrainingDictionary } from './dictionary.js';
import { backwardInto, intoActivation, type ChainStep } from './backward-chain.js';
import { ForwardPass, inputExtent, vec4Binding } from './forward-pass.js';
import type { GpuImageSet } from './gpu-data.js';
import { mapDims, outputShape, pooledMap } from './layers.js';
import { bindGroup, getKernel, layerKernels, workgroupsFor, type Kernel, type KernelName } from './kernels.js';
import { packStepTable, STEP_SLOT_BYTES } from './step-table.js';

/** What one row explains: a class number, the row's predicted class, or its true class. */
export type SaliencyClass = number | 'predicted' | 'true';

/** The saliency's output tensors: GPU buffer ranges a view binds as they are (zero-copy). */
export interface SaliencyViews {
  /** d logit / d input per class explained: [classes, rows, cols, channels], the input's layout. */
  readonly gradient: TensorView;
  /** Its sum over channels per pixel, [classes, rows, cols] (the derivative for brightening a pixel in every channel; the gradient itself for grey images). */
  readonly map: TensorView;
  /** What each of the classes explains, as asked. */
  readonly classes: readonly SaliencyClass[];
}

/** A saliency read back. */
export interface SaliencyValues {
  /** [classes, rows · cols · channels]. */
  gradient: Float32Array;
  /** [classes, rows · cols]. */
  map: Float32Array;
  /** The class each explains: for a sample as the GPU chose it; for a mean as asked (−1 for 'predicted' or 'true', which vary by sample). */
  classes: number[];
}

/** Classes one call explains at most. */
export const SALIENCY_MAX_CLASSES = 16;
/** Selector codes of saliency-seed.wgsl. */
const SELECTORS = { predicted: 0xfffffffe, true: 0xfffffffd } as const;
/** Rows of the pass: as many as fit this many bytes of activations and gradients, within MIN_ROWS–MAX_ROWS. */
const ROW_BUDGET_BYTES = 32 * 2 ** 20;
const MIN_ROWS = SALIENCY_MAX_CLASSES;
const MAX_ROWS = 64;
/** Batches of a mean per command buffer: training and frames get the queue between them. */
const BATCHES_PER_SUBMIT = 4;
const UNIFORM = () => GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST;

interface SaliencyKernels {
  seed: Kernel<'saliencySeed'>;
  reduce: Kernel<'saliencyReduce'>;
  pool?: Kernel<'poolBackward'>;
  /** Per layer l: from its d raw to its input's (l = 0: to the pixels). */
  backwardInput: Kernel[];
}

/** Buffers and bind groups of one kind of call: a sample's saliency, or a mean. */
interface Target {
  views: { gradient: GPUBuffer; map: GPUBuffer };
  reduceDims: GPUBuffer;
  reduce: GPUBindGroup;
  seed: GPUBindGroup;
  chosen: GPUBuffer;
  order?: GPUBuffer;
  table?: GPUBuffer;
  gathers: WeakMap<GpuImageSet, GPUBindGroup>;
}

export class SaliencyPass {
  /** The backward pass to the pixels, last layer first; its sizes follow the rows of the call. */
  private readonly backward: ChainStep[] = [];
  private readonly seedDims: GPUBuffer;
  private readonly selectors: GPUBuffer;
  private readonly sampleTarget: Target;
  private readonly meanTarget: Target;
  private shown: { sample?: SaliencyViews; mean?: SaliencyViews } = {};
  /** Means run one after another (they share their buffers). */
  private means: Promise<unknown> = Promise.resolve();
  private destroyed = false;

  static async create(device: GPUDevice, config: EngineConfig, dictionary: TrainingDictionary): Promise<SaliencyPass> {
    const rows = saliencyRows(config);
    const owner = new BufferOwner(device, 'SaliencyPass');
    const activations = allocateActivations(owner, 'saliency.', config, rows); // the pass's own
    const activation = ACTIVATION_CODES[config.activation];
    const { layers } = config;
    const forwardBuild = ForwardPass.create(device, config, dictionary, activations, 'SaliencyPass.forward', rows);
    try {
      const [forward, seed, reduce, pool, backwardInput] = await Promise.all([
        forwardBuild,
        getKernel(device, 'saliencySeed'),
        getKernel(device, 'saliencyReduce'),
        layers.some(pooledMap) ? getKernel(device, 'poolBackward', { activation }) : undefined,
        Promise.all(layers.map((layer, l) => {
          const name = inputGradientKernel(layer, config, l);
          return getKernel(device, name, name === 'convBackwardInputAnyInput' ? {} : { activation: intoActivation(config, l) });
        })),
      ]);
      return new SaliencyPass(device, config, dictionary, owner, activations, rows, forward, { seed, reduce, pool, backwardInput });
    } catch (error) {
      owner.destroy();
      forwardBuild.then((forward) => forward.destroy(), () => undefined);
      throw error;
    }
  }

  private constructor(
    private readonly device: GPUDevice,
    private readonly config: EngineConfig,
    dictionary: TrainingDictionary,
    private readonly owner: BufferOwner,
    activations: Activations,
    /** Rows one batch holds. */
    readonly rows: number,
    private readonly forward: ForwardPass,
    private readonly kernels: SaliencyKernels,
  ) {
    const STORAGE = storageUsage();
    const vec4s = (bytes: number) => Math.ceil(bytes / 16) * 16;
    const acts = activations.layers;
    // d score / d raw output per layer, d score / d pooled map per pooled layer, d score / d input.
    const rawGradients = acts.map((a, l) => owner.create(`layers.${l}.rawGradients`, vec4s(a.rawOutputs.size), STORAGE));
    const pooledGradients = acts.map((a, l) => a.pooled && owner.create(`layers.${l}.pooledGradients`, vec4s(a.pooled.size), STORAGE));
    const inputGradient = owner.create('inputGradient', vec4s(activations.input.size), STORAGE);
    const last = acts.length - 1;
    for (let l = last; l > 0; l--) {
      this.backward.push(...backwardInto(device, config, l, 'SaliencyPass', {
        forward, activations, weights: dictionary.layers[l]!.weights, gradients: { raw: rawGradients, pooled: pooledGradients },
      }, { input: kernels.backwardInput[l]!, pool: kernels.pool }));
    }
    // Into the pixels: no activation (a first conv reading 1 or 3 channels has a kernel of its own).
    const first = kernels.backwardInput[0]!;
    const common = { dims: forward.dimsBinding(0), gradient: { buffer: rawGradients[0]! }, weights: dictionary.layers[0]!.weights };
    const input = vec4Binding(activations.input);
    this.backward.push({
      kernel: first,
      extent: (rows) => inputExtent(config.layers[0]!, rows),
      group: first.name === 'convBackwardInputAnyInput'
        ? bindGroup(device, first as Kernel<'convBackwardInputAnyInput'>, 'SaliencyPass.inputGradient', { ...common, inputGradient: { buffer: inputGradient } })
        : bindGroup(device, first as Kernel<'denseBackwardInput'>, 'SaliencyPass.inputGradient', { ...common, previousRaw: input, previousActivated: input, previousGradient: { buffer: inputGradient } }),
    });
    this.seedDims = owner.create('seedDims', 16, UNIFORM());
    this.selectors = owner.create('selectors', SALIENCY_MAX_CLASSES * 4, STORAGE);
    const values = config.sizes[0]!;
    const target = (name: string): Target => {
      const views = {
        gradient: owner.create(`${name}.gradient`, vec4s(SALIENCY_MAX_CLASSES * values * 4), STORAGE),
        map: owner.create(`${name}.map`, vec4s((SALIENCY_MAX_CLASSES * values * 4) / config.shape.channels), STORAGE),
      };
      const reduceDims = owner.create(`${name}.reduceDims`, 32, UNIFORM());
      const chosen = owner.create(`${name}.chosen`, this.rows * 4, STORAGE);
      return {
        views, reduceDims, chosen, gathers: new WeakMap(),
        reduce: bindGroup(device, kernels.reduce, `SaliencyPass.${name}.reduce`, { dims: { buffer: reduceDims }, gradient: { buffer: inputGradient }, sums: { buffer: views.gradient }, maps: { buffer: views.map } }),
        seed: bindGroup(device, kernels.seed, `SaliencyPass.${name}.seed`, {
          dims: { buffer: this.seedDims }, logits: acts[last]!.rawOutputs, labels: { buffer: activations.labels },
          selectors: { buffer: this.selectors }, gradient: { buffer: rawGradients[last]! }, chosen: { buffer: chosen },
        }),
      };
    };
    this.sampleTarget = target('sample');
    this.meanTarget = target('mean');
    this.sampleTarget.order = owner.create('sample.order', SALIENCY_MAX_CLASSES * 4, STORAGE);
    this.sampleTarget.table = owner.create('sample.table', STEP_SLOT_BYTES, UNIFORM());
  }

  /**
   * Encodes and submits the saliency of sample `index` of `set` for each of `classes` (queue-ordered:
   * work submitted later sees it). `wrap` encodes around it (a snapshot's parameters swapped in).
   */
  sample(set: GpuImageSet, index: number, classes: readonly SaliencyClass[], wrap?: (encoder: GPUCommandEncoder, body: () => void) => void): SaliencyViews {
    this.check(set, [index], classes);
    const target = this.sampleTarget;
    const count = classes.length;
    const queue = this.device.queue;
    queue.writeBuffer(target.order!, 0, new Uint32Array(count).fill(index));
    queue.writeBuffer(target.table!, 0, packStepTable(this.config.optimizer, [{ step: 0, cursor: 0, count }]));
    this.prepare(target, classes, count, { samples: 1, scale: 1, accumulate: 0 });
    const encoder = this.device.createCommandEncoder({ label: 'SaliencyPass.sample' });
    const body = () => {
      const pass = encoder.beginComputePass({ label: 'SaliencyPass.sample' });
      this.encodeBatch(pass, target, this.gatherOf(target, set), 0, count, classes.length);
      pass.end();
    };
    if (wrap) wrap(encoder, body);
    else body();
    queue.submit([encoder.finish()]);
    return (this.shown.sample = this.views(target, 'saliency', classes));
  }

  /**
   * The mean saliency over samples `indices` of `set` for each of `classes`, in batches of
   * ⌊rows / classes⌋ samples summed on the GPU; resolves when the GPU has finished it. Means run one
   * after another.
   */
  mean(set: GpuImageSet, indices: ArrayLike<number>, classes: readonly SaliencyClass[]): Promise<SaliencyViews> {
    this.check(set, indices, classes);
    const run = this.means.then(() => this.runMean(set, Array.from(indices), classes));
    this.means = run.catch(() => undefined);
    return run;
  }

  private async runMean(set: GpuImageSet, indices: number[], classes: readonly SaliencyClass[]): Promise<SaliencyViews> {
    const target = this.meanTarget;
    const count = classes.length;
    const perBatch = Math.floor(this.rows / count);
    const rows = perBatch * count;
    const batches = Math.ceil(indices.length / perBatch);
    const order = new Uint32Array(indices.length * count);
    indices.forEach((index, s) => order.fill(index, s * count, (s + 1) * count));
    const table = packStepTable(this.config.optimizer, Array.from({ length: batches }, (_, b) => ({ step: 0, cursor: b * rows, count: order.length })));
    if (!target.order || target.order.size < order.byteLength || target.table!.size < table.byteLength) {
      for (const buffer of [target.order, target.table]) if (buffer) this.owner.release(buffer);
      target.order = this.owner.create('mean.order', order.byteLength, storageUsage());
      target.table = this.owner.create('mean.table', table.byteLength, UNIFORM());
      target.gathers = new WeakMap();
    }
    this.device.queue.writeBuffer(target.order, 0, order);
    this.device.queue.writeBuffer(target.table!, 0, table);
    const gather = this.gatherOf(target, set);
    for (let first = 0; first < batches; first += BATCHES_PER_SUBMIT) {
      if (this.destroyed) throw new Error('The engine was destroyed while a mean saliency ran.');
      // Written again before each submission: a sample's saliency may have run in between.
      this.prepare(target, classes, rows, { samples: perBatch, scale: 1 / indices.length, accumulate: 1 });
      const encoder = this.device.createCommandEncoder({ label: 'SaliencyPass.mean' });
      if (first === 0) for (const buffer of Object.values(target.views)) encoder.clearBuffer(buffer);
      const pass = encoder.beginComputePass({ label: 'SaliencyPass.mean' });
      for (let b = first; b < Math.min(batches, first + BATCHES_PER_SUBMIT); b++) this.encodeBatch(pass, target, gather, b * STEP_SLOT_BYTES, rows, count);
      pass.end();
      this.device.queue.submit([encoder.finish()]);
      await this.device.queue.onSubmittedWorkDone();
    }
    return (this.shown.mean = this.views(target, 'saliency.mean', classes));
  }

  /** Reads the last sample's saliency (or the last mean) back. */
  async read(which: 'sample' | 'mean'): Promise<SaliencyValues> {
    const views = this.shown[which];
    if (!views) throw new Error(which === 'sample' ? 'No saliency yet: call engine.saliency(index) first.' : 'No mean saliency yet: call engine.meanSaliency(indices) first.');
    const count = views.classes.length;
    const target = which === 'sample' ? this.sampleTarget : this.meanTarget;
    const [gradient, map, chosen] = await readRanges(this.device, [views.gradient, views.map, { buffer: target.chosen, offset: 0, size: count * 4 }]);
    const picked = Array.from(new Uint32Array(chosen!.buffer, chosen!.byteOffset, count));
    const classes = which === 'sample' ? picked : views.classes.map((c) => (typeof c === 'number' ? c : -1));
    return { gradient: gradient!, map: map!, classes };
  }

  destroy(): void {
    this.destroyed = true;
    this.forward.destroy();
    this.owner.destroy();
  }

  private check(set: GpuImageSet, indices: ArrayLike<number>, classes: readonly SaliencyClass[]): void {
    const K = this.config.shape.classes;
    if (classes.length < 1 || classes.length > SALIENCY_MAX_CLASSES) throw new RangeError(`Saliency explains 1 to ${SALIENCY_MAX_CLASSES} classes at once, got ${classes.length}.`);
    for (const c of classes) {
      if (c !== 'predicted' && c !== 'true' && !(Number.isInteger(c) && c >= 0 && c < K)) {
        throw new RangeError(`Saliency class ${String(c)} is not a class number 0–${K - 1}, 'predicted' or 'true'.`);
      }
    }
    if (indices.length < 1) throw new RangeError('Mean saliency needs at least one sample.');
    for (let i = 0; i < indices.length; i++) {
      const index = indices[i]!;
      if (!Number.isInteger(index) || index < 0 || index >= set.count) throw new RangeError(`Sample index ${index} is out of range: the split has samples 0 to ${set.count - 1}.`);
    }
  }

  /** The uniforms every kind of call shares, written just before its submission. */
  private prepare(target: Target, classes: readonly SaliencyClass[], rows: number, reduce: { samples: number; scale: number; accumulate: number }): void {
    const queue = this.device.queue;
    const { shape, sizes } = this.config;
    this.forward.setRows(rows);
    queue.writeBuffer(this.seedDims, 0, new Uint32Array([rows, shape.classes, classes.length, 0]));
    queue.writeBuffer(this.selectors, 0, Uint32Array.from(classes, (c) => (typeof c === 'number' ? c : SELECTORS[c])));
    const dims = new ArrayBuffer(32);
    new Uint32Array(dims).set([reduce.samples, classes.length, sizes[0]! / shape.channels, shape.channels, 0, reduce.accumulate]);
    new Float32Array(dims)[4] = reduce.scale;
    queue.writeBuffer(target.reduceDims, 0, dims);
  }

  /** Gather + forward + seed + backward + reduce of one batch of `rows` rows, step-table slot at byte `slot`. */
  private encodeBatch(pass: GPUComputePassEncoder, target: Target, gather: GPUBindGroup, slot: number, rows: number, classes: number): void {
    this.forward.encode(pass, gather, slot, rows);
    const dispatch = (name: KernelName, pipeline: GPUComputePipeline, group: GPUBindGroup, [x, y]: [number, number]) => {
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, group);
      pass.dispatchWorkgroups(...workgroupsFor(name, x, y));
    };
    dispatch('saliencySeed', this.kernels.seed.pipeline, target.seed, [rows, 1]);
    for (const { kernel, group, extent } of this.backward) dispatch(kernel.name, kernel.pipeline, group, extent(rows));
    dispatch('saliencyReduce', this.kernels.reduce.pipeline, target.reduce, [this.config.sizes[0]! / this.config.shape.channels, classes]);
  }

  private gatherOf(target: Target, set: GpuImageSet): GPUBindGroup {
    let group = target.gathers.get(set);
    if (!group) {
      group = this.forward.gatherGroup({ images: set.images, labels: set.labels, order: target.order!, stepTable: target.table! }, 'SaliencyPass.gather');
      target.gathers.set(set, group);
    }
    return group;
  }

  private views(target: Target, name: string, classes: readonly SaliencyClass[]): SaliencyViews {
    const { rows, cols, channels } = this.config.shape;
    const view = (buffer: GPUBuffer, suffix: string, shape: number[]): TensorView =>
      ({ name: `${name}.${suffix}`, buffer, offset: 0, size: shape.reduce((a, b) => a * b) * 4, shape });
    return {
      gradient: view(target.views.gradient, 'gradient', [classes.length, rows, cols, channels]),
      map: view(target.views.map, 'map', [classes.length, rows, cols]),
      classes: [...classes],
    };
  }
}

/** The kernel that takes layer `l`'s d raw to its input: training's, or for a first conv layer of 1 or 3 channels one without activation. */
function inputGradientKernel(layer: EngineConfig['layers'][number], config: EngineConfig, l: number): KernelName {
  if (l === 0 && layer.kind === 'conv' && layer.input.channels % 4 !== 0) return 'convBackwardInputAnyInput';
  return layerKernels(layer, config.gemm).backwardInput ?? 'convBackwardInput';
}

/** Rows of a saliency pass for `config`: as many as ROW_BUDGET_BYTES of activations and gradients hold. */
function saliencyRows(config: EngineConfig): number {
  const floats = config.sizes[0]! * 2 + config.layers.reduce((sum, layer) => {
    const map = pooledMap(layer);
    const pooled = map ? mapDims(map).reduce((a, b) => a * b) : 0;
    return sum + 3 * outputShape(layer).reduce((a, b) => a * b) + 3 * pooled;
  }, 0);
  return Math.max(MIN_ROWS, Math.min(MAX_ROWS, Math.floor(ROW_BUDGET_BYTES / (4 * floats))));
}
