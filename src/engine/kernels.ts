/**
 * The engine's compute pipelines and their explicit bind-group layouts, built once per device and
 * variant and cached (a lost device takes its cache with it).
 */
import common from '../../shaders/common.wgsl';
import activation from '../../shaders/activation.wgsl';
import gatherBatch from '../../shaders/gather-batch.wgsl';
import denseForward from '../../shaders/dense-forward.wgsl';
import denseBackwardInput from '../../shaders/dense-backward-input.wgsl';
import denseBackwardWeights from '../../shaders/dense-backward-weights.wgsl';
import gemmCommon from '../../shaders/gemm-common.wgsl';
import gemmNn from '../../shaders/gemm-nn.wgsl';
import gemmNt from '../../shaders/gemm-nt.wgsl';
import gemmTn from '../../shaders/gemm-tn.wgsl';
import gemmNnTiles from '../../shaders/gemm-nn-tiles.wgsl';
import gemmNtTiles from '../../shaders/gemm-nt-tiles.wgsl';
import gemmTnTiles from '../../shaders/gemm-tn-tiles.wgsl';
import denseForwardVec4 from '../../shaders/dense-forward-vec4.wgsl';
import denseBackwardInputVec4 from '../../shaders/dense-backward-input-vec4.wgsl';
import denseBackwardWeightsVec4 from '../../shaders/dense-backward-weights-vec4.wgsl';
import denseForwardRagged from '../../shaders/dense-forward-ragged.wgsl';
import denseBackwardInputRagged from '../../shaders/dense-backward-input-ragged.wgsl';
import denseBackwardWeightsRagged from '../../shaders/dense-backward-weights-ragged.wgsl';
import softmaxCrossEntropy from '../../shaders/softmax-cross-entropy.wgsl';
import optimizerSgd from '../../shaders/optimizer-sgd-momentum.wgsl';
import optimizerAdam from '../../shaders/optimizer-adam.wgsl';
import classSums from '../../shaders/class-sums.wgsl';
import classRows from '../../shaders/class-rows.wgsl';
import weightChange from '../../shaders/weight-change.wgsl';
import saliencySeed from '../../shaders/saliency-seed.wgsl';
import saliencyReduce from '../../shaders/saliency-reduce.wgsl';
import { blockConstants, unroll } from './unroll.js';
import { read, registerBlocks, step, uniform, workgroupsOf, write, type BindingSpec, type KernelSpec } from './kernel-spec.js';
import { CONV_KERNELS, convKernels, convLayerShape, weightGradientWorkgroups } from './conv-kernels.js';
import type { Layer } from './layers.js';
import type { GemmVariant } from './config.js';

export type { KernelSpec } from './kernel-spec.js';

/** Dense kernels for other widths: each invocation keeps a 4×4 block in registers; 8×8 invocations cover 32×32. */
const DENSE = { workgroup: [8, 8], perInvocation: [4, 4] } as const;

/**
 * The vec4 dense kernels' register blocks (rows × vec4 columns per invocation) in workgroups of 4
 * invocations numbered linearly. Tried on SwiftShader with the engine's own kernels
 * (scripts/kernel-blocks.ts, the reference network's first layer, 128 rows, 784 → 128; GFLOP/s of
 * runs minutes apart): forward 16×16 3.1, 32×16 4.0–5.0, 16×32 4.7–5.5, 32×32 4.6–5.6, 64×16 4.4–5.0;
 * weight gradient 16×16 with 8 rows of k per iteration 3.5–4.2 (it had been 1.7× faster than 1
 * row), 32×16 with 4 rows 3.3–4.3, 32×32 with 4 rows 4.1–5.0. Single kernels trade places from run
 * to run, so the blocks were chosen on whole training in the browser: forward 32×32 and weight
 * gradient 32×16 with 4 rows trained faster than 32×16 and 16×16 with 8 rows in 6 of 7 alternating
 * pairs (7% on average; the README's "Matrix kernels"). Bigger blocks compile longer (forward 32×32
 * 2.4 s against 1.1 s for 32×16; weight gradient 32×32 3.0 s), so the input gradient, which only
 * the second layer (128 → 128) needs, and the weight gradient stay at 32×16. In whole training
 * steps in Dawn (scripts/step-blocks.ts, two runs of 10 interleaved rounds) no other block was
 * faster beyond the noise (the engine against itself: 0.95–1.06×): weight gradient 32×32
 * 1.02–1.04× the step time, 16×16 with 8 rows 1.07–1.08×, 64×16 1.06–1.07×; forward 16×32
 * 0.99–1.07×, 32×16 0.98–1.11×, 64×16 1.00–1.08×.
 */
