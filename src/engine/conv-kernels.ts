/**
 * The convolution and pooling kernels' entries of the kernel table (kernels.ts spreads them in),
 * described as kernel-spec.ts says (issue #13).
 *
 * Layout, everywhere: NHWC. Activations [rows, height, width, channels]; conv weights
 * [k, k, inputs, filters] (a GEMM operand [K = k·k·inputs, N = filters], row-major); biases
 * [filters]. Stride 1, "same" padding (odd k). Every kernel takes a `ConvDims` uniform
 * (shaders/conv-common.wgsl: rows, height, width, inputs, filters, kernel; pack it with
 * {@link convDims}).
 *
 * | entry | product (C = …) | M | N | K | core |
 * |---|---|---|---|---|---|
 * | convForward(AnyInput) | im2col(input) · W | rows·H·W | filters | k·k·inputs | NN |
 * | convBackwardInput(AnyInput) | shifted(dY) · Wᵀ | rows·H·W | inputs | k·k·filters | NT |
 * | convBackwardWeights(AnyInput) | im2col(input)ᵀ · dY | k·k·inputs | filters | rows·H·W, in splits | TN |
 *
 * The weight gradient's K (every position of the batch) is long and its M × N (k·k·inputs ×
 * filters) small, so it runs as `splits` partial sums side by side ({@link weightGradientSplits}),
 * which convSumSplits adds up.
 *
 * Requirements: filters % 4 == 0 for every conv kernel; inputs % 4 == 0 for convForward,
 * convBackwardInput and convBackwardWeights, any inputs (a first layer's 1 or 3) for the
 * …AnyInput entries ({@link convKernels} picks; training never needs a first layer's input
 * gradient, saliency does: convBackwardInputAnyInput, without an activation); channels % 4 == 0
 * for the pools.
 */
import common from '../../shaders/common.wgsl';
import activation from '../../shaders/activation.wgsl';
import gemmCommon from '../../shaders/gemm-common.wgsl';
import gemmNn from '../../shaders/gemm-nn.wgsl';
import gemmNt from '../../shaders/gemm-nt.wgsl';
import gemmTn from '../../shaders/gemm-tn.wgsl';
import convCommon from '../../shaders/conv-common.wgsl';
import convIm2col from '../../shaders/conv-im2col.wgsl';
import convForward from '../../shaders/conv-forward.wgsl';
import convBackwardInputLoaders from '../../shaders/conv-backward-input-loaders.wgsl';
import convBackwardInput from '../../shaders/conv-backward-input.wgsl';
import convBackwardInputAny from '../../shaders/conv-backward-input-any.wgsl';
import convBackwardWeights from '../../shaders/conv-backward-weights.wgsl';
import convSumSplits from '../../shaders/conv-sum-splits.wgsl';
import poolForward from '../../shaders/pool-forward.wgsl';
import poolBackward from '../../shaders/pool-backward.wgsl';
import { read, registerBlocks, uniform, write, type KernelSpec } from './kernel-spec.js';
import type { ConvLayer } from './layers.js';

/**
 * Register blocks: 16 positions × 16 values per invocation, 4 invocations per workgroup. Not the
 * dense kernels' 32 rows: a conv loader's row handle is three words (position, y, x), and with 32
 * rows SwiftShader's shader compiler took minutes (more than 200 s) to build the pipeline; 16 rows
 * build in about half a second.
 */
const BLOCK = { BLOCK_M: 16, BLOCK_N4: 4 } as const;
/** The scalar-output input gradient of a first layer (1 or 3 channels): one vec4 of columns, not 4 (they would be idle). */
const BLOCK_ANY_INPUT = { BLOCK_M: 16, BLOCK_N4: 1 } as const;
/**
 * The weight gradient's block: 16 rows of dW × 16 values (as the dense TN kernel's), 4 positions per
 * loop iteration (8, the dense kernel's, took SwiftShader's compiler minutes here as well).
 */
