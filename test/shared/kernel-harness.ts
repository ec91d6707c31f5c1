/** Runs one engine kernel on arrays from a test and reads chosen bindings back. */
import { bindGroup, getKernel, KERNELS, type KernelName } from '../../src/engine/kernels.js';
import { readRanges } from '../../src/gpu/readback.js';

/** Storage data, or uniform bytes (a Dims struct, a StepParams slot). */
export type BindingData = Float32Array | Uint32Array | { uniform: ArrayBufferView };

/**
 * Creates a buffer per binding, dispatches `name` once and returns the bytes of `read` bindings.
 * @example const out = await runKernel(device, 'denseForward', { activation: 1 }, { 0: { uniform: dims }, ... }, [2, 1], [4, 5]);
 */
export async function runKernel(
  device: GPUDevice,
  name: KernelName,
  constants: Record<string, number>,
  bindings: Record<number, BindingData>,
  workgroups: [number, number?],
  read: number[],
): Promise<Record<number, ArrayBuffer>> {
  const kernel = await getKernel(device, name, constants);
  const buffers: Record<number, GPUBuffer> = {};
  try {
    for (const [key, data] of Object.entries(bindings)) {
      const isUniform = 'uniform' in data;
      const bytes = isUniform ? data.uniform : data;
      const buffer = device.createBuffer({
        label: `runKernel.${name}.${key}`,
        size: Math.max(16, Math.ceil(bytes.byteLength / 16) * 16),
        usage: (isUniform ? GPUBufferUsage.UNIFORM : GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC) | GPUBufferUsage.COPY_DST,
      });
      device.queue.writeBuffer(buffer, 0, bytes.buffer, bytes.byteOffset, bytes.byteLength);
      buffers[Number(key)] = buffer;
    }
    const group = bindGroup(device, kernel, `runKernel.${name}`, Object.fromEntries(
      Object.entries(buffers).map(([key, buffer]) => [key, { buffer, size: Math.ceil(byteLength(bindings[Number(key)]) / 4) * 4 }]),
    ));
    const hasDynamicOffset = Object.values((KERNELS[name] as { bindings: Record<number, string> }).bindings).includes('step');
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(kernel.pipeline);
    pass.setBindGroup(0, group, hasDynamicOffset ? [0] : []);
    pass.dispatchWorkgroups(workgroups[0], workgroups[1] ?? 1);
    pass.end();
    device.queue.submit([encoder.finish()]);
    const arrays = await readRanges(device, read.map((b) => ({ buffer: buffers[b], offset: 0, size: Math.ceil(byteLength(bindings[b]) / 4) * 4 })));
    return Object.fromEntries(read.map((b, i) => [b, arrays[i].buffer as ArrayBuffer]));
  } finally {
    for (const buffer of Object.values(buffers)) buffer.destroy();
  }
}

function byteLength(data: BindingData): number {
  return 'uniform' in data ? data.uniform.byteLength : data.byteLength;
}

/** A Dims uniform (rows, inputs, outputs). */
export function dims(rows: number, inputs: number, outputs: number): { uniform: Uint32Array } {
  return { uniform: new Uint32Array([rows, inputs, outputs, 0]) };
}

/** Largest |a − b| / (1 + |b|) over two arrays of the same length, for reporting and tolerances. */
export function maxRelativeDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} ≠ ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i]));
    if (!(d <= worst)) worst = Number.isNaN(d) ? Infinity : d;
  }
  return worst;
}