const GEMM_BLOCK_NN = { BLOCK_M: 32, BLOCK_N4: 8 } as const;
const GEMM_BLOCK_NT = { BLOCK_M: 32, BLOCK_N4: 4 } as const;
const TN_ROWS = 32;
const GEMM_BLOCK_TN = { BLOCK_M: TN_ROWS, BLOCK_M4: TN_ROWS / 4, BLOCK_N4: 4, BLOCK_K: 4 } as const; // BLOCK_M4: the rows in vec4 runs; BLOCK_K: k rows per loop iteration
const GEMM_WORKGROUP = 4;
/**
 * The ragged kernels' blocks (inputs a multiple of 4, outputs not: the output layer), where B's
 * vec4s are gathered from scalars. On the output layer (128 rows, 128 → 10; scripts/kernel-blocks.ts)
 * they are as fast as bigger blocks within 10% and compile in a third of the time: forward 16 × 8
 * (0.36 ms, compiled in 0.3 s; 32 × 8 0.33 ms, 0.8 s), weight gradient 32 × 4 (0.38 ms, 0.3 s;
 * 32 × 8 0.37 ms, 0.8 s), input gradient 16 × 16 (0.54 ms, 1.0 s; 32 × 16 0.54 ms, 2.2 s). The
 * forward and weight-gradient kernels take half the scalar kernels' time, the input gradient 85%.
 */
const RAGGED_BLOCK_NN = { BLOCK_M: 16, BLOCK_N4: 2 } as const;
const RAGGED_BLOCK_NT = { BLOCK_M: 16, BLOCK_N4: 4 } as const;
const RAGGED_BLOCK_TN = { BLOCK_M: 32, BLOCK_M4: 8, BLOCK_N4: 1, BLOCK_K: 4 } as const;

/** Packed words (four pixels each) one gather invocation converts. */
const GATHER_WORDS = { WORDS_PER_INVOCATION: 4 } as const;

/**
 * The tiled variant for GPUs (gemm-*-tiles.wgsl): 8 × 8 invocations of 4 × 4 values each cover a
 * 32 × 32 tile, with k advancing 32 at a time through workgroup memory (TF.js's vec4 matmul uses
 * the same tile). Not measured on a GPU yet: the device kit's run will tell.
 */
const TILE_BLOCK = { BLOCK_M: 4, BLOCK_N4: 1, TILE_ROWS: 8, TILE_COLUMNS: 8, TILE_K4: 8 } as const;
const TILE_BLOCK_TN = { ...TILE_BLOCK, BLOCK_M4: TILE_BLOCK.BLOCK_M / 4 } as const;
const TILES = {
  workgroup: [TILE_BLOCK.TILE_ROWS * TILE_BLOCK.TILE_COLUMNS],
  tile: [4 * TILE_BLOCK.TILE_COLUMNS * TILE_BLOCK.BLOCK_N4, TILE_BLOCK.TILE_ROWS * TILE_BLOCK.BLOCK_M],
} as const;

/** The dense kernels' bindings: the same names and numbers in each variant (scalar, vec4 registers, tiles). */
const FORWARD_BINDINGS = { dims: uniform(0), x: read(1), weights: read(2), biases: read(3), raw: write(4), activated: write(5) };
const BACKWARD_INPUT_BINDINGS = { dims: uniform(0), gradient: read(1), weights: read(2), previousRaw: read(3), previousActivated: read(4), previousGradient: write(5) };
const BACKWARD_WEIGHTS_BINDINGS = { dims: uniform(0), x: read(1), gradient: read(2), dweights: write(3), dbiases: write(4) };

