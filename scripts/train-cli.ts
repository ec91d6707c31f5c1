// Command-line trainer: the same engine and WGSL in Node through Dawn (npm `webgpu`).
//   npm run train -- --epochs 5 --preset nnfs --layers 128,128 --optimizer sgd --lr 0.01 --batch 128 --subset 10000
//   npm run train -- --preset cnn        (or --layers 'conv 3x3 16, pool 2, conv 3x3 32, pool 2, 64')
// Epochs default to the preset's (10 for nnfs, 5 for cnn), else 1. Bad options and files fail with one line.
// --report prints the most confused class pairs and the class-mean similarities at the end.
// --history K records the training dictionary every K updates (GPU-side) and reports what was kept.
// --paced sizes chunks as the app does while views draw (from the measured GPU time per step).
// --augment 'shift 2, flip' augments training images on the GPU (see the README).
// --gemm registers|tiles picks the matrix kernels' variant (default auto: from the adapter).
// --evaluations FILE writes each epoch's test evaluation and the training curves as an evaluation
// file (JSON, "nnscope-evaluations"), named --name (default: the layers), for <nn-compare>.
import { nodeDevice } from './dawn.js'; // first: sets up the WebGPU globals the engine needs
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { parseArgs } from 'node:util';
import { createEngine } from '../src/engine/engine.js';
import { presets, type EngineOptions } from '../src/engine/config.js';
import { imageSetFromIdx, parseIdx } from '../src/data/idx.js';
import { FASHION_MNIST_CLASSES, type ImageSet } from '../src/data/dataset.js';
import { cosineSimilarities, groupSimilarity, mostConfusedPairs } from '../src/analysis/diagnosis.js';
import type { Evaluation } from '../src/engine/evaluation-pass.js';
import { WeightChangeMeter } from '../src/engine/weight-change.js';
import { layersText } from '../src/engine/layers.js';
import { writeFileSync } from 'node:fs';
import { describeNetwork, recordRun, type EpochEvaluation, type RunCurves } from '../src/analysis/compare.js';
import { evaluationsToJson } from '../src/io/evaluation-file.js';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string' },
    preset: { type: 'string' },
    layers: { type: 'string' },
    optimizer: { type: 'string' },
    lr: { type: 'string' },
    batch: { type: 'string' },
    seed: { type: 'string' },
    subset: { type: 'string' },
    data: { type: 'string', default: 'www/data' },
    report: { type: 'boolean', default: false },
    history: { type: 'string' },
    paced: { type: 'boolean', default: false },
    augment: { type: 'string' },
    gemm: { type: 'string' },
    evaluations: { type: 'string' },
    name: { type: 'string' },
  },
});


/** Fails with a one-line message and the usage, without a stack trace. */
function usageError(message: string): never {
  console.error(`train: ${message}\nusage: npm run train -- [--epochs N] [--preset nnfs|cnn] [--layers 128,128 | 'conv 3x3 16, pool 2, 64'] [--optimizer sgd|adam] [--lr X] [--batch N] [--seed N] [--subset N] [--data DIR] [--report] [--history K] [--paced] [--augment 'shift 2, flip'] [--gemm auto|registers|tiles] [--evaluations FILE [--name NAME]]`);
  process.exit(2);
}

function wholeNumber(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) usageError(`--${name} must be a whole number ≥ 1, got '${text}'`);
  return value;
}

function load(prefix: string, subset?: number): ImageSet {
  const read = (name: string) => {
    const path = `${values.data}/${name}`;
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(path);
    } catch {
      usageError(`cannot read ${path}: run \`npm run prepare-data\` first, or point --data at a folder of IDX files`);
    }
    return parseIdx(bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes, name);
  };
  const images = `${prefix}-images-idx3-ubyte.gz`;
  const labels = `${prefix}-labels-idx1-ubyte.gz`;
  const set = imageSetFromIdx(read(images), read(labels), { images, labels });
  if (!subset || subset >= set.count) return set;
  return { ...set, count: subset, images: set.images.subarray(0, subset * set.rows * set.cols * (set.channels ?? 1)), labels: set.labels.subarray(0, subset) };
}

