/** Runs one engine kernel on arrays from a test and reads chosen bindings back. */
import { bindGroup, getKernel, KERNELS, workgroupsFor, type BindingName, type KernelName } from '../../src/engine/kernels.js';
import { readRanges } from '../../src/gpu/readback.js';

/** Storage data, or uniform bytes (a Dims struct, a StepParams slot). */
export type BindingData = Float32Array | Uint32Array | { uniform: ArrayBufferView };

/**
 * Creates a buffer per binding (by its WGSL name), dispatches `name` over `extent` elements (the
 * kernel table's tile decides the workgroups; one workgroup without it), or over `workgroups`
 * exactly, and returns the bytes of the `read` bindings.
 * @example const { raw } = await runKernel(device, 'denseForward', { activation: 1 }, { dims: dims(r, i, o), x, weights, biases, raw, activated }, { extent: [o, r], read: ['raw'] });
 */
export async function runKernel<K extends KernelName>(
  device: GPUDevice,
  name: K,
  constants: Record<string, number>,
  bindings: Record<BindingName<K>, BindingData>,
  { extent, workgroups, read }: { extent?: [number, number?]; workgroups?: [number, number]; read: BindingName<K>[] },
): Promise<Record<BindingName<K>, ArrayBuffer>> {
  const kernel = await getKernel(device, name, constants);
  const buffers = new Map<string, GPUBuffer>();
  const entries = Object.entries<BindingData>(bindings);
  try {
    for (const [key, data] of entries) {
      const isUniform = 'uniform' in data;
      const bytes = isUniform ? data.uniform : data;
      const buffer = device.createBuffer({
        label: `runKernel.${name}.${key}`,
        size: Math.max(16, Math.ceil(bytes.byteLength / 16) * 16),
        usage: (isUniform ? GPUBufferUsage.UNIFORM : GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC) | GPUBufferUsage.COPY_DST,
      });
      device.queue.writeBuffer(buffer, 0, bytes.buffer, bytes.byteOffset, bytes.byteLength);
      buffers.set(key, buffer);
    }
    const resources = Object.fromEntries(entries.map(([key, data]) => [key, { buffer: buffers.get(key)!, size: Math.ceil(byteLength(data) / 4) * 4 }]));
    const group = bindGroup(device, kernel, `runKernel.${name}`, resources as Record<BindingName<K>, GPUBufferBinding>);
    const hasDynamicOffset = Object.values<{ kind: string }>(KERNELS[name].bindings).some((b) => b.kind === 'step');
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(kernel.pipeline);
    pass.setBindGroup(0, group, hasDynamicOffset ? [0] : []);
    const [x, y] = workgroups ?? (extent ? workgroupsFor(name, extent[0], extent[1]) : [1, 1]);
    pass.dispatchWorkgroups(x, y);
    pass.end();
    device.queue.submit([encoder.finish()]);
    const arrays = await readRanges(device, read.map((b) => ({ buffer: buffers.get(b)!, offset: 0, size: Math.ceil(byteLength(bindings[b]) / 4) * 4 })));
    return Object.fromEntries(read.map((b, i) => [b, arrays[i]!.buffer as ArrayBuffer])) as Record<BindingName<K>, ArrayBuffer>;
  } finally {
    for (const buffer of buffers.values()) buffer.destroy();
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
