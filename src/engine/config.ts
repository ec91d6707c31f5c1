/** Engine options, their defaults, validation and the presets. No GPU work happens here. */
import { FASHION_MNIST_SHAPE, pixelsOf, type DataShape } from '../data/dataset.js';
import { LayerSyntaxError, outputWidth, parseLayers, resolveLayers, type Layer } from './layers.js';
import { AugmentSyntaxError, parseAugment, type Augmentation } from './augment.js';

export type Activation = 'relu' | 'sigmoid' | 'tanh';
export type Initializer = 'glorot' | 'he' | 'small';
export type InputScale = 'unit' | 'symmetric';

/** Codes of the `activation` override constant in shaders/activation.wgsl. */
export const ACTIVATION_CODES = { linear: 0, relu: 1, sigmoid: 2, tanh: 3 } as const;

export interface SgdOptions {
  type: 'sgd';
  learningRate?: number;
  /** Momentum μ in [0, 1); 0 is plain SGD. */
  momentum?: number;
  /** Learning-rate decay: lr_t = lr / (1 + decay · t). */
  decay?: number;
}

export interface AdamOptions {
  type: 'adam';
  learningRate?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  decay?: number;
}

export type OptimizerOptions = SgdOptions | AdamOptions;

/** What `createEngine` accepts; every field has a default. */
export interface EngineOptions {
  /**
   * The data the network is built for: its inputs are rows × cols × channels, its outputs the
   * classes. Take it from the data: `shapeOf(dataset)`. Default: Fashion-MNIST's.
   */
  shape?: DataShape;
  /**
   * Hidden layers, input to output (the input and the output layer come from `shape`): widths of
   * dense layers ([128, 128] or '128, 128'), or text with conv and pool items:
   * 'conv 3x3 16, pool 2, conv 3x3 32, pool 2, 64' (see layers.ts). Default [128, 128].
   */
  layers?: string | readonly (number | string)[];
  /** Hidden-layer activation. Default 'relu'. */
  activation?: Activation;
  /** Default SGD, lr 0.01, momentum 0.9, no decay. */
  optimizer?: OptimizerOptions;
  /** Training batch size. Default 128. */
  batchSize?: number;
  /** Seed of the initial weights, of every epoch's shuffle and of the augmentation's draws. Default 1. */
  seed?: number;
  /**
   * Random changes to each training image, on the GPU as the batch is gathered (augment.ts):
   * 'shift 2, flip, rotate 10, noise 0.1, cutout 8', any of them. Default none.
   */
  augment?: string;
  /** 'glorot' (uniform, default), 'he' (normal), or 'small' (0.01 · N(0, 1), the book's). */
  init?: Initializer;
  /** 'unit': pixel / 255 (default); 'symmetric': (pixel − 127.5) / 127.5, in [−1, 1]. */
  inputScale?: InputScale;
  /** Steps per command buffer; loss and accuracy are read back once per chunk. Default 32. */
  stepsPerChunk?: number;
  /** Rows per forward pass when evaluating. Default 1000. */
  evaluationBatchSize?: number;
  /**
   * While views are shown (`step(n, { paced: true })`), the share of the GPU time training may take,
   * in (0, 1]; the views get the rest. One chunk fills at most this share of a frame interval
   * (1/60 s), sized from the measured GPU time per step, and at most two chunks are queued: a frame
   * waits at most about two frame intervals behind training (one step, where a step takes longer).
   * Where a step takes longer than a frame, the app's views draw between chunks, and only while
   * that has taken no more than (1 − share) of the time. Default 0.8.
   */
  trainingShare?: number;
  /**
   * How the matrix kernels keep their operands: 'registers' (register blocks only: fastest on
   * software adapters such as SwiftShader), 'tiles' (workgroup-memory tiles: for GPUs), or 'auto'
   * (default): chosen from the device's adapter (gemmVariantFor). The choice is in engine.config.gemm.
   */
  gemm?: 'auto' | GemmVariant;
  /** A device to use; otherwise one is requested from `navigator.gpu`. */
  device?: GPUDevice;
}

/** How the vec4 GEMM kernels keep their operands: in registers only (software adapters), or through workgroup tiles (GPUs). */
export type GemmVariant = 'registers' | 'tiles';

/**
 * The GEMM variant for an adapter: registers on software adapters (SwiftShader, llvmpipe, WARP:
 * workgroup memory and barriers cost more than they save there, measured in scripts/kernel-blocks.ts),
 * workgroup tiles on GPUs.
 */
