/**
 * Gather + the forward pass of every layer into one set of Activations (the training/evaluation
 * batch, or the probe's own buffers): one dispatch for the gather, one per layer, and one more per
 * pool. The output layer's raw logits are left for a softmax kernel.
 */
import { BufferOwner } from '../gpu/buffers.js';
import { ACTIVATION_CODES, type EngineConfig } from './config.js';
import { augmentConstants } from './augment.js';
import { convDims, convLayerShape } from './conv-kernels.js';
import { passedOn, type Activations, type TensorView, type TrainingDictionary } from './dictionary.js';
import { pooledMap, type Layer } from './layers.js';
import { bindGroup, getKernel, layerKernels, workgroupsFor, type Kernel } from './kernels.js';
import { STEP_PARAMS_BYTES } from './step-table.js';

/** A layer's forward kernel: dense (vec4 GEMM, tiled, or scalar for widths not multiples of 4) or conv. */
type ForwardKernel = Kernel<'denseForward' | 'denseForwardVec4' | 'denseForwardRagged' | 'denseForwardTiles' | 'convForward' | 'convForwardAnyInput'>;

/** One uniform slot per layer and one per pool: Dims (common.wgsl) or ConvDims (conv-common.wgsl). */
const DIMS_SLOT_BYTES = 256;
const DIMS_BYTES = 12;
const CONV_DIMS_BYTES = 32;

/** Where a batch comes from: a split's bytes, the sample order, and the step table to read. */
export interface BatchSource {
  readonly images: GPUBuffer;
  readonly labels: GPUBuffer;
  readonly order: GPUBuffer;
  readonly stepTable: GPUBuffer;
}

/** A tensor bound as array<vec4f>: its range rounded up to whole vec4s (the dictionary allocates its activation buffers so). */
export function vec4Binding(view: TensorView): GPUBufferBinding {
  return { buffer: view.buffer, offset: view.offset, size: Math.ceil(view.size / 16) * 16 };
}

/** The forward kernel of `layer`, with `activation` applied to its output. */
function forwardKernelOf(device: GPUDevice, layer: Layer, gemm: EngineConfig['gemm'], activation: number): Promise<ForwardKernel> {
  return getKernel(device, layerKernels(layer, gemm).forward, { activation }) as Promise<ForwardKernel>;
}

/** The elements a layer's kernels cover: dense x outputs × y rows; conv x filters × y positions (conv-kernels.ts). */
export function layerExtent(layer: Layer, rows: number): [x: number, y: number] {
  return layer.kind === 'dense' ? [layer.outputs, rows] : [layer.output.channels, rows * layer.output.height * layer.output.width];
}

/** The elements a layer's input-gradient kernel covers: x the inputs (or input channels) × y rows (or positions). */
export function inputExtent(layer: Layer, rows: number): [x: number, y: number] {
  return layer.kind === 'dense' ? [layer.inputs, rows] : [layer.input.channels, rows * layer.input.height * layer.input.width];
}

export class ForwardPass {
  /** Per layer two slots: the layer's dims, then its pool's (Dims or ConvDims). */
  readonly dims: GPUBuffer;
  private readonly owner: BufferOwner;
  private readonly forwardGroups: GPUBindGroup[];
  private readonly poolGroups: (GPUBindGroup | undefined)[];

  /** `augmented`: the gather applies config.augment (training batches only). */
  static async create(device: GPUDevice, config: EngineConfig, dictionary: TrainingDictionary, into: Activations, label: string, rows: number, augmented = false) {
    const last = config.layers.length - 1;
    const pooled = config.layers.some((layer) => pooledMap(layer));
    const [gather, pool, ...layerKernels] = await Promise.all([
      getKernel(device, 'gather', {
        pixels: config.sizes[0],
        inputScale: config.inputScale === 'unit' ? 1 / 255 : 1 / 127.5,
        inputShift: config.inputScale === 'unit' ? 0 : -1,
        ...(augmented ? augmentConstants(config.augment, config.seed, config.shape) : {}),
      }),
      pooled ? getKernel(device, 'poolForward') : undefined,
      // Hidden layers apply the activation; the output layer stays linear (softmax follows).
      ...config.layers.map((layer, l) => forwardKernelOf(device, layer, config.gemm, l === last ? ACTIVATION_CODES.linear : ACTIVATION_CODES[config.activation])),
    ]);
    return new ForwardPass(device, config, dictionary, into, label, rows, gather, pool, layerKernels as ForwardKernel[]);
  }

