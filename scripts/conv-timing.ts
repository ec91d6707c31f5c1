// Times the convolution and pooling kernels (issue #13) on one layer, in Node through Dawn:
//   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json XDG_RUNTIME_DIR=/tmp \
//     node --import tsx --import ./scripts/wgsl-hook.mjs scripts/conv-timing.ts [--rows 128] [--size 28] [--inputs 16] [--filters 32] [--kernel 3] [--reps 5]
// Each kernel: one dispatch per submit, wall clock from submit to queue.onSubmittedWorkDone, after
// a warm-up; the best and the median of --reps submits. GFLOP/s counts the useful 2·M·N·K of each
// product (M = rows·size², the GEMM shapes in src/engine/conv-kernels.ts). Random data; the result
// is not checked here (test/browser/conv-kernels.test.ts does that).
import { nodeDevice } from './dawn.js';
import { parseArgs } from 'node:util';
import { bindGroup, getKernel, workgroupsFor, type BindingName, type KernelName } from '../src/engine/kernels.js';
import { convDims, convLayerShape, weightGradientWorkgroups } from '../src/engine/conv-kernels.js';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '128' }, size: { type: 'string', default: '28' }, inputs: { type: 'string', default: '16' },
    filters: { type: 'string', default: '32' }, kernel: { type: 'string', default: '3' }, reps: { type: 'string', default: '5' },
  },
});
const [rows, size, inputs, filters, kernel, reps] = [args.rows, args.size, args.inputs, args.filters, args.kernel, args.reps].map(Number) as number[];
// The engine's shape of such a layer, with the weight gradient's partial sums as training runs them.
const shape = convLayerShape({ kind: 'conv', kernel: kernel!, input: { height: size!, width: size!, channels: inputs! }, output: { height: size!, width: size!, channels: filters! } }, rows!);
const positions = rows! * size! * size!;
const device = await nodeDevice();

function buffer(floats: number, uniform?: Uint32Array): GPUBuffer {
  const b = device.createBuffer({ size: Math.max(32, Math.ceil(floats / 4) * 16), usage: (uniform ? GPUBufferUsage.UNIFORM : GPUBufferUsage.STORAGE) | GPUBufferUsage.COPY_DST });
  if (uniform) device.queue.writeBuffer(b, 0, uniform);
  else {
    const data = new Float32Array(Math.ceil(floats / 4) * 4);
    for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 12.9898) * 0.5;
    device.queue.writeBuffer(b, 0, data);
  }
  return b;
}

async function time<K extends KernelName>(name: K, constants: Record<string, number>, buffers: Record<BindingName<K>, GPUBuffer>, [x, y]: [number, number], flops: number) {
  const kernel = await getKernel(device, name, constants);
  const group = bindGroup(device, kernel, name, Object.fromEntries(Object.entries<GPUBuffer>(buffers).map(([k, b]) => [k, { buffer: b }])) as Record<BindingName<K>, GPUBufferBinding>);
  const once = async () => {
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(kernel.pipeline);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(x, y);
    pass.end();
    const t = performance.now();
    device.queue.submit([encoder.finish()]);
    await device.queue.onSubmittedWorkDone();
    return performance.now() - t;
  };
  await once();
  const times: number[] = [];
  for (let r = 0; r < reps!; r++) times.push(await once());
  times.sort((a, b) => a - b);
  const best = times[0]!;
  const median = times[Math.floor(times.length / 2)]!;
  const rate = flops ? `  ${(flops / best / 1e6).toFixed(2)} GFLOP/s best, ${(flops / median / 1e6).toFixed(2)} median` : '';
  console.log(`${name.padEnd(28)} ${x * y} workgroups  best ${best.toFixed(1)} ms  median ${median.toFixed(1)} ms${rate}`);
}

const dims = buffer(0, convDims(shape));
const input = buffer(positions * inputs!);
const output = () => buffer(positions * filters!);
const weights = buffer(kernel! ** 2 * inputs! * filters!);
const K = kernel! ** 2 * inputs!;
console.log(`conv ${rows}×${size}×${size}×${inputs} → ${filters} filters ${kernel}×${kernel}: M = ${positions}, K = ${K}, N = ${filters}; ${(2 * positions * K * filters! / 1e9).toFixed(3)} GFLOP per product`);
const forward = inputs! % 4 === 0 ? 'convForward' : 'convForwardAnyInput';
await time(forward, { activation: 1 }, { dims, input, weights, biases: buffer(filters!), raw: output(), activated: output() }, workgroupsFor(forward, filters!, positions), 2 * positions * K * filters!);
if (inputs! % 4 === 0) {
  await time('convBackwardInput', { activation: 1 }, { dims, gradient: output(), weights, previousRaw: input, previousActivated: input, previousGradient: buffer(positions * inputs!) }, workgroupsFor('convBackwardInput', inputs!, positions), 2 * positions * K * filters!);
}
const backwardWeights = inputs! % 4 === 0 ? 'convBackwardWeights' : 'convBackwardWeightsAnyInput';
const { splits } = shape;
const partialWeights = buffer(splits * K * filters!);
const partialBiases = buffer(splits * filters!);
console.log(`weight gradient in ${splits} partial sums of ${Math.ceil(positions / splits)} positions`);
await time(backwardWeights, {}, { dims, input, gradient: output(), dweights: partialWeights, dbiases: partialBiases }, weightGradientWorkgroups(shape), 2 * positions * K * filters!);
if (splits > 1) await time('convSumSplits', {}, { dims, partialWeights, partialBiases, dweights: buffer(K * filters!), dbiases: buffer(filters!) }, workgroupsFor('convSumSplits', (K + 1) * filters!), 0);
const poolDims = buffer(0, convDims({ rows: rows!, height: size!, width: size!, inputs: filters! }));
const pooled = Math.floor(size! / 2) ** 2 * rows! * filters!;
await time('poolForward', {}, { dims: poolDims, input: output(), pooled: buffer(pooled), argmax: buffer(pooled) }, workgroupsFor('poolForward', filters!, pooled / filters!), 0);
await time('poolBackward', { activation: 1 }, { dims: poolDims, gradient: buffer(pooled), argmax: buffer(pooled), previousRaw: output(), previousActivated: output(), previousGradient: output() }, workgroupsFor('poolBackward', filters!, positions), 0);
process.exit(0);
