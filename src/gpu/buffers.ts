/** GPU buffers with one owner: whoever creates a BufferOwner destroys everything it made. */

let liveBuffers = 0;

/** How many buffers nnscope has created and not yet destroyed (for leak tests). */
export function liveBufferCount(): number {
  return liveBuffers;
}

/**
 * A storage buffer that copies may also read and write: the engine's usual usage. A function, not
 * a constant: importing nnscope must work where WebGPU's globals (GPUBufferUsage, …) are missing.
 */
export function storageUsage(): GPUBufferUsageFlags {
  return GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
}

/**
 * Creates labelled buffers and destroys them all at once.
 * @example const owner = new BufferOwner(device, 'Engine'); const b = owner.create('stats', 16, GPUBufferUsage.STORAGE);
 */
export class BufferOwner {
  private readonly buffers = new Set<GPUBuffer>();

  constructor(readonly device: GPUDevice, private readonly prefix: string) {}

  /** A zero-filled buffer labelled 'prefix.name'; sizes are rounded up to 4 bytes. */
  create(name: string, size: number, usage: GPUBufferUsageFlags): GPUBuffer {
    const buffer = this.device.createBuffer({ label: `${this.prefix}.${name}`, size: Math.max(4, Math.ceil(size / 4) * 4), usage });
    this.buffers.add(buffer);
    liveBuffers++;
    return buffer;
  }

  /** A buffer holding `data` from the start. */
  createWith(name: string, data: ArrayBufferView, usage: GPUBufferUsageFlags): GPUBuffer {
    const buffer = this.create(name, data.byteLength, usage | GPUBufferUsage.COPY_DST);
    writeBytes(this.device, buffer, 0, data);
    return buffer;
  }

  /** Destroys one buffer made here (e.g. to replace it). */
  release(buffer: GPUBuffer): void {
    if (this.buffers.delete(buffer)) {
      buffer.destroy();
      liveBuffers--;
    }
  }

  destroy(): void {
    for (const buffer of this.buffers) buffer.destroy();
    liveBuffers -= this.buffers.size;
    this.buffers.clear();
  }
}

/** queue.writeBuffer for any typed array, padding a ragged tail to the 4 bytes WebGPU requires. */
export function writeBytes(device: GPUDevice, buffer: GPUBuffer, offset: number, data: ArrayBufferView): void {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const whole = bytes.byteLength & ~3;
  if (whole > 0) device.queue.writeBuffer(buffer, offset, bytes, 0, whole);
  if (whole < bytes.byteLength) {
    const tail = new Uint8Array(4);
    tail.set(bytes.subarray(whole));
    device.queue.writeBuffer(buffer, offset + whole, tail);
  }
}