export const KERNELS = {
  gather: {
    code: common + gatherBatch, entryPoint: 'main',
    bindings: { params: step(0), images: read(1), labels: read(2), order: read(3), batch: write(4), batchLabels: write(5) },
    workgroup: [64], perInvocation: [4 * GATHER_WORDS.WORDS_PER_INVOCATION, 1], blocks: GATHER_WORDS, // x: pixels, four per packed word; y: batch rows
  },
  denseForward: {
    code: common + activation + denseForward, entryPoint: 'main', ...DENSE, // x: outputs, y: rows
    bindings: FORWARD_BINDINGS,
  },
  denseBackwardInput: {
    code: common + activation + denseBackwardInput, entryPoint: 'main', ...DENSE, // x: inputs, y: rows
    bindings: BACKWARD_INPUT_BINDINGS,
  },
  denseBackwardWeights: {
    code: common + denseBackwardWeights, entryPoint: 'main', ...DENSE, // x: outputs, y: inputs
    bindings: BACKWARD_WEIGHTS_BINDINGS,
  },
  denseForwardVec4: {
    code: common + activation + gemmCommon + gemmNn + denseForwardVec4, entryPoint: 'main', ...registerBlocks(GEMM_BLOCK_NN, GEMM_WORKGROUP), // x: outputs, y: rows
    bindings: FORWARD_BINDINGS,
  },
  denseBackwardInputVec4: {
    code: common + activation + gemmCommon + gemmNt + denseBackwardInputVec4, entryPoint: 'main', ...registerBlocks(GEMM_BLOCK_NT, GEMM_WORKGROUP), // x: inputs, y: rows
    bindings: BACKWARD_INPUT_BINDINGS,
  },
  denseBackwardWeightsVec4: {
    code: common + gemmCommon + gemmTn + denseBackwardWeightsVec4, entryPoint: 'main', ...registerBlocks(GEMM_BLOCK_TN, GEMM_WORKGROUP), // x: outputs, y: inputs
    bindings: BACKWARD_WEIGHTS_BINDINGS,
  },
  denseForwardRagged: {
    code: common + activation + gemmCommon + gemmNn + denseForwardRagged, entryPoint: 'main', ...registerBlocks(RAGGED_BLOCK_NN, GEMM_WORKGROUP), // x: outputs, y: rows
    bindings: FORWARD_BINDINGS,
  },
  denseBackwardInputRagged: {
    code: common + activation + gemmCommon + gemmNt + denseBackwardInputRagged, entryPoint: 'main', ...registerBlocks(RAGGED_BLOCK_NT, GEMM_WORKGROUP), // x: inputs, y: rows
    bindings: BACKWARD_INPUT_BINDINGS,
  },
  denseBackwardWeightsRagged: {
    code: common + gemmCommon + gemmTn + denseBackwardWeightsRagged, entryPoint: 'main', ...registerBlocks(RAGGED_BLOCK_TN, GEMM_WORKGROUP), // x: outputs, y: inputs
    bindings: BACKWARD_WEIGHTS_BINDINGS,
  },
  denseForwardTiles: {
    code: common + activation + gemmCommon + gemmNnTiles + denseForwardVec4, entryPoint: 'main', blocks: TILE_BLOCK, ...TILES, // x: outputs, y: rows
    bindings: FORWARD_BINDINGS,
  },
  denseBackwardInputTiles: {
    code: common + activation + gemmCommon + gemmNtTiles + denseBackwardInputVec4, entryPoint: 'main', blocks: TILE_BLOCK, ...TILES, // x: inputs, y: rows
    bindings: BACKWARD_INPUT_BINDINGS,
  },
  denseBackwardWeightsTiles: {
    code: common + gemmCommon + gemmTnTiles + denseBackwardWeightsVec4, entryPoint: 'main', blocks: TILE_BLOCK_TN, ...TILES, // x: outputs, y: inputs
    bindings: BACKWARD_WEIGHTS_BINDINGS,
  },
  softmaxTrain: {
    code: common + softmaxCrossEntropy, entryPoint: 'train', // one workgroup
    bindings: { params: step(0), dims: uniform(1), logits: read(2), labels: read(3), probabilities: write(4), gradient: write(5), stats: write(6), control: write(7) },
  },
  softmaxEvaluate: {
    code: common + softmaxCrossEntropy, entryPoint: 'evaluate', // one workgroup; gradient (5) and control (7) are training's
    bindings: { params: step(0), dims: uniform(1), logits: read(2), labels: read(3), probabilities: write(4), stats: write(6), confusion: write(8), predictions: write(9) },
  },
  sgd: {
    code: common + optimizerSgd, entryPoint: 'main', workgroup: [256], perInvocation: [16], // x: parameters, sixteen per invocation (four vec4s, striding)
    bindings: { params: step(0), parameters: write(1), gradients: read(2), momentums: write(3), control: write(4) },
  },
  adam: {
    code: common + optimizerAdam, entryPoint: 'main', workgroup: [256], perInvocation: [16], // x: parameters, sixteen per invocation (four vec4s, striding)
    bindings: { params: step(0), parameters: write(1), gradients: read(2), momentums: write(3), caches: write(4), control: write(5) },
  },
  classSums: {
    code: common + classSums, entryPoint: 'main', workgroup: [64], perInvocation: [1, 1], // x: neurons, y: classes
    bindings: { dims: uniform(0), classRows: read(1), raw: read(2), activated: read(3), sums: write(4) },
  },
  classRows: {
    code: common + classRows, entryPoint: 'main', // one invocation
    bindings: { dims: uniform(0), labels: read(1), classRows: write(2) },
  },
  weightChange: {
    code: weightChange, entryPoint: 'main', // one workgroup per layer
    bindings: { layers: read(0), parameters: read(1), snapshot: write(2), results: write(3) },
  },
  saliencySeed: {
    code: common + saliencySeed, entryPoint: 'main', workgroup: [64], perInvocation: [1], // x: rows
    bindings: { dims: uniform(0), logits: read(1), labels: read(2), selectors: read(3), gradient: write(4), chosen: write(5) },
  },
  saliencyReduce: {
    code: saliencyReduce, entryPoint: 'main', workgroup: [64], perInvocation: [1, 1], // x: pixels, y: classes explained
    bindings: { dims: uniform(0), gradient: read(1), sums: write(2), maps: write(3) },
  },
  ...CONV_KERNELS,
} satisfies Record<string, KernelSpec>;

