/**
 * The matmul probe of `npm run bench`: the best matrix-product rate this adapter gives our GEMM
 * core, so that training's achieved GFLOP/s can be read against it. It compiles the engine's own
 * vec4 forward kernel (gemm-nn.wgsl + dense-forward-vec4.wgsl) with several register blocks and
 * workgroup sizes, times the reference network's first product (128×784 · 784×128) with each, and
 * keeps the best. The engine's chosen block is one of the candidates.
 */
import { compileShader, KERNELS, sourceOf } from '../src/engine/kernels.js';
import { registerBlocks, workgroupsOf } from '../src/engine/kernel-spec.js';
import type { Layer } from '../src/engine/layers.js';
import type { Log } from './bench-tfjs.js';

export interface ProbeResult {
  ok: boolean;
  error?: string;
  /** rows × inputs → outputs of the product timed. */
  shape: { rows: number; inputs: number; outputs: number };
  candidates: { name: string; gflops: number }[];
  best: { name: string; gflops: number } | null;
  /** The block the engine uses, and its rate. */
  engine: { name: string; gflops: number } | null;
}

const SHAPE = { rows: 128, inputs: 784, outputs: 128 };
/** Register blocks (rows × vec4 columns) and 1-D workgroup sizes tried. */
const CANDIDATES = [
  { BLOCK_M: 4, BLOCK_N4: 1, workgroup: 64 },
  { BLOCK_M: 8, BLOCK_N4: 2, workgroup: 16 },
  { BLOCK_M: 16, BLOCK_N4: 2, workgroup: 16 },
  { BLOCK_M: 16, BLOCK_N4: 4, workgroup: 4 },
  { BLOCK_M: 16, BLOCK_N4: 4, workgroup: 16 },
  { BLOCK_M: 32, BLOCK_N4: 4, workgroup: 4 },
  { BLOCK_M: 32, BLOCK_N4: 8, workgroup: 4 },
];
/** Timed submissions per candidate (the best is kept) and the time one should take. */
const REPEATS = 5;
const TARGET_MS = 60;

export async function runProbe(device: GPUDevice, log: Log): Promise<ProbeResult> {
  const result: ProbeResult = { ok: false, shape: SHAPE, candidates: [], best: null, engine: null };
  const { rows, inputs, outputs } = SHAPE;
  const spec = KERNELS.denseForwardVec4;
  const buffers: GPUBuffer[] = [];
  const buffer = (bytes: number, usage: number) => {
    const b = device.createBuffer({ label: 'probe', size: bytes, usage });
    buffers.push(b);
    return b;
  };
  try {
    const storage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST;
    const dims = buffer(16, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
    device.queue.writeBuffer(dims, 0, new Uint32Array([rows, inputs, outputs, 0]));
    const fill = (count: number) => {
      const b = buffer(count * 4, storage);
      device.queue.writeBuffer(b, 0, Float32Array.from({ length: count }, (_, i) => Math.sin(i) * 0.1));
      return b;
    };
    const x = fill(rows * inputs), weights = fill(inputs * outputs), biases = fill(outputs);
    const raw = buffer(rows * outputs * 4, storage), activated = buffer(rows * outputs * 4, storage);
    const flops = 2 * rows * inputs * outputs;
    for (const { workgroup, ...blocks } of CANDIDATES) {
      const name = `${blocks.BLOCK_M}×${4 * blocks.BLOCK_N4} per invocation, workgroup ${workgroup}`;
      const candidate = { ...spec, ...registerBlocks(blocks, workgroup) };
      const module = await compileShader(device, `probe ${name}`, sourceOf(candidate));
      const pipeline = await device.createComputePipelineAsync({
        layout: 'auto', compute: { module, entryPoint: 'main', constants: { activation: 1, WORKGROUP_X: workgroup } },
      });
      const group = device.createBindGroup({
        layout: pipeline.getBindGroupLayout(0),
        entries: [dims, x, weights, biases, raw, activated].map((b, binding) => ({ binding, resource: { buffer: b } })),
      });
      const [groups] = workgroupsOf(candidate, outputs, rows);
      const run = async (dispatches: number) => {
        const encoder = device.createCommandEncoder();
        const pass = encoder.beginComputePass();
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, group);
        for (let d = 0; d < dispatches; d++) pass.dispatchWorkgroups(groups);
        pass.end();
        const start = performance.now();
        device.queue.submit([encoder.finish()]);
        await device.queue.onSubmittedWorkDone();
        return performance.now() - start;
      };
      const once = await run(1); // warms up, and sizes the timed submissions
      const dispatches = Math.max(1, Math.round(TARGET_MS / Math.max(once, 0.05)));
      let best = Infinity;
      for (let r = 0; r < REPEATS; r++) best = Math.min(best, (await run(dispatches)) / dispatches);
      const gflops = flops / (best / 1000) / 1e9;
      result.candidates.push({ name, gflops });
      const engine = blocks.BLOCK_M === KERNELS.denseForwardVec4.blocks.BLOCK_M && blocks.BLOCK_N4 === KERNELS.denseForwardVec4.blocks.BLOCK_N4 && workgroup === KERNELS.denseForwardVec4.workgroup[0];
      if (engine) result.engine = { name, gflops };
      log(`probe: ${name}: ${gflops.toFixed(2)} GFLOP/s${engine ? ' (the engine\'s block)' : ''}`);
    }
    result.best = result.candidates.reduce((a, b) => (b.gflops > a.gflops ? b : a));
    result.ok = true;
  } catch (error) {
    result.error = (error as Error).message;
    log(`probe: FAILED: ${result.error}`);
  } finally {
    for (const b of buffers) b.destroy();
  }
  return result;
}

/** Multiply-adds ×2 of one training sample's step: forward and weight gradients of every layer, input gradients of all but the first. */
export function trainingFlopsPerSample(sizes: readonly number[]): number {
  let flops = 0;
  for (let l = 0; l + 1 < sizes.length; l++) flops += 2 * sizes[l]! * sizes[l + 1]! * (l === 0 ? 2 : 3);
  return flops;
}

/**
 * trainingFlopsPerSample for layers with convolutions (e.g. resolveConfig(presets.cnn).layers): a conv's
 * product is 2·H·W·k·k·Cin·F (its output map, stride 1, 'same' padding); pooling is not counted.
 */
export function cnnFlopsPerSample(layers: readonly Layer[]): number {
  let flops = 0;
  layers.forEach((layer, l) => {
    const product = layer.kind === 'dense'
      ? 2 * layer.inputs * layer.outputs
      : 2 * layer.output.height * layer.output.width * layer.kernel * layer.kernel * layer.input.channels * layer.output.channels;
    flops += product * (l === 0 ? 2 : 3);
  });
  return flops;
}

/** Multiply-adds ×2 of one sample's forward pass. */
export function inferenceFlopsPerSample(sizes: readonly number[]): number {
  let flops = 0;
  for (let l = 0; l + 1 < sizes.length; l++) flops += 2 * sizes[l]! * sizes[l + 1]!;
  return flops;
}
