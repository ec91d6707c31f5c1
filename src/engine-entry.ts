/**
 * nnscope's DOM-free API (package export `nnscope/engine`, dist/engine.js): the engine, its config
 * and dictionary, data loaders, file formats and analysis. No views, no elements, no Lit, and nothing
 * touched at module level, so it loads in Web Workers and in Node (with Dawn for the GPU work).
 */
export { createEngine, Engine, TrainingDivergedError } from './engine/engine.js';
export type { EpochStats, Progress, StepStats, TrainOptions } from './engine/engine.js';
export { ConfigError, presets, MAX_CLASSES, MAX_IMAGE_SIDE } from './engine/config.js';
export type { Activation, AdamOptions, EngineConfig, EngineOptions, Initializer, InputScale, OptimizerOptions, SgdOptions } from './engine/config.js';
export type { Evaluation } from './engine/evaluation-pass.js';
export { LayerSyntaxError, layersText, networkShapes, parseLayers } from './engine/layers.js';
export { AugmentSyntaxError, augmentText, NO_AUGMENTATION, parseAugment } from './engine/augment.js';
export type { Augmentation } from './engine/augment.js';
export type { ConvLayer, DenseLayer, Layer, LayerShapes, LayerToken, MapShape, NetworkShapes } from './engine/layers.js';
export { LAYER_TENSORS, TrainingDictionary } from './engine/dictionary.js';
export type { LayerTensorName, LayerTensors, TensorView } from './engine/dictionary.js';
export { ShaderError } from './engine/kernels.js';
export { requestDevice, WebGpuUnavailableError } from './gpu/device.js';
export { liveBufferCount } from './gpu/buffers.js';
export { readRanges } from './gpu/readback.js';
export type { BufferRange } from './gpu/readback.js';
export { FASHION_MNIST_CLASSES, FASHION_MNIST_SHAPE, isFashionMnist, pixelsOf, shapeOf } from './data/dataset.js';
export type { DataShape, Dataset, ImageSet } from './data/dataset.js';
export { DEFAULT_IDX_FILES, IdxFetchError, IdxFormatError, idxDatasetFromBytes, loadFashionMnist, loadIdxDataset, parseIdx } from './data/idx.js';
export type { IdxFileNames } from './data/idx.js';
export type { LoadProgress } from './data/fetch.js';
export { DataFetchError } from './data/fetch.js';
export { checkDataset, DataFormatError } from './data/check.js';
export type { ClassNames, DataFile, DatasetFiles } from './data/check.js';
export { dataFormatOf, datasetFromFiles, loadDataset, type DatasetOptions, type FilesOptions } from './data/load.js';
export { getBasePath, setBasePath, BASE_PATH_ATTRIBUTE } from './assets.js';
export { SafetensorsError, decodeSafetensors, encodeSafetensors } from './io/safetensors.js';
export type { Tensor } from './io/safetensors.js';
export { parametersFromSafetensors, parametersToSafetensors } from './io/parameters-file.js';
export { cosineSimilarities, groupSimilarity, mostConfusedPairs, samplesWith } from './analysis/diagnosis.js';
export { CompareError, compareEvaluations, describeNetwork, recordRun, testSetDifference, testSetSummary } from './analysis/compare.js';
export type { CellChange, CompareOptions, EpochEvaluation, RunComparison, RunCurves, RunEpoch, RunEvaluations, TestSetSummary } from './analysis/compare.js';
export { EVALUATION_FILE_VERSION, EVALUATION_FORMAT, EvaluationFileError, evaluationsFromJson, evaluationsToJson, runProblem } from './io/evaluation-file.js';
export { WeightChangeMeter } from './engine/weight-change.js';
export { TrainingHistory } from './engine/history.js';
export type { ForwardOptions, SaliencyClass, SaliencyOptions, SaliencyValues, SaliencyViews } from './engine/engine.js';
export type { HistoryGroup, HistoryLayer, HistoryOptions, HistorySnapshot, SnapshotPosition } from './engine/history.js';
export { HISTORY_TENSORS, historyFromSafetensors, historyToSafetensors } from './io/history-file.js';
export type { HistoryFile, HistoryTensorName } from './io/history-file.js';