export type KernelName = keyof typeof KERNELS;
/** The names kernel `K` binds (its WGSL variables). */
export type BindingName<K extends KernelName> = keyof (typeof KERNELS)[K]['bindings'] & string;

/** A compiled kernel: the pipeline and the layout its bind groups are made with. */
export interface Kernel<K extends KernelName = KernelName> {
  readonly name: K;
  readonly pipeline: GPUComputePipeline;
  readonly layout: GPUBindGroupLayout;
}

/** Elements one workgroup of `name` covers in x and y (e.g. 32 × 32 outputs × rows for the dense kernels). */
export function tileOf(name: KernelName): [x: number, y: number] {
  const spec: KernelSpec = KERNELS[name];
  if (!spec.workgroup || !spec.perInvocation) throw new Error(`${name} runs a fixed number of workgroups`);
  return [spec.workgroup[0] * spec.perInvocation[0], (spec.workgroup[1] ?? 1) * (spec.perInvocation[1] ?? 1)];
}

/** Workgroups of `name` that cover `x` × `y` elements (a linear kernel's in one row). */
export function workgroupsFor(name: KernelName, x: number, y = 1): [number, number] {
  const spec: KernelSpec = KERNELS[name];
  if (!spec.tile && !spec.workgroup) throw new Error(`${name} runs a fixed number of workgroups`);
  return workgroupsOf(spec, x, y);
}

/**
 * The dense kernels of a layer: the vec4 GEMM ones of `gemm`'s variant when both widths are
 * multiples of 4; the register cores with gathered loads when only the inputs are (the output
 * layer's classes) on software adapters; else the scalar ones (GPUs keep them for ragged layers:
 * their 4 × 4 blocks give a small layer more invocations).
 */
export function denseKernels(inputs: number, outputs: number, gemm: GemmVariant) {
  if (inputs % 4 === 0 && outputs % 4 !== 0 && gemm === 'registers') return { forward: 'denseForwardRagged', backwardInput: 'denseBackwardInputRagged', backwardWeights: 'denseBackwardWeightsRagged' } as const;
  if (inputs % 4 !== 0 || outputs % 4 !== 0) return { forward: 'denseForward', backwardInput: 'denseBackwardInput', backwardWeights: 'denseBackwardWeights' } as const;
  return gemm === 'tiles'
    ? { forward: 'denseForwardTiles', backwardInput: 'denseBackwardInputTiles', backwardWeights: 'denseBackwardWeightsTiles' } as const
    : { forward: 'denseForwardVec4', backwardInput: 'denseBackwardInputVec4', backwardWeights: 'denseBackwardWeightsVec4' } as const;
}


/**
 * The kernels of any layer: denseKernels for a dense one, convKernels for a conv (whose first layer,
 * reading 1 or 3 channels, has no backwardInput: its input needs no gradient).
 */
export function layerKernels(layer: Layer, gemm: GemmVariant): { forward: KernelName; backwardInput?: KernelName; backwardWeights: KernelName } {
  return layer.kind === 'dense' ? denseKernels(layer.inputs, layer.outputs, gemm) : convKernels(layer.input.channels, layer.output.channels);
}

/**
 * Workgroups of layer `layer`'s weight-gradient dispatch for a batch of `rows`: x the outputs × y
 * the weight rows for a dense layer; a conv's blocks × its partial sums (conv-kernels.ts).
 */
