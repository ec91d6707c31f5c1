// `npm run dispatch-times`: the GPU time of each dispatch of a training step of the reference
// network (784-128-128-10, batch 128 unless --batch), under Dawn in Node, from timestamp queries. Each dispatch of
// a chunk is recorded into a compute pass of its own (timestampWrites around it), so the figures
// add the cost of a pass per dispatch; read them against each other. Options: --layers 128,128
// (or 'conv 3x3 16, pool 2, conv 3x3 32, pool 2, 64') --steps 8 --batch 128 --gemm auto|registers|tiles.
import { create, globals } from 'webgpu';

process.env.VK_ICD_FILENAMES ??= '/usr/lib/chromium/vk_swiftshader_icd.json';
process.env.XDG_RUNTIME_DIR ??= '/tmp';
Object.assign(globalThis, globals);

const args = new Map(process.argv.slice(2).map((arg) => arg.replace(/^--/, '').split('=') as [string, string]));
const layers = args.get('layers') ?? '128,128'; // the engine reads widths and conv/pool items alike
const steps = Number(args.get('steps') ?? 8);
const gemm = (args.get('gemm') ?? 'auto') as 'auto' | 'registers' | 'tiles';
const batch = Number(args.get('batch') ?? 128);

const gpu = create([]);
const adapter = (await gpu.requestAdapter())!;
if (!adapter.features.has('timestamp-query')) throw new Error('this adapter has no timestamp queries');
const device = await adapter.requestDevice({
  requiredFeatures: ['timestamp-query'],
  requiredLimits: { maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize, maxBufferSize: adapter.limits.maxBufferSize },
});
const { createEngine } = await import('../src/engine/engine.js');
const { layersText } = await import('../src/engine/layers.js');

const MAX_QUERIES = 4096;
const querySet = device.createQuerySet({ type: 'timestamp', count: MAX_QUERIES });
const resolved = device.createBuffer({ size: MAX_QUERIES * 8, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
const staging = device.createBuffer({ size: MAX_QUERIES * 8, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });

// While `timing`, every compute pass the engine begins is replaced by one pass per dispatch.
let timing = false;
const labels: string[] = [];
const encoderPrototype = Object.getPrototypeOf(device.createCommandEncoder());
const beginComputePass = encoderPrototype.beginComputePass;
encoderPrototype.beginComputePass = function (this: GPUCommandEncoder, descriptor?: GPUComputePassDescriptor) {
  if (!timing) return beginComputePass.call(this, descriptor);
  let pipeline: GPUComputePipeline | undefined;
  const groups = new Map<number, [GPUBindGroup, number[]]>();
  return {
    setPipeline: (p: GPUComputePipeline) => void (pipeline = p),
    setBindGroup: (index: number, group: GPUBindGroup, offsets: number[] = []) => void groups.set(index, [group, [...offsets]]),
    dispatchWorkgroups: (x: number, y = 1, z = 1) => {
      const at = 2 * labels.length;
      labels.push(pipeline!.label.replace(/^nnscope\./, ''));
      const pass = beginComputePass.call(this, { timestampWrites: { querySet, beginningOfPassWriteIndex: at, endOfPassWriteIndex: at + 1 } });
      pass.setPipeline(pipeline!);
      for (const [index, [group, offsets]] of groups) pass.setBindGroup(index, group, offsets);
      pass.dispatchWorkgroups(x, y, z);
      pass.end();
    },
    end: () => {},
  };
};

const count = 6400;
const split = () => ({ images: new Uint8Array(count * 784).map((_, i) => (i * 7) % 251), labels: Uint8Array.from({ length: count }, (_, i) => i % 10), count, rows: 28, cols: 28, channels: 1 as const });
const engine = await createEngine({ device, layers, batchSize: batch, stepsPerChunk: steps, gemm });
engine.setData({ train: split(), test: split(), classNames: [] });
await engine.step(steps); // compiles and warms up
timing = true;
await engine.step(steps);
timing = false;

const encoder = device.createCommandEncoder();
encoder.resolveQuerySet(querySet, 0, 2 * labels.length, resolved, 0);
encoder.copyBufferToBuffer(resolved, 0, staging, 0, 16 * labels.length);
device.queue.submit([encoder.finish()]);
await staging.mapAsync(GPUMapMode.READ);
const stamps = new BigInt64Array(staging.getMappedRange());
const perStep = labels.length / steps;
const rows = Array.from({ length: perStep }, (_, d) => {
  let ms = 0;
  for (let s = 0; s < steps; s++) ms += Number(stamps[2 * (s * perStep + d) + 1]! - stamps[2 * (s * perStep + d)]!) / 1e6;
  return { label: labels[d]!, ms: ms / steps };
});
const total = rows.reduce((sum, row) => sum + row.ms, 0);
console.log(`${adapter.info.vendor} ${adapter.info.architecture}, 784 → ${layersText(engine.config.layers)}, batch ${batch}, gemm ${engine.config.gemm}: mean over ${steps} steps`);
for (const { label, ms } of rows) console.log(`${ms.toFixed(2).padStart(8)} ms  ${(100 * ms / total).toFixed(0).padStart(3)}%  ${label}`);
console.log(`${total.toFixed(2).padStart(8)} ms        per step (${perStep} dispatches)`);
engine.destroy();
process.exit(0);
