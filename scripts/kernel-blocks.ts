// Times the engine's own dense GEMM kernels (the WGSL of the kernel table, unrolled for each block)
// with candidate register blocks, and the tiled variant (the GPUs') with its tile, under Dawn in
// Node: how the blocks in src/engine/kernels.ts were chosen (issue #16). Each candidate is checked against a float64 product first, then timed as
// submissions of repeated dispatches (about 60 ms each); --rounds rounds time every candidate once
// each, so load from other processes spreads over all of them, and the best round is kept.
//   node --import tsx --import ./scripts/wgsl-hook.mjs scripts/kernel-blocks.ts \
//     [--shape 128,784,128] [--rounds 7] [--kernels denseForwardVec4,denseBackwardInputVec4,…]
// --shape is rows,inputs,outputs of one dense layer (the reference network's first by default;
// 128,128,10 for its output layer, which the *Ragged kernels take).
import { parseArgs } from 'node:util';
import { nodeDevice } from './dawn.js';
import { compileShader, KERNELS, sourceOf, type KernelName } from '../src/engine/kernels.js';
import { registerBlocks, workgroupsOf, type KernelSpec } from '../src/engine/kernel-spec.js';
import { backwardInput, backwardWeights, matmulForward, mulberry32, randomArray } from '../test/reference/mlp.js';

const { values: args } = parseArgs({
  options: {
    shape: { type: 'string', default: '128,784,128' },
    rounds: { type: 'string', default: '7' },
    kernels: { type: 'string' },
  },
});
const [rows, inputs, outputs] = args.shape!.split(',').map(Number) as [number, number, number];
const ROUNDS = Number(args.rounds);
const SUBMIT_MS = 60;

/** Register blocks tried: rows × vec4 columns (and, for the weight gradient, rows of k per iteration). */
const NN_BLOCKS = [[16, 4], [32, 4], [16, 8], [32, 8], [64, 4]].map(([m, n]) => ({ BLOCK_M: m!, BLOCK_N4: n! }));
const TN_BLOCKS = [[16, 4, 8], [16, 4, 4], [32, 4, 4], [32, 4, 8], [16, 8, 4], [32, 8, 4]].map(([m, n, k]) => ({ BLOCK_M: m!, BLOCK_M4: m! / 4, BLOCK_N4: n!, BLOCK_K: k! }));
const RAGGED_BLOCKS = [[32, 1], [32, 2], [16, 2], [32, 4]].map(([m, n]) => ({ BLOCK_M: m!, BLOCK_N4: n! }));
const CANDIDATES: Partial<Record<KernelName, readonly Record<string, number>[]>> = {
  denseForwardVec4: NN_BLOCKS,
  denseBackwardInputVec4: NN_BLOCKS,
  denseBackwardWeightsVec4: TN_BLOCKS,
  denseForwardRagged: RAGGED_BLOCKS,
  denseBackwardInputRagged: NN_BLOCKS,
  denseBackwardWeightsRagged: RAGGED_BLOCKS.map((b) => ({ ...b, BLOCK_M4: b.BLOCK_M / 4, BLOCK_K: 4 })),
  // The GPUs' variant, with its own tile (workgroup memory and barriers), for comparison.
  denseForwardTiles: [KERNELS.denseForwardTiles.blocks],
  denseBackwardInputTiles: [KERNELS.denseBackwardInputTiles.blocks],
  denseBackwardWeightsTiles: [KERNELS.denseBackwardWeightsTiles.blocks],
};
const ragged = outputs % 4 !== 0;
const names = (args.kernels?.split(',') ?? Object.keys(CANDIDATES).filter((name) => name.endsWith('Ragged') === ragged)) as KernelName[];

const device = await nodeDevice();
const rng = mulberry32(1);
const values = (count: number) => Float32Array.from(randomArray(Math.ceil(count / 4) * 4, rng, 0.5));
const data = { x: values(rows * inputs), weights: values(inputs * outputs), gradient: values(rows * outputs) };
const buffer = (array: Float32Array) => {
  const b = device.createBuffer({ size: array.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC });
  device.queue.writeBuffer(b, 0, array);
  return b;
};
const dims = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
device.queue.writeBuffer(dims, 0, new Uint32Array([rows, inputs, outputs, 0]));
const zeros = (count: number) => buffer(new Float32Array(Math.ceil(count / 4) * 4));
const ones = (count: number) => buffer(new Float32Array(Math.ceil(count / 4) * 4).fill(1));
// Linear activations (previousRaw = previousActivated = 1 for the input gradient: derivative 1), so
// each kernel's output is its plain product.
const x = buffer(data.x), weights = buffer(data.weights), gradient = buffer(data.gradient);