export function gemmVariantFor(info: GPUAdapterInfo | undefined): GemmVariant {
  if (!info) return 'registers';
  const software = (info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter ||
    /swiftshader|llvmpipe|lavapipe|softpipe|warp|microsoft basic render/i.test(`${info.vendor} ${info.architecture} ${info.device} ${info.description}`);
  return software ? 'registers' : 'tiles';
}

/** Fully resolved options. */
export interface EngineConfig {
  /** The data the network is built for. */
  readonly shape: DataShape;
  /** Every layer, the output layer last, with its shapes (layers.ts). */
  readonly layers: readonly Layer[];
  /** Widths from the input (rows · cols · channels), then each layer's own output (a conv's map before pooling), the classes last. */
  readonly sizes: readonly number[];
  readonly activation: Activation;
  readonly optimizer: Required<SgdOptions> | Required<AdamOptions>;
  readonly batchSize: number;
  readonly seed: number;
  /** What happens to training images as they are gathered (NO_AUGMENTATION: nothing). */
  readonly augment: Augmentation;
  readonly init: Initializer;
  readonly inputScale: InputScale;
  readonly stepsPerChunk: number;
  readonly evaluationBatchSize: number;
  readonly trainingShare: number;
  /** The matrix kernels' variant in use (EngineOptions.gemm, 'auto' resolved for the adapter). */
  readonly gemm: GemmVariant;
}

/** EngineOptions.trainingShare's default: views get a fifth of the GPU while training. */
export const DEFAULT_TRAINING_SHARE = 0.8;

/** The largest image side and class count a network is built for (views stay legible up to these). */
export const MAX_IMAGE_SIDE = 1024;
export const MAX_CLASSES = 100;

/**
 * Named configurations with their epochs. `nnfs`: the reference configuration of the book *Neural
 * Networks from Scratch*: 784-128-128-10, ReLU, Adam (lr 0.001, decay 1e-3), batch 128, inputs in
 * [−1, 1], weights 0.01 · N(0, 1), 10 epochs. `cnn`: a small convolutional network (below).
 * @example const engine = await createEngine({ ...presets.nnfs, seed: 7 });
 */
export const presets = {
  /**
   * A small CNN for 28×28 images: two 3×3 conv layers (16 and 32 filters) each with 2×2 max
   * pooling, a dense layer of 64, Adam (lr 0.001), batch 64, 5 epochs: 90%+ on Fashion-MNIST
   * (the README's measurement), against about 88% for the MLP.
   */
  cnn: {
    layers: 'conv 3x3 16, pool 2, conv 3x3 32, pool 2, 64',
    activation: 'relu',
    optimizer: { type: 'adam', learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, decay: 0 },
    batchSize: 64,
    init: 'glorot',
    inputScale: 'unit',
    epochs: 5,
  },
  nnfs: {
    layers: [128, 128],
    activation: 'relu',
    optimizer: { type: 'adam', learningRate: 0.001, decay: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
    batchSize: 128,
    init: 'small',
    inputScale: 'symmetric',
    epochs: 10,
  },
} as const satisfies Record<string, EngineOptions & { epochs: number }>;

/**
 * A bad option: `option` is its path (e.g. 'optimizer.learningRate', 'layers', 'batchSize'), so a
 * caller can point at what set it; the message names the option, the value and what is allowed.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly option: string, message: string) {
    super(message);
  }
}

function check(ok: boolean, option: string, message: string): asserts ok {
  if (!ok) throw new ConfigError(option, message);
}

/** `label` is what the message calls the value (e.g. 'layers[1]'); `option` the option it belongs to. */
function integer(option: string, value: unknown, min: number, max: number, label = option): number {
  check(
    typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max,
    option,
    `${label} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`,
  );
  return value;
}

function real(name: string, value: unknown, min: number, max: number, open = false): number {
  const inRange = typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max;
  check(inRange && !(open && value === max), name, `${name} must be a number in [${min}, ${max}${open ? ')' : ']'}, got ${JSON.stringify(value)}`);
  return value as number;
}

function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  check(allowed.includes(value as T), name, `${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(value)}`);
  return value as T;
}

function resolveOptimizer(options: OptimizerOptions | undefined): EngineConfig['optimizer'] {
  const type = oneOf('optimizer.type', options?.type ?? 'sgd', ['sgd', 'adam'] as const);
  if (type === 'sgd') {
    const o = (options ?? { type }) as SgdOptions;
    return {
      type,
      learningRate: real('optimizer.learningRate', o.learningRate ?? 0.01, 1e-12, 1e6),
      momentum: real('optimizer.momentum', o.momentum ?? 0.9, 0, 1, true),
      decay: real('optimizer.decay', o.decay ?? 0, 0, 1e6),
    };
  }
  const o = options as AdamOptions;
  return {
    type,
    learningRate: real('optimizer.learningRate', o.learningRate ?? 0.001, 1e-12, 1e6),
    beta1: real('optimizer.beta1', o.beta1 ?? 0.9, 0, 1, true),
    beta2: real('optimizer.beta2', o.beta2 ?? 0.999, 0, 1, true),
    epsilon: real('optimizer.epsilon', o.epsilon ?? 1e-7, 1e-12, 1),
    decay: real('optimizer.decay', o.decay ?? 0, 0, 1e6),
  };
}

function resolveShape(shape: DataShape): DataShape {
  check(typeof shape === 'object' && shape !== null, 'shape', `shape must be { rows, cols, channels, classes }, got ${JSON.stringify(shape)}`);
  const { channels } = shape;
  check(channels === 1 || channels === 3, 'shape', `shape.channels must be 1 (grey) or 3 (RGB), got ${JSON.stringify(channels)}`);
  return {
    rows: integer('shape', shape.rows, 1, MAX_IMAGE_SIDE, 'shape.rows'),
    cols: integer('shape', shape.cols, 1, MAX_IMAGE_SIDE, 'shape.cols'),
    channels,
    classes: integer('shape', shape.classes, 2, MAX_CLASSES, 'shape.classes'),
  };
}

function resolveNetwork(layers: EngineOptions['layers'], shape: DataShape): Layer[] {
  check(typeof layers === 'string' || Array.isArray(layers), 'layers',
    `layers must be text such as 'conv 3x3 16, pool 2, 64' or an array of hidden widths such as [128, 128], got ${JSON.stringify(layers)}`);
  try {
    return resolveLayers(parseLayers(layers), { height: shape.rows, width: shape.cols, channels: shape.channels }, shape.classes);
  } catch (error) {
    if (error instanceof LayerSyntaxError) throw new ConfigError('layers', error.message);
    throw error;
  }
}

function resolveAugment(text: unknown, shape: DataShape): Augmentation {
  let augment: Augmentation;
  try {
    augment = parseAugment(text as string);
  } catch (error) {
    if (error instanceof AugmentSyntaxError) throw new ConfigError('augment', error.message);
    throw error;
  }
  const side = Math.min(shape.rows, shape.cols);
  check(augment.shift < side, 'augment', `augment 'shift ${augment.shift}' moves a ${shape.rows}×${shape.cols} image out of view; use a shift below ${side}`);
  check(augment.cutout <= side, 'augment', `augment 'cutout ${augment.cutout}' is larger than a ${shape.rows}×${shape.cols} image; use at most ${side}`);
  return augment;
}

/** Fills in defaults and checks every option's type and range (device limits are checked in limits.ts). */
export function resolveConfig(options: EngineOptions = {}, adapter?: GPUAdapterInfo): EngineConfig {
  const shape = resolveShape(options.shape ?? FASHION_MNIST_SHAPE);
  const layers = resolveNetwork(options.layers ?? [128, 128], shape);
  const gemm = oneOf('gemm', options.gemm ?? 'auto', ['auto', 'registers', 'tiles'] as const);
  return {
    shape,
    layers,
    sizes: [pixelsOf(shape), ...layers.map(outputWidth)],
    activation: oneOf('activation', options.activation ?? 'relu', ['relu', 'sigmoid', 'tanh'] as const),
    optimizer: resolveOptimizer(options.optimizer),
    batchSize: integer('batchSize', options.batchSize ?? 128, 1, 65536),
    seed: integer('seed', options.seed ?? 1, 0, 2 ** 32 - 1),
    augment: resolveAugment(options.augment ?? '', shape),
    init: oneOf('init', options.init ?? 'glorot', ['glorot', 'he', 'small'] as const),
    inputScale: oneOf('inputScale', options.inputScale ?? 'unit', ['unit', 'symmetric'] as const),
    stepsPerChunk: integer('stepsPerChunk', options.stepsPerChunk ?? 32, 1, 4096),
    evaluationBatchSize: integer('evaluationBatchSize', options.evaluationBatchSize ?? 1000, 1, 65536),
    trainingShare: real('trainingShare', options.trainingShare ?? DEFAULT_TRAINING_SHARE, 0.05, 1),
    gemm: gemm === 'auto' ? gemmVariantFor(adapter) : gemm,
  };
}