const presetNames = Object.keys(presets);
if (values.preset && !presetNames.includes(values.preset)) usageError(`unknown preset '${values.preset}': the presets are ${presetNames.join(', ')}`);
const { epochs: presetEpochs, ...preset } = values.preset ? presets[values.preset as keyof typeof presets] : { epochs: 1 };
const options: EngineOptions = { ...preset };
if (values.layers) options.layers = values.layers;
if (values.optimizer && values.optimizer !== 'sgd' && values.optimizer !== 'adam') usageError(`--optimizer must be sgd or adam, got '${values.optimizer}'`);
if (values.optimizer && values.optimizer !== options.optimizer?.type) options.optimizer = { type: values.optimizer as 'sgd' | 'adam' };
if (values.lr) options.optimizer = { ...(options.optimizer ?? { type: 'sgd' }), learningRate: Number(values.lr) };
options.batchSize = wholeNumber('batch', values.batch) ?? options.batchSize;
options.seed = values.seed === undefined ? undefined : Number(values.seed);
const epochs = wholeNumber('epochs', values.epochs) ?? presetEpochs;
const subset = wholeNumber('subset', values.subset);
const historyEvery = wholeNumber('history', values.history);
if (values.augment !== undefined) options.augment = values.augment;
if (values.gemm !== undefined) options.gemm = values.gemm as EngineOptions['gemm']; // the engine refuses other values, naming the allowed ones

/** What the network confuses and how alike pullover, coat and shirt look inside it (issue #4's report). */
function report(evaluation: Evaluation) {
  const name = (c: number) => FASHION_MNIST_CLASSES[c];
  console.log(`\ntest accuracy ${(100 * evaluation.accuracy).toFixed(2)}%`);
  console.log('most confused (true → predicted, share of the true class):');
  for (const p of mostConfusedPairs(evaluation.confusion, 3)) console.log(`  ${name(p.truth)} → ${name(p.predicted)}: ${(100 * p.rate).toFixed(1)}% (${p.count})`);
  const group = [2, 4, 6]; // pullover, coat, shirt
  console.log('cosine similarity of class-mean activations, pullover/coat/shirt pairs vs all pairs:');
  evaluation.classMeans.forEach((means, l) => {
    const g = groupSimilarity(cosineSimilarities(means.activated, FASHION_MNIST_CLASSES.length), group);
    console.log(`  layer ${l + 1}: ${g.group.toFixed(3)} vs ${g.allPairs.toFixed(3)}`);
  });
}

try {
  const device = await nodeDevice();
  const engine = await createEngine({ ...options, device });
  const train = load('train', subset);
  const testSet = load('t10k');
  engine.setData({ train, test: testSet, classNames: FASHION_MNIST_CLASSES });
  console.log(`training ${layersText(engine.config.layers)} (${engine.config.optimizer.type}, gemm ${engine.config.gemm}) on ${train.count} samples, ${engine.stepsPerEpoch} steps per epoch`);
  const meter = await WeightChangeMeter.create(device, engine.dictionary);
  const history = historyEvery ? engine.recordHistory({ every: historyEvery }) : undefined;
  const evaluations: EpochEvaluation[] = [];
  const curves: RunCurves = { chunks: [], tests: [] };
  for (let epoch = 0; epoch < epochs; epoch++) {
    const result = await engine.trainEpoch({
      paced: values.paced,
      onProgress: (p) => void curves.chunks.push({ step: p.step, loss: p.chunkLoss, accuracy: p.chunkAccuracy }),
    });
    const change = await meter.measure();
    const test = await engine.evaluate();
    evaluations.push({ epoch: epoch + 1, step: engine.stepCount, evaluation: test });
    curves.tests.push({ step: engine.stepCount, accuracy: test.accuracy });
    console.log(
      `epoch ${epoch + 1}: loss ${result.loss.toFixed(4)}, train ${(100 * result.accuracy).toFixed(2)}%, ` +
        `test ${(100 * test.accuracy).toFixed(2)}%, ${result.samplesPerSecond.toFixed(0)} samples/s (GPU ${engine.msPerStep?.toFixed(3)} ms/step), ` +
        `weight change ${change.map((c) => c.toFixed(3)).join(' / ')} (‖Wₑ − Wₑ₋₁‖ / ‖Wₑ₋₁‖ per layer)`,
    );
  }
  meter.destroy();
  if (values.evaluations) {
    const run = recordRun({
      name: values.name ?? layersText(engine.config.layers), description: describeNetwork(engine.config), classNames: FASHION_MNIST_CLASSES,
      test: testSet, epochs: evaluations, curves, stepsPerEpoch: engine.stepsPerEpoch,
    });
    writeFileSync(values.evaluations, evaluationsToJson(run));
    console.log(`wrote ${values.evaluations}: ${evaluations.length} epoch(s) of evaluations of '${run.name}' (open it in <nn-compare>)`);
  }
  if (values.report) report(await engine.evaluate());
  if (history) {
    const steps = history.snapshots.map((s) => s.step);
    console.log(
      `history: ${history.length} snapshots kept (steps ${steps[0]} to ${steps.at(-1)}, every ${history.every} updates), ` +
        `${history.length * history.bytesPerSnapshot} bytes (${history.allocatedBytes} allocated, budget ${history.budgetBytes})`,
    );
  }
  engine.destroy();
  device.destroy();
} catch (error) {
  console.error(`train: ${(error as Error).message}`);
  process.exit(1);
}