export function backwardWeightsWorkgroups(layer: Layer, rows: number, gemm: GemmVariant): [number, number] {
  if (layer.kind === 'conv') return weightGradientWorkgroups(convLayerShape(layer, rows));
  return workgroupsFor(layerKernels(layer, gemm).backwardWeights, layer.outputs, layer.inputs);
}

/** A shader failed to compile or link: the message carries the compiler's lines. */
export class ShaderError extends Error {
  override name = 'ShaderError';
}

const cache = new WeakMap<GPUDevice, Map<string, Promise<Kernel>>>();

function layoutEntry({ binding, kind }: BindingSpec): GPUBindGroupLayoutEntry {
  const buffer: GPUBufferBindingLayout =
    kind === 'uniform' ? { type: 'uniform' }
    : kind === 'step' ? { type: 'uniform', hasDynamicOffset: true }
    : { type: kind === 'read' ? 'read-only-storage' : 'storage' };
  return { binding, visibility: GPUShaderStage.COMPUTE, buffer };
}

/** The WGSL a kernel compiles: its code, with its block constants declared and its blocks unrolled. */
export function sourceOf(spec: KernelSpec): string {
  return spec.blocks ? blockConstants(spec.blocks) + unroll(spec.code, spec.blocks) : spec.code;
}

/** A shader module whose compile errors (if any) are thrown as a ShaderError with the compiler's lines. */
export async function compileShader(device: GPUDevice, label: string, code: string): Promise<GPUShaderModule> {
  const module = device.createShaderModule({ label, code });
  const errors = (await module.getCompilationInfo()).messages.filter((m) => m.type === 'error');
  if (errors.length > 0) {
    throw new ShaderError(`${label} failed to compile:\n${errors.map((m) => `  line ${m.lineNum}:${m.linePos} ${m.message}`).join('\n')}`);
  }
  return module;
}

async function compile<K extends KernelName>(device: GPUDevice, name: K, constants: Record<string, number>, label: string): Promise<Kernel<K>> {
  const spec: KernelSpec = KERNELS[name];
  const module = await compileShader(device, label, sourceOf(spec));
  const layout = device.createBindGroupLayout({ label: `${label}.layout`, entries: Object.values(spec.bindings).map(layoutEntry) });
  const [x, y] = spec.workgroup ?? [];
  const workgroup = { ...(x ? { WORKGROUP_X: x } : {}), ...(y ? { WORKGROUP_Y: y } : {}) };
  try {
    const pipeline = await device.createComputePipelineAsync({
      label,
      layout: device.createPipelineLayout({ label: `${label}.pipelineLayout`, bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: spec.entryPoint, constants: { ...constants, ...workgroup } },
    });
    return { name, pipeline, layout };
  } catch (error) {
    throw new ShaderError(`${label} could not be built: ${(error as Error).message}`);
  }
}

/**
 * The kernel `name` specialised with `constants` (override values), compiled once per device.
 * @example const { pipeline, layout } = await getKernel(device, 'denseForward', { activation: 1 });
 */
export function getKernel<K extends KernelName>(device: GPUDevice, name: K, constants: Record<string, number> = {}): Promise<Kernel<K>> {
  let kernels = cache.get(device);
  if (!kernels) cache.set(device, (kernels = new Map()));
  const key = `${name}(${Object.entries(constants).map(([k, v]) => `${k}=${v}`).join(',')})`;
  let kernel = kernels.get(key);
  if (!kernel) {
    kernel = compile(device, name, constants, `nnscope.${key}`);
    kernels.set(key, kernel);
    kernel.catch(() => kernels.delete(key));
  }
  return kernel as Promise<Kernel<K>>;
}

/**
 * A bind group for `kernel`, its buffers given under the names its WGSL binds (a missing or
 * misspelt name does not compile).
 * @example bindGroup(device, kernel, 'forward0', { dims, x, weights, biases, raw, activated });
 */
export function bindGroup<K extends KernelName>(device: GPUDevice, kernel: Kernel<K>, label: string, resources: Record<BindingName<K>, GPUBufferBinding>): GPUBindGroup {
  const bindings: Readonly<Record<string, BindingSpec>> = KERNELS[kernel.name].bindings;
  return device.createBindGroup({
    label,
    layout: kernel.layout,
    entries: Object.entries<GPUBufferBinding>(resources).map(([name, resource]) => ({ binding: bindings[name]!.binding, resource })),
  });
}