/** The kernel's bindings, which of them holds the product, its extent, and the product in float64 (test/reference/mlp.ts). */
function job(name: KernelName) {
  if (name.startsWith('denseForward')) {
    const raw = zeros(rows * outputs);
    return { resources: { dims, x, weights, biases: zeros(outputs), raw, activated: zeros(rows * outputs) }, out: raw, extent: [outputs, rows] as const, expected: matmulForward(data.x, data.weights, new Float32Array(outputs), rows, inputs, outputs) };
  }
  if (name.startsWith('denseBackwardInput')) {
    const previousGradient = zeros(rows * inputs);
    return { resources: { dims, gradient, weights, previousRaw: ones(rows * inputs), previousActivated: ones(rows * inputs), previousGradient }, out: previousGradient, extent: [inputs, rows] as const, expected: backwardInput(data.gradient, data.weights, rows, inputs, outputs) };
  }
  const dweights = zeros(inputs * outputs);
  return { resources: { dims, x, gradient, dweights, dbiases: zeros(outputs) }, out: dweights, extent: [outputs, inputs] as const, expected: backwardWeights(data.x, data.gradient, rows, inputs, outputs).dweights };
}

async function read(source: GPUBuffer, count: number): Promise<Float32Array> {
  const staging = device.createBuffer({ size: source.size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const encoder = device.createCommandEncoder();
  encoder.copyBufferToBuffer(source, 0, staging, 0, source.size);
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const result = new Float32Array(staging.getMappedRange().slice(0, count * 4));
  staging.destroy();
  return result;
}

interface Candidate { label: string; engine: boolean; compileMs: number; run: (dispatches: number) => Promise<number>; dispatches: number; best: number }
const candidates: Candidate[] = [];
for (const name of names) {
  const spec: KernelSpec = KERNELS[name];
  const { resources, out, extent, expected } = job(name);
  for (const blocks of CANDIDATES[name] ?? []) {
    const candidate: KernelSpec = spec.tile ? spec : { ...spec, ...registerBlocks(blocks as never, spec.workgroup![0]!) };
    const engine = Object.entries(blocks).every(([key, value]) => spec.blocks?.[key] === value);
    const label = `${name} ${Object.entries(blocks).map(([key, value]) => `${key}=${value}`).join(' ')}`;
    const start = performance.now();
    const module = await compileShader(device, label, sourceOf(candidate));
    const pipeline = await device.createComputePipelineAsync({
      layout: 'auto', compute: { module, entryPoint: spec.entryPoint, constants: { WORKGROUP_X: candidate.workgroup![0]!, ...(name.includes('Weights') ? {} : { activation: 0 }) } },
    });
    const compileMs = performance.now() - start;
    const group = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: Object.entries(resources).map(([binding, b]) => ({ binding: spec.bindings[binding]!.binding, resource: { buffer: b } })),
    });
    const groups = workgroupsOf(candidate, ...extent);
    const run = async (dispatches: number) => {
      const encoder = device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, group);
      for (let d = 0; d < dispatches; d++) pass.dispatchWorkgroups(...groups);
      pass.end();
      const t = performance.now();
      device.queue.submit([encoder.finish()]);
      await device.queue.onSubmittedWorkDone();
      return performance.now() - t;
    };
    const once = await run(1);
    const result = await read(out, expected.length);
    const scale = expected.reduce((largest, v) => Math.max(largest, Math.abs(v)), 0);
    const error = result.reduce((worst, v, i) => Math.max(worst, Math.abs(v - expected[i]!) / scale), 0); // relative to the largest value
    if (!(error < 1e-5)) throw new Error(`${label}: differs from the float64 product by ${error}`);
    candidates.push({ label, engine, compileMs, run, dispatches: Math.max(1, Math.round(SUBMIT_MS / Math.max(once, 0.05))), best: Infinity });
  }
}
for (let round = 0; round < ROUNDS; round++) {
  for (const c of candidates) c.best = Math.min(c.best, (await c.run(c.dispatches)) / c.dispatches);
}
const flops = 2 * rows * inputs * outputs;
console.log(`${device.adapterInfo.vendor} ${device.adapterInfo.architecture}, ${rows} rows, ${inputs} → ${outputs}: best of ${ROUNDS} rounds`);
for (const c of candidates) {
  console.log(`${(flops / c.best / 1e6).toFixed(2).padStart(7)} GFLOP/s ${c.best.toFixed(3).padStart(7)} ms  compile ${c.compileMs.toFixed(0).padStart(5)} ms  ${c.label}${c.engine ? '  (the engine\'s)' : ''}`);
}
process.exit(0);
