// Times whole training steps of engines that differ only in the register blocks of some kernels,
// under Dawn in Node: what a block change does in context, where the kernels share caches and
// run back to back (kernel-blocks.ts times one kernel alone, which can mislead). Each variant has
// a device and an engine of its own, and the variants take turns chunk by chunk in one process,
// so the machine's drift falls on all of them alike; the first variant is the baseline. Run the
// baseline against itself to see the noise (here, 2 shared cores: median ratios within ±6% over
// 10 rounds).
//   node --import tsx --import ./scripts/wgsl-hook.mjs scripts/step-blocks.ts \
//     --variants '{"engine": {}, "tn 32×32": {"denseBackwardWeightsVec4": {"BLOCK_M": 32, "BLOCK_M4": 8, "BLOCK_N4": 8, "BLOCK_K": 4}}}' \
//     [--rounds 10] [--steps 32] [--layers 128,128] [--evaluate]
// --evaluate times engine.evaluate() instead of training steps.
import { nodeDevice } from './dawn.js'; // first: sets up the WebGPU globals the engine needs
import { parseArgs } from 'node:util';
import { createEngine } from '../src/engine/engine.js';
import { KERNELS } from '../src/engine/kernels.js';
import { registerBlocks, type KernelSpec } from '../src/engine/kernel-spec.js';
import { syntheticDataset } from '../test/shared/reference-run.js';

const { values: args } = parseArgs({
  options: {
    variants: { type: 'string', default: '{"engine": {}, "engine again": {}}' },
    rounds: { type: 'string', default: '10' },
    steps: { type: 'string', default: '32' },
    layers: { type: 'string', default: '128,128' },
    evaluate: { type: 'boolean', default: false },
  },
});

// The kernel table is read when pipelines are built and when dispatches are sized, so a variant's
// blocks stand in the table while its engine is built and while it runs, and only then.
const table = KERNELS as unknown as Record<string, KernelSpec>;
const original = { ...table };
type Blocks = Record<string, Record<string, number>>;
function withBlocks<T>(blocks: Blocks, run: () => Promise<T>): Promise<T> {
  for (const [name, block] of Object.entries(blocks)) {
    const spec = original[name];
    if (!spec?.blocks || spec.tile) throw new Error(`${name} is not a register-core kernel of the table`);
    table[name] = { ...spec, ...registerBlocks({ ...spec.blocks, ...block } as never, spec.workgroup![0]!) };
  }
  return run().finally(() => Object.assign(table, original));
}

const data = syntheticDataset(12800, 12800, 1);
const variants = [];
for (const [name, blocks] of Object.entries(JSON.parse(args.variants!) as Record<string, Blocks>)) {
  const device = await nodeDevice();
  const engine = await withBlocks(blocks, async () => {
    const engine = await createEngine({ device, layers: args.layers, batchSize: 128, stepsPerChunk: 16, gemm: 'registers' });
    engine.setData(data);
    await engine.step(16);
    return engine;
  });
  variants.push({ name, blocks, engine, times: [] as number[] });
}
const rounds = Number(args.rounds);
const steps = Number(args.steps);
for (let round = 0; round < rounds; round++) {
  for (const variant of round % 2 ? [...variants].reverse() : variants) {
    await withBlocks(variant.blocks, async () => {
      const start = performance.now();
      if (args.evaluate) await variant.engine.evaluate();
      else await variant.engine.step(steps);
      variant.times.push((performance.now() - start) / (args.evaluate ? 1 : steps));
    });
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
const [base] = variants;
console.log(`${args.evaluate ? 'evaluate()' : `training steps of 784 → ${args.layers} → 10, batch 128`}, ${rounds} interleaved rounds`);
for (const variant of variants) {
  const ratio = median(variant.times.map((t, i) => t / base!.times[i]!));
  const faster = variant.times.filter((t, i) => t < base!.times[i]!).length;
  console.log(`${variant.name.padEnd(20)} median ${median(variant.times).toFixed(2)} ms${args.evaluate ? '' : ' a step'}; against ${base!.name}: median ratio ${ratio.toFixed(3)}, faster in ${faster} of ${rounds}`);
}
process.exit(0);
