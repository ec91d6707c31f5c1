/**
 * Gather + dense forward of every layer into one set of Activations (the training/evaluation batch,
 * or the probe's own buffers): 1 + L dispatches. The output layer's raw logits are left for a
 * softmax kernel.
 */
import { BufferOwner } from '../gpu/buffers.js';
import { ACTIVATION_CODES, type EngineConfig } from './config.js';
import type { Activations, TrainingDictionary } from './dictionary.js';
import { bindGroup, denseKernels, getKernel, workgroupsFor, type Kernel } from './kernels.js';

/** A layer's forward kernel: the vec4 GEMM one, or the scalar one for widths that are not multiples of 4. */
type ForwardKernel = Kernel<'denseForward' | 'denseForwardVec4' | 'denseForwardTiles'>;
import { STEP_PARAMS_BYTES } from './step-table.js';

const DIMS_SLOT_BYTES = 256;

/** Where a batch comes from: a split's bytes, the sample order, and the step table to read. */
export interface BatchSource {
  readonly images: GPUBuffer;
  readonly labels: GPUBuffer;
  readonly order: GPUBuffer;
  readonly stepTable: GPUBuffer;
}

export class ForwardPass {
  /** Per layer: rows, inputs, outputs (Dims in common.wgsl), one 256-byte slot each. */
  readonly dims: GPUBuffer;
  private readonly owner: BufferOwner;
  private readonly forwardGroups: GPUBindGroup[];

  static async create(device: GPUDevice, config: EngineConfig, dictionary: TrainingDictionary, into: Activations, label: string, rows: number) {
    const { sizes } = config;
    const last = sizes.length - 2;
    const [gather, ...layerKernels] = await Promise.all([
      getKernel(device, 'gather', {
        pixels: config.sizes[0],
        inputScale: config.inputScale === 'unit' ? 1 / 255 : 1 / 127.5,
        inputShift: config.inputScale === 'unit' ? 0 : -1,
      }),
      // Hidden layers apply the activation; the output layer stays linear (softmax follows).
      ...dictionary.layers.map((_, l) => getKernel(device, denseKernels(sizes[l], sizes[l + 1], config.gemm).forward, {
        activation: l === last ? ACTIVATION_CODES.linear : ACTIVATION_CODES[config.activation],
      }) as Promise<ForwardKernel>),
    ]);
    return new ForwardPass(device, config, dictionary, into, label, rows, gather, layerKernels as ForwardKernel[]);
  }

  private constructor(
    private readonly device: GPUDevice,
    private readonly config: EngineConfig,
    private readonly dictionary: TrainingDictionary,
    /** The buffers this pass writes. */
    readonly into: Activations,
    label: string,
    rows: number,
    private readonly gather: Kernel<'gather'>,
    /** Per layer. */
    private readonly layerKernels: ForwardKernel[],
  ) {
    this.owner = new BufferOwner(device, label);
    const layers = dictionary.layers.length;
    this.dims = this.owner.create('dims', layers * DIMS_SLOT_BYTES, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
    this.setRows(rows);
    this.forwardGroups = dictionary.layers.map((layer, l) => {
      const kernel = layerKernels[l]!;
      const x = l === 0 ? into.input : into.layers[l - 1].outputs;
      return bindGroup(device, kernel, `${label}.forward${l}`, {
        dims: this.dimsBinding(l), x, weights: layer.weights, biases: layer.biases, raw: into.layers[l].rawOutputs, activated: into.layers[l].outputs,
      });
    });
  }

  /** Sets the rows every layer computes (queue-ordered: takes effect for work submitted later). */
  setRows(rows: number): void {
    const sizes = this.config.sizes;
    const slots = new Uint32Array((this.dictionary.layers.length * DIMS_SLOT_BYTES) / 4);
    for (let l = 0; l + 1 < sizes.length; l++) slots.set([rows, sizes[l], sizes[l + 1]], (l * DIMS_SLOT_BYTES) / 4);
    this.device.queue.writeBuffer(this.dims, 0, slots);
  }

  /** The Dims uniform of layer `l`. */
  dimsBinding(l: number): GPUBufferBinding {
    return { buffer: this.dims, offset: l * DIMS_SLOT_BYTES, size: 12 };
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
    const sizes = this.config.sizes;
    pass.setPipeline(this.gather.pipeline);
    pass.setBindGroup(0, gatherGroup, [slotOffset]);
    pass.dispatchWorkgroups(...workgroupsFor('gather', sizes[0], rows));
    this.forwardGroups.forEach((group, l) => {
      const kernel = this.layerKernels[l]!;
      pass.setPipeline(kernel.pipeline);
      pass.setBindGroup(0, group);
      pass.dispatchWorkgroups(...workgroupsFor(kernel.name, sizes[l + 1], rows));
    });
  }

  destroy(): void {
    this.owner.destroy();
  }
}
