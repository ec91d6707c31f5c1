/** One split of the data set on the GPU: pixels and labels kept as bytes, packed four to a u32. */
import { BufferOwner } from '../gpu/buffers.js';
import { pixelsOf, type DataShape, type ImageSet } from '../data/dataset.js';
import { ConfigError } from './config.js';

/** Bytes per image on the GPU: its pixels, padded to whole u32 words (the gather reads words). */
export function imageStride(shape: DataShape): number {
  return Math.ceil(pixelsOf(shape) / 4) * 4;
}

export class GpuImageSet {
  readonly images: GPUBuffer;
  readonly labels: GPUBuffer;
  readonly count: number;
  private readonly owner: BufferOwner;

  /** Uploads `set` once; throws a ConfigError if its shape does not fit the network or the device. */
  constructor(device: GPUDevice, set: ImageSet, name: string, shape: DataShape) {
    const channels = set.channels ?? 1;
    if (set.rows !== shape.rows || set.cols !== shape.cols || channels !== shape.channels) {
      throw new ConfigError('data', `${name} images are ${set.rows}×${set.cols}×${channels}; this network takes ${shape.rows}×${shape.cols}×${shape.channels}. ` +
        'Build the network for the data: createEngine({ shape: shapeOf(dataset) }).');
    }
    const pixels = pixelsOf(shape);
    if (set.count < 1 || set.images.length !== set.count * pixels || set.labels.length !== set.count) {
      throw new ConfigError('data', `${name} set is inconsistent: ${set.count} samples, ${set.images.length} pixel bytes, ${set.labels.length} labels.`);
    }
    const badLabel = set.labels.findIndex((label) => label >= shape.classes);
    if (badLabel >= 0) {
      throw new ConfigError('data', `${name} label ${badLabel} is ${set.labels[badLabel]}; labels must be class indices 0–${shape.classes - 1} (this network has ${shape.classes} classes).`);
    }
    const images = padded(set.images, set.count, pixels, imageStride(shape));
    const limit = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
    if (images.byteLength > limit) {
      const fits = Math.floor(limit / imageStride(shape));
      throw new ConfigError('data', `${name} images take ${images.byteLength} bytes, more than this device's ${limit}-byte buffer limit: at most ${fits} images of this size fit; use fewer.`);
    }
    this.count = set.count;
    this.owner = new BufferOwner(device, `GpuImageSet(${name})`);
    this.images = this.owner.createWith('images', images, GPUBufferUsage.STORAGE);
    this.labels = this.owner.createWith('labels', set.labels, GPUBufferUsage.STORAGE);
  }

  destroy(): void {
    this.owner.destroy();
  }
}

/** `images` with each image's bytes padded to `stride` (the same array when no padding is needed). */
function padded(images: Uint8Array, count: number, pixels: number, stride: number): Uint8Array {
  if (stride === pixels) return images;
  const out = new Uint8Array(count * stride);
  for (let i = 0; i < count; i++) out.set(images.subarray(i * pixels, (i + 1) * pixels), i * stride);
  return out;
}