const TN_ROWS = 16;
const BLOCK_TN = { BLOCK_M: TN_ROWS, BLOCK_M4: TN_ROWS / 4, BLOCK_N4: 4, BLOCK_K: 4 } as const;
const WORKGROUP = 4;
/** Pools: one vec4 of channels per invocation, 128 invocations per workgroup (numbered linearly). */
const POOL = { workgroup: [128], perInvocation: [4, 1], linear: true } as const;

/** Whether load_a reads one vec4 of input channels per tap (inputs % 4 == 0), or composes it from four scalar reads. */
const vec4Input = (yes: boolean) => `const VEC4_INPUT = ${yes};\n`;

const gemm = (core: string) => common + activation + gemmCommon + core + convCommon;
const forwardBindings = { dims: uniform(0), input: read(1), weights: read(2), biases: read(3), raw: write(4), activated: write(5) };
const weightsBindings = { dims: uniform(0), input: read(1), gradient: read(2), dweights: write(3), dbiases: write(4) };
// x: filters, y: positions (rows·H·W)
const forward = { entryPoint: 'main', ...registerBlocks(BLOCK, WORKGROUP), bindings: forwardBindings } as const;
// linear over splits × blocks: weightGradientWorkgroups sizes its dispatches
const weights = { entryPoint: 'main', blocks: BLOCK_TN, workgroup: [WORKGROUP], bindings: weightsBindings } as const;

export const CONV_KERNELS = {
  convForward: { code: vec4Input(true) + gemm(gemmNn) + convIm2col + convForward, ...forward },
  convForwardAnyInput: { code: vec4Input(false) + gemm(gemmNn) + convIm2col + convForward, ...forward },
  convBackwardInput: {
    code: gemm(gemmNt) + convBackwardInputLoaders + convBackwardInput, entryPoint: 'main', ...registerBlocks(BLOCK, WORKGROUP), // x: inputs, y: positions
    bindings: { dims: uniform(0), gradient: read(1), weights: read(2), previousRaw: read(3), previousActivated: read(4), previousGradient: write(5) },
  },
  // A first layer's input gradient (saliency): any input channels, one vec4 column (1–4 channels) per block.
  convBackwardInputAnyInput: {
    code: gemm(gemmNt) + convBackwardInputLoaders + convBackwardInputAny, entryPoint: 'main', ...registerBlocks(BLOCK_ANY_INPUT, WORKGROUP), // x: inputs, y: positions
    bindings: { dims: uniform(0), gradient: read(1), weights: read(2), inputGradient: write(3) },
  },
  convBackwardWeights: { code: vec4Input(true) + gemm(gemmTn) + convIm2col + convBackwardWeights, ...weights },
  convBackwardWeightsAnyInput: { code: vec4Input(false) + gemm(gemmTn) + convIm2col + convBackwardWeights, ...weights },
  convSumSplits: {
    code: common + convCommon + convSumSplits, entryPoint: 'main', workgroup: [64], perInvocation: [4, 1], linear: true, // x: (k·k·inputs + 1)·filters
    bindings: { dims: uniform(0), partialWeights: read(1), partialBiases: read(2), dweights: write(3), dbiases: write(4) },
  },
  poolForward: {
    code: common + convCommon + poolForward, entryPoint: 'main', ...POOL, // x: channels, y: pooled positions
    bindings: { dims: uniform(0), input: read(1), pooled: write(2), argmax: write(3) },
  },
  poolBackward: {
    code: common + activation + convCommon + poolBackward, entryPoint: 'main', ...POOL, // x: channels, y: input positions
    bindings: { dims: uniform(0), gradient: read(1), argmax: read(2), previousRaw: read(3), previousActivated: read(4), previousGradient: write(5) },
  },
} satisfies Record<string, KernelSpec>;

