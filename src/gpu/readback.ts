/** Reading GPU buffer ranges back to the CPU: for inspection and export, never for drawing. */

/** A range of a buffer, as WebGPU binds it. */
export interface BufferRange {
  readonly buffer: GPUBuffer;
  /** Byte offset. */
  readonly offset: number;
  /** Byte length, a multiple of 4. */
  readonly size: number;
}

/**
 * Copies the ranges into one staging buffer, maps it once, and returns a Float32Array per range.
 * @example const [weights] = await readRanges(device, [dictionary.layers[0].weights]);
 */
export async function readRanges(device: GPUDevice, ranges: readonly BufferRange[]): Promise<Float32Array[]> {
  const total = ranges.reduce((sum, r) => sum + r.size, 0);
  const staging = device.createBuffer({
    label: 'readRanges.staging',
    size: Math.max(4, total),
    usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ,
  });
  try {
    const encoder = device.createCommandEncoder({ label: 'readRanges' });
    let at = 0;
    for (const r of ranges) {
      if (r.size > 0) encoder.copyBufferToBuffer(r.buffer, r.offset, staging, at, r.size);
      at += r.size;
    }
    device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const all = new Float32Array(staging.getMappedRange().slice(0));
    staging.unmap();
    at = 0;
    return ranges.map((r) => {
      const part = all.slice(at / 4, (at + r.size) / 4);
      at += r.size;
      return part;
    });
  } finally {
    staging.destroy();
  }
}
