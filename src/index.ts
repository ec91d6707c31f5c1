/** nnscope's public API: re-exports only. */
export { createEngine, Engine, TrainingDivergedError } from './engine/engine.js';
export type { EpochStats, Progress, StepStats, TrainOptions } from './engine/engine.js';
export { ConfigError, presets, CLASS_COUNT, INPUT_SIZE } from './engine/config.js';
export type { Activation, AdamOptions, EngineConfig, EngineOptions, Initializer, InputScale, OptimizerOptions, SgdOptions } from './engine/config.js';
export type { Evaluation } from './engine/evaluation-pass.js';
export { LAYER_TENSORS, TrainingDictionary } from './engine/dictionary.js';
export type { LayerTensorName, LayerTensors, TensorView } from './engine/dictionary.js';
export { ShaderError } from './engine/kernels.js';
export { requestDevice, WebGpuUnavailableError } from './gpu/device.js';
export { liveBufferCount } from './gpu/buffers.js';
export { readRanges } from './gpu/readback.js';
export type { BufferRange } from './gpu/readback.js';
export { FASHION_MNIST_CLASSES } from './data/dataset.js';
export type { Dataset, ImageSet } from './data/dataset.js';
export { IdxFormatError, loadFashionMnist, loadIdxDataset, parseIdx } from './data/idx.js';
export * from './views/index.js';