/** The shape of one conv or pool dispatch (WGSL `ConvDims`). */
export interface ConvShape {
  /** Batch rows (images). */
  readonly rows: number;
  readonly height: number;
  readonly width: number;
  /** Input channels (a pool's channels). */
  readonly inputs: number;
  /** Filters (output channels); 0 for a pool. */
  readonly filters?: number;
  /** Kernel size k (odd); 0 for a pool. */
  readonly kernel?: number;
  /** The weight gradient's partial sums ({@link weightGradientSplits}); 1 (absent): one sum. */
  readonly splits?: number;
}

/** The bytes of a `ConvDims` uniform (eight u32 words, the last unused). */
export function convDims({ rows, height, width, inputs, filters = 0, kernel = 0, splits = 1 }: ConvShape): Uint32Array {
  return Uint32Array.from([rows, height, width, inputs, filters, kernel, splits, 0]);
}

/**
 * Invocations the weight gradient wants: enough to fill a large GPU's cores a few times over
 * (SwiftShader needs only a few per CPU core, and more cost it little).
 */
const WEIGHT_GRADIENT_INVOCATIONS = 8192;
/** Positions one partial sum covers at least: the reduction then reads under 1/256 of what the product does. */
const MIN_SPLIT_POSITIONS = 256;

/** Register blocks of a conv layer's weight gradient (dW is k·k·inputs × filters). */
function weightGradientBlocks({ inputs, filters = 0, kernel = 0 }: ConvShape): number {
  return Math.ceil((kernel * kernel * inputs) / BLOCK_TN.BLOCK_M) * Math.ceil(filters / (4 * BLOCK_TN.BLOCK_N4));
}

/**
 * How many partial sums the weight gradient of a conv layer of `shape` runs as (conv-backward-weights.wgsl):
 * as many as make its blocks × splits reach WEIGHT_GRADIENT_INVOCATIONS, while each covers at
 * least MIN_SPLIT_POSITIONS positions. 1 means no partial sums (and no convSumSplits dispatch).
 * @example weightGradientSplits({ rows: 128, height: 28, width: 28, inputs: 1, filters: 16, kernel: 3 }) // 392: one block of dW
 */
export function weightGradientSplits(shape: ConvShape): number {
  const invocations = Math.ceil(WEIGHT_GRADIENT_INVOCATIONS / weightGradientBlocks(shape));
  return Math.max(1, Math.min(invocations, Math.floor((shape.rows * shape.height * shape.width) / MIN_SPLIT_POSITIONS)));
}

/** Workgroups of a conv weight-gradient dispatch of `shape` (with its `splits`): one invocation per block per split. */
export function weightGradientWorkgroups(shape: ConvShape): [number, number] {
  return [Math.ceil((weightGradientBlocks(shape) * (shape.splits ?? 1)) / WORKGROUP), 1];
}

/** The ConvDims of conv layer `layer`'s own dispatches on `rows` images: its forward pass, and its weight gradient's splits. */
export function convLayerShape(layer: ConvLayer, rows: number): Required<ConvShape> {
  const { height, width, channels: inputs } = layer.input;
  const shape = { rows, height, width, inputs, filters: layer.output.channels, kernel: layer.kernel };
  return { ...shape, splits: weightGradientSplits(shape) };
}

/**
 * The kernels of a conv layer with `inputs` channels in and `filters` out: the vec4 input paths
 * when inputs % 4 == 0, else the scalar-input ones (a first layer; its input gradient is never
 * needed, so there is no backwardInput). Throws unless filters % 4 == 0.
 */
export function convKernels(inputs: number, filters: number) {
  if (filters % 4 !== 0) throw new Error(`a conv layer's filters must be a multiple of 4 (got ${filters})`);
  return inputs % 4 === 0
    ? { forward: 'convForward', backwardInput: 'convBackwardInput', backwardWeights: 'convBackwardWeights' } as const
    : { forward: 'convForwardAnyInput', backwardInput: undefined, backwardWeights: 'convBackwardWeightsAnyInput' } as const;
}
