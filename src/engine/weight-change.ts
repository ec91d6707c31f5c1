/**
 * How much each layer's weights moved: ‖W − W₀‖ / ‖W₀‖ since the last measurement, reduced on the
 * GPU against a GPU-side snapshot (8 bytes per layer come back). Call measure() per epoch for the
 * per-epoch figure, or per chunk (in onProgress) for a finer curve.
 */
import { BufferOwner, storageUsage } from '../gpu/buffers.js';
import { readRanges } from '../gpu/readback.js';
import type { TrainingDictionary } from './dictionary.js';
import { bindGroup, getKernel, type Kernel } from './kernels.js';


export class WeightChangeMeter {
  private readonly owner: BufferOwner;
  private readonly snapshot: GPUBuffer;
  private readonly results: GPUBuffer;
  private readonly group: GPUBindGroup;

  /** Starts measuring from the dictionary's current weights. */
  static async create(device: GPUDevice, dictionary: TrainingDictionary): Promise<WeightChangeMeter> {
    return new WeightChangeMeter(device, dictionary, await getKernel(device, 'weightChange'));
  }

  private constructor(private readonly device: GPUDevice, private readonly dictionary: TrainingDictionary, private readonly kernel: Kernel<'weightChange'>) {
    this.owner = new BufferOwner(device, 'WeightChangeMeter');
    const ranges = Uint32Array.from(dictionary.layout.layers.flatMap((layer) => [layer.weights, layer.weightCount]));
    const layers = this.owner.createWith('layers', ranges, GPUBufferUsage.STORAGE);
    this.snapshot = this.owner.create('snapshot', dictionary.parameters.size, storageUsage());
    this.results = this.owner.create('results', dictionary.layers.length * 8, storageUsage());
    this.group = bindGroup(device, kernel, 'WeightChangeMeter', {
      layers: { buffer: layers }, parameters: { buffer: dictionary.parameters }, snapshot: { buffer: this.snapshot }, results: { buffer: this.results },
    });
    this.restart();
  }

  /** Takes the current weights as the reference (e.g. after reset or an import). */
  restart(): void {
    this.dictionary.copyParameters(this.snapshot);
  }

  /** Per layer, ‖W − W₀‖ / ‖W₀‖ since the previous call (or creation); then W₀ := W. */
  async measure(): Promise<number[]> {
    const encoder = this.device.createCommandEncoder({ label: 'WeightChangeMeter.measure' });
    const pass = encoder.beginComputePass();
    pass.setPipeline(this.kernel.pipeline);
    pass.setBindGroup(0, this.group);
    pass.dispatchWorkgroups(this.dictionary.layers.length);
    pass.end();
    this.device.queue.submit([encoder.finish()]);
    const [sums] = await readRanges(this.device, [{ buffer: this.results, offset: 0, size: this.results.size }]);
    return this.dictionary.layers.map((_, l) => (sums[2 * l + 1] > 0 ? Math.sqrt(sums[2 * l] / sums[2 * l + 1]) : 0));
  }

  destroy(): void {
    this.owner.destroy();
  }
}
