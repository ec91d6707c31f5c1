/**
 * Gather + dense forward of every layer into one set of Activations (the training/evaluation batch,
 * or the probe's own buffers): 1 + L dispatches. The output layer's raw logits are left for a
 * softmax kernel.
 */
import { BufferOwner } from '../gpu/buffers.js';
import { ACTIVATION_CODES, type EngineConfig } from './config.js';
import type { Activations, TrainingDictionary } from './dictionary.js';
import { bindGroup, getKernel, workgroupsFor, type Kernel } from './kernels.js';
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
    const hidden = ACTIVATION_CODES[config.activation];
    const [gather, hiddenForward, outputForward] = await Promise.all([
      getKernel(device, 'gather', {
        pixels: config.sizes[0],
        inputScale: config.inputScale === 'unit' ? 1 / 255 : 1 / 127.5,
        inputShift: config.inputScale === 'unit' ? 0 : -1,
      }),
      getKernel(device, 'denseForward', { activation: hidden }),
      getKernel(device, 'denseForward', { activation: ACTIVATION_CODES.linear }),
    ]);
    return new ForwardPass(device, config, dictionary, into, label, rows, gather, hiddenForward, outputForward);
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
    private readonly hiddenForward: Kernel<'denseForward'>,
    private readonly outputForward: Kernel<'denseForward'>,
  ) {
    this.owner = new BufferOwner(device, label);
    const layers = dictionary.layers.length;
    this.dims = this.owner.create('dims', layers * DIMS_SLOT_BYTES, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
    this.setRows(rows);
    this.forwardGroups = dictionary.layers.map((layer, l) => {
      const kernel = this.layerKernel(l);
      const x = l === 0 ? into.input : into.layers[l - 1].outputs;
      return bindGroup(device, kernel, `${label}.forward${l}`, {
        dims: this.dimsBinding(l), x, weights: layer.weights, biases: layer.biases, raw: into.layers[l].rawOutputs, activated: into.layers[l].outputs,
      });
    });
  }

  /** Hidden layers apply the activation; the output layer stays linear (softmax follows). */
  private layerKernel(l: number): Kernel<'denseForward'> {
    return l === this.dictionary.layers.length - 1 ? this.outputForward : this.hiddenForward;
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
      pass.setPipeline(this.layerKernel(l).pipeline);
      pass.setBindGroup(0, group);
      pass.dispatchWorkgroups(...workgroupsFor('denseForward', sizes[l + 1], rows));
    });
  }

  destroy(): void {
    this.owner.destroy();
  }
}