  private constructor(
    private readonly device: GPUDevice,
    private readonly config: EngineConfig,
    dictionary: TrainingDictionary,
    /** The buffers this pass writes. */
    readonly into: Activations,
    label: string,
    rows: number,
    private readonly gather: Kernel<'gather'>,
    private readonly pool: Kernel<'poolForward'> | undefined,
    /** Per layer. */
    private readonly layerKernels: ForwardKernel[],
  ) {
    this.owner = new BufferOwner(device, label);
    this.dims = this.owner.create('dims', 2 * config.layers.length * DIMS_SLOT_BYTES, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
    this.setRows(rows);
    this.forwardGroups = config.layers.map((layer, l) => {
      const kernel = layerKernels[l]!;
      const out = into.layers[l];
      const x = l === 0 ? into.input : passedOn(into.layers[l - 1]);
      const { weights, biases } = dictionary.layers[l];
      if (layer.kind === 'conv') {
        return bindGroup(device, kernel as Kernel<'convForward'>, `${label}.forward${l}`, {
          dims: this.dimsBinding(l), input: vec4Binding(x), weights, biases, raw: vec4Binding(out.rawOutputs), activated: vec4Binding(out.outputs),
        });
      }
      return bindGroup(device, kernel as Kernel<'denseForward'>, `${label}.forward${l}`, {
        dims: this.dimsBinding(l), x, weights, biases, raw: out.rawOutputs, activated: out.outputs,
      });
    });
    this.poolGroups = config.layers.map((_, l) => {
      const { outputs, pooled, argmax } = into.layers[l];
      if (!pooled || !argmax) return undefined;
      return bindGroup(device, this.pool!, `${label}.pool${l}`, {
        dims: this.poolDimsBinding(l), input: vec4Binding(outputs), pooled: vec4Binding(pooled), argmax: { buffer: argmax },
      });
    });
  }

  /** Sets the rows every layer computes (queue-ordered: takes effect for work submitted later). */
  setRows(rows: number): void {
    const slots = new Uint32Array((this.dims.size) / 4);
    const at = (slot: number) => (slot * DIMS_SLOT_BYTES) / 4;
    this.config.layers.forEach((layer, l) => {
      if (layer.kind === 'dense') {
        slots.set([rows, layer.inputs, layer.outputs], at(2 * l));
        return;
      }
      const { height, width } = layer.input;
      slots.set(convDims(convLayerShape(layer, rows)), at(2 * l));
      if (layer.pooled) slots.set(convDims({ rows, height, width, inputs: layer.output.channels }), at(2 * l + 1));
    });
    this.device.queue.writeBuffer(this.dims, 0, slots);
  }

  /** The dims uniform of layer `l` (Dims for a dense layer, ConvDims for a conv). */
  dimsBinding(l: number): GPUBufferBinding {
    return { buffer: this.dims, offset: 2 * l * DIMS_SLOT_BYTES, size: this.config.layers[l]!.kind === 'dense' ? DIMS_BYTES : CONV_DIMS_BYTES };
  }

  /** The ConvDims uniform of layer `l`'s pool (its input: the conv's output). */
  poolDimsBinding(l: number): GPUBufferBinding {
    return { buffer: this.dims, offset: (2 * l + 1) * DIMS_SLOT_BYTES, size: CONV_DIMS_BYTES };
  }

  /** A gather bind group for a data split and an order; build it once per source, not per batch. */
  gatherGroup(source: BatchSource, label: string): GPUBindGroup {
    return bindGroup(this.device, this.gather, label, {
      params: { buffer: source.stepTable, offset: 0, size: STEP_PARAMS_BYTES },
      images: { buffer: source.images }, labels: { buffer: source.labels }, order: { buffer: source.order },
      batch: this.into.input, batchLabels: { buffer: this.into.labels },
    });
  }

  /** Records gather (from `gatherGroup`'s source, step slot at byte `slotOffset`) + forward of `rows` rows. */
  encode(pass: GPUComputePassEncoder, gatherGroup: GPUBindGroup, slotOffset: number, rows: number): void {
    pass.setPipeline(this.gather.pipeline);
    pass.setBindGroup(0, gatherGroup, [slotOffset]);
    pass.dispatchWorkgroups(...workgroupsFor('gather', this.config.sizes[0], rows));
    this.config.layers.forEach((layer, l) => {
      const kernel = this.layerKernels[l]!;
      pass.setPipeline(kernel.pipeline);
      pass.setBindGroup(0, this.forwardGroups[l]);
      pass.dispatchWorkgroups(...workgroupsFor(kernel.name, ...layerExtent(layer, rows)));
      const poolGroup = this.poolGroups[l];
      const map = pooledMap(layer);
      if (poolGroup && map) {
        pass.setPipeline(this.pool!.pipeline);
        pass.setBindGroup(0, poolGroup);
        pass.dispatchWorkgroups(...workgroupsFor('poolForward', map.channels, rows * map.height * map.width));
      }
    });
  }

  destroy(): void {
    this.owner.destroy();
  }
}
