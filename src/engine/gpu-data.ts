/** One split of the data set on the GPU: pixels and labels kept as bytes, packed four to a u32. */
import { BufferOwner } from '../gpu/buffers.js';
import type { ImageSet } from '../data/dataset.js';
import { CLASS_COUNT, ConfigError, INPUT_SIZE } from './config.js';

export class GpuImageSet {
  readonly images: GPUBuffer;
  readonly labels: GPUBuffer;
  readonly count: number;
  private readonly owner: BufferOwner;

  /** Uploads `set` once; throws a ConfigError if its shape does not fit the network or the device. */
  constructor(device: GPUDevice, set: ImageSet, name: string) {
    const pixels = set.rows * set.cols;
    if (pixels !== INPUT_SIZE) {
      throw new ConfigError('data', `${name} images are ${set.rows}×${set.cols}; the network takes 28×28 (784) inputs.`);
    }
    if (set.count < 1 || set.images.length !== set.count * pixels || set.labels.length !== set.count) {
      throw new ConfigError('data', `${name} set is inconsistent: ${set.count} samples, ${set.images.length} pixel bytes, ${set.labels.length} labels.`);
    }
    const badLabel = set.labels.findIndex((label) => label >= CLASS_COUNT);
    if (badLabel >= 0) {
      throw new ConfigError('data', `${name} label ${badLabel} is ${set.labels[badLabel]}; labels must be class indices 0–${CLASS_COUNT - 1}.`);
    }
    const limit = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
    if (set.images.byteLength > limit) {
      throw new ConfigError('data', `${name} images take ${set.images.byteLength} bytes, more than this device's ${limit}-byte buffer limit; use fewer samples.`);
    }
    this.count = set.count;
    this.owner = new BufferOwner(device, `GpuImageSet(${name})`);
    this.images = this.owner.createWith('images', set.images, GPUBufferUsage.STORAGE);
    this.labels = this.owner.createWith('labels', set.labels, GPUBufferUsage.STORAGE);
  }

  destroy(): void {
    this.owner.destroy();
  }
}
