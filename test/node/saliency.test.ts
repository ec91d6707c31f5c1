/**
 * Saliency (issue #14) in Dawn: the GPU's d logit / d pixel for the predicted and the true class
 * equals central finite differences of the class's logit, computed on the CPU in float64 with the
 * references (test/reference/mlp.ts, cnn.ts) and the engine's own parameters, for MLPs (sigmoid,
 * relu with the tiled GEMM kernels, tanh on RGB inputs that are not a multiple of 4) and CNNs (13×11
 * RGB and 9×7 grey). Training is untouched (parameters, gradients, optimizer state, the batch's and
 * the probe's buffers byte-equal before and after); a mean over a set of samples equals the mean of
 * their saliencies; the first layer's input-gradient kernel for 1 and 3 channels equals the
 * reference's convBackwardInput; bad arguments are refused; the buffers go with the engine.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { scaledDifference } from './scaled-difference.js';
import { nodeDevice } from '../../scripts/dawn.js';
import type { Dataset, ImageSet } from '../../src/data/dataset.js';
import { createEngine, type Engine } from '../../src/engine/engine.js';
import type { EngineOptions } from '../../src/engine/config.js';
import { convDims } from '../../src/engine/conv-kernels.js';
import { liveBufferCount } from '../../src/gpu/buffers.js';
import { readRanges } from '../../src/gpu/readback.js';
import { maxRelativeDifference, runKernel } from '../shared/kernel-harness.js';
import { cnnLogits, convBackwardInput, type CnnShape, type ConvShape } from '../reference/cnn.js';
import { argmaxRow, forward, mulberry32, randomArray, scaleInputs, type HiddenActivation } from '../reference/mlp.js';

const device = await nodeDevice();
after(() => device.destroy());

/** `count` random images of rows × cols × channels and labels below `classes`. */
function randomSet(count: number, rows: number, cols: number, channels: 1 | 3, classes: number, seed: number): ImageSet {
  const rng = mulberry32(seed);
  const images = Uint8Array.from({ length: count * rows * cols * channels }, () => Math.floor(rng() * 256));
  const labels = Uint8Array.from({ length: count }, () => Math.floor(rng() * classes));
  return { images, labels, count, rows, cols, channels };
}


interface Case {
  name: string;
  channels: 1 | 3;
  rows: number;
  cols: number;
  classes: number;
  layers: string | number[];
  activation: HiddenActivation;
  gemm?: 'registers' | 'tiles';
  /** The reference's CNN layers, for a CNN. */
  cnn?: Pick<CnnShape, 'convs' | 'dense'>;
}

const CNN_LAYERS = 'conv 3x3 4, pool 2, conv 3x3 8, pool 2, 12';
const CNN_REFERENCE = (classes: number) => ({ convs: [{ filters: 4, kernel: 3 }, { filters: 8, kernel: 3 }], dense: [12, classes] });
const CASES: Case[] = [
  { name: 'MLP 784-24-16-10, sigmoid', channels: 1, rows: 28, cols: 28, classes: 10, layers: [24, 16], activation: 'sigmoid' },
  { name: 'MLP 784-24-16-10, relu, tiled GEMM kernels', channels: 1, rows: 28, cols: 28, classes: 10, layers: [24, 16], activation: 'relu', gemm: 'tiles' },
  { name: 'MLP 429-12-4 on 13×11 RGB (scalar kernels), tanh', channels: 3, rows: 13, cols: 11, classes: 4, layers: [12], activation: 'tanh' },
  { name: `CNN '${CNN_LAYERS}' on 13×11 RGB, relu`, channels: 3, rows: 13, cols: 11, classes: 5, layers: CNN_LAYERS, activation: 'relu', cnn: CNN_REFERENCE(5) },
  { name: `CNN '${CNN_LAYERS}' on 9×7 grey, sigmoid`, channels: 1, rows: 9, cols: 7, classes: 4, layers: CNN_LAYERS, activation: 'sigmoid', cnn: CNN_REFERENCE(4) },
];

/** The engine's logits of one scaled image x, in float64 with its current parameters. */
async function referenceLogits(engine: Engine, c: Case): Promise<(x: Float64Array) => Float64Array> {
  const layers = await engine.readTrainingDictionary();
  const weights = layers.map((l) => Float64Array.from(l.weights));
  const biases = layers.map((l) => Float64Array.from(l.biases));
  if (c.cnn) {
    const shape: CnnShape = { rows: 1, height: c.rows, width: c.cols, channels: c.channels, activation: c.activation, ...c.cnn };
    return (x) => cnnLogits(shape, { weights, biases }, x);
  }
  const net = { sizes: engine.config.sizes as number[], hiddenActivation: c.activation, layers: weights.map((w, l) => ({ weights: w, biases: biases[l]! })) };
  return (x) => forward(net, x, 1).at(-1)!.raw;
}

/** d logit_class / d x_p for every p, by central differences (float64). */
function finiteDifferences(logits: (x: Float64Array) => Float64Array, x: Float64Array, classes: number[], h = 1e-5): Float64Array[] {
  const out = classes.map(() => new Float64Array(x.length));
  const shifted = Float64Array.from(x);
  for (let p = 0; p < x.length; p++) {
    shifted[p] = x[p]! + h;
    const up = logits(shifted);
    shifted[p] = x[p]! - h;
    const down = logits(shifted);
    shifted[p] = x[p]!;
    classes.forEach((k, j) => (out[j]![p] = (up[k]! - down[k]!) / (2 * h)));
  }
  return out;
}

async function withEngine(c: Case, body: (engine: Engine, data: Dataset) => Promise<void>, options: Partial<EngineOptions> = {}): Promise<void> {
  const test = randomSet(70, c.rows, c.cols, c.channels, c.classes, 7);
  const data: Dataset = { train: randomSet(40, c.rows, c.cols, c.channels, c.classes, 8), test, classNames: [] };
  const engine = await createEngine({
    device, shape: { rows: c.rows, cols: c.cols, channels: c.channels, classes: c.classes }, layers: c.layers, activation: c.activation,
    batchSize: 8, seed: 3, optimizer: { type: 'sgd', learningRate: 0.05, momentum: 0.9 }, ...(c.gemm ? { gemm: c.gemm } : {}), ...options,
  });
  try {
    engine.setData(data);
    await engine.step(3); // trained a little: the gradients and momentums are not zeros
    await body(engine, data);
  } finally {
    engine.destroy();
  }
}

for (const c of CASES) {
  test(`saliency equals finite differences of the predicted and true classes' logits: ${c.name}`, () => withEngine(c, async (engine, data) => {
    const logits = await referenceLogits(engine, c);
    const pixels = c.rows * c.cols * c.channels;
    const inputs = scaleInputs(data.test.images, 'unit');
    let worst = 0;
    for (const index of [0, 5, 11]) {
      const x = inputs.slice(index * pixels, (index + 1) * pixels);
      const z = logits(x);
      const predicted = argmaxRow(z, 0, c.classes);
      const truth = data.test.labels[index]!;
      const started = performance.now();
      const views = await engine.saliency(index);
      const read = await engine.readSaliency();
      const ms = performance.now() - started;
      assert.deepEqual(views.gradient.shape, [2, c.rows, c.cols, c.channels]);
      assert.deepEqual(views.map.shape, [2, c.rows, c.cols]);
      assert.deepEqual(read.classes, [predicted, truth], `sample ${index}: explained classes (GPU) vs reference argmax and label`);
      const expected = finiteDifferences(logits, x, [predicted, truth]);
      for (let j = 0; j < 2; j++) {
        const gpu = read.gradient.subarray(j * pixels, (j + 1) * pixels);
        const diff = scaledDifference(gpu, expected[j]!);
        worst = Math.max(worst, diff);
        assert.ok(diff < 2e-4, `sample ${index}, ${j ? 'true' : 'predicted'} class ${j ? truth : predicted}: max |GPU − finite differences| = ${diff.toExponential(2)} of the largest`);
        // The map: each pixel's channels summed.
        const map = read.map.subarray(j * c.rows * c.cols, (j + 1) * c.rows * c.cols);
        const summed = Float64Array.from({ length: c.rows * c.cols }, (_, p) => gpu.subarray(p * c.channels, (p + 1) * c.channels).reduce((a, b) => a + b, 0));
        assert.ok(maxRelativeDifference(map, summed) < 1e-6, 'map = sum over channels');
      }
      if (index === 11) console.log(`${c.name}: saliency of sample ${index} (classes ${predicted}, ${truth}) ${ms.toFixed(1)} ms with read-back`);
    }
    console.log(`${c.name}: max |GPU − finite differences| / max |finite differences| = ${worst.toExponential(2)} over 3 samples × 2 classes × ${pixels} inputs`);
  }));
}

test('saliency leaves training untouched: parameters, gradients, optimizer state, the batch and the probe byte-equal', () =>
  withEngine(CASES[3]!, async (engine) => {
    await engine.forward([3, 4]);
    const d = engine.dictionary;
    const snapshot = async () => {
      const layers = await engine.readTrainingDictionary();
      const probe = await d.readProbe(2);
      const scratch = await readRanges(device, [...d.rawGradients, ...d.pooledGradients.filter((b) => !!b)].map((buffer) => ({ buffer: buffer!, offset: 0, size: buffer!.size })));
      const whole = await readRanges(device, [d.parameters, d.gradients, d.momentums].map((buffer) => ({ buffer, offset: 0, size: buffer.size })));
      return [...layers.flatMap((l) => Object.values(l).filter((v): v is Float32Array => !!v)), probe.input, ...probe.layers.flatMap((l) => Object.values(l)), ...scratch, ...whole];
    };
    const before = await snapshot();
    await engine.saliency(4, { classes: ['predicted', 'true', 0] });
    await engine.meanSaliency([1, 2, 3, 4, 5, 6, 7, 8, 9], { classes: [1, 'true'] });
    await engine.readSaliency();
    const afterwards = await snapshot();
    assert.equal(afterwards.length, before.length);
    before.forEach((a, i) => assert.ok(Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(afterwards[i]!.buffer, afterwards[i]!.byteOffset, afterwards[i]!.byteLength)), `tensor ${i} changed`));
  }));

for (const c of [CASES[0]!, CASES[3]!, CASES[4]!]) {
  test(`mean saliency over 41 samples (batches of ⌊rows / classes⌋, a partial last one) equals the mean of their saliencies: ${c.name}`, () => withEngine(c, async (engine) => {
    const indices = Array.from({ length: 41 }, (_, i) => (i * 7 + 3) % 70);
    const classes = ['predicted', 1, 'true'] as const;
    const started = performance.now();
    const views = await engine.meanSaliency(indices, { classes });
    const mean = await engine.readSaliency('mean');
    const ms = performance.now() - started;
    assert.deepEqual(mean.classes, [-1, 1, -1]);
    assert.deepEqual(views.map.shape, [3, c.rows, c.cols]);
    const sums = { gradient: new Float64Array(mean.gradient.length), map: new Float64Array(mean.map.length) };
    for (const index of indices) {
      await engine.saliency(index, { classes });
      const one = await engine.readSaliency();
      one.gradient.forEach((v, i) => (sums.gradient[i] += v / indices.length));
      one.map.forEach((v, i) => (sums.map[i] += v / indices.length));
    }
    const gradientDiff = scaledDifference(mean.gradient, sums.gradient);
    const mapDiff = scaledDifference(mean.map, sums.map);
    console.log(`${c.name}: mean saliency of 41 samples × 3 classes ${ms.toFixed(0)} ms; vs the mean of single saliencies: ${gradientDiff.toExponential(2)} (gradient), ${mapDiff.toExponential(2)} (map)`);
    assert.ok(gradientDiff < 1e-5 && mapDiff < 1e-5, `mean vs mean of saliencies: ${gradientDiff}, ${mapDiff}`);
    // A later sample saliency does not overwrite the mean (its buffers are its own).
    assert.ok(Buffer.from((await engine.readSaliency('mean')).map.buffer).equals(Buffer.from(mean.map.buffer)));
  }));
}

test("a confusion cell's mean on the whole test split (70 images, 2 classes): timing", () => withEngine(CASES[3]!, async (engine, data) => {
  const indices = Array.from({ length: data.test.count }, (_, i) => i);
  const started = performance.now();
  await engine.meanSaliency(indices, { classes: [2, 3] });
  console.log(`CNN 13×11 RGB: mean saliency over ${indices.length} images × 2 classes: ${(performance.now() - started).toFixed(0)} ms`);
}));

/** The input gradient of a first conv layer of 1 or 3 channels (and 4, which the vec4 kernel also takes) against the reference. */
const FIRST_LAYERS: ConvShape[] = [
  { rows: 3, height: 13, width: 11, inputs: 3, filters: 8, kernel: 5 },
  { rows: 2, height: 13, width: 11, inputs: 1, filters: 4, kernel: 5 },
  { rows: 2, height: 9, width: 7, inputs: 1, filters: 12, kernel: 3 },
  { rows: 1, height: 13, width: 11, inputs: 4, filters: 8, kernel: 3 },
  { rows: 1, height: 1, width: 1, inputs: 3, filters: 4, kernel: 3 },
];
for (const shape of FIRST_LAYERS) {
  const { rows, height, width, inputs, filters, kernel } = shape;
  test(`convBackwardInputAnyInput ${rows}×${height}×${width}×${inputs} ← ${filters} filters ${kernel}×${kernel} equals the reference's convBackwardInput`, async () => {
    const rng = mulberry32(inputs * 31 + filters + kernel);
    const w = randomArray(kernel * kernel * inputs * filters, rng, 0.5);
    const dz = randomArray(rows * height * width * filters, rng, 1);
    const n = rows * height * width * inputs;
    const out = await runKernel(device, 'convBackwardInputAnyInput', {}, {
      dims: { uniform: convDims(shape) }, gradient: Float32Array.from(dz), weights: Float32Array.from(w), inputGradient: new Float32Array(n).fill(99),
    }, { extent: [inputs, rows * height * width], read: ['inputGradient'] });
    const diff = maxRelativeDifference(new Float32Array(out.inputGradient, 0, n), convBackwardInput(dz, w, shape));
    console.log(`convBackwardInputAnyInput ${rows}×${height}×${width}×${inputs}, ${filters} filters ${kernel}×${kernel}: maxdiff ${diff.toExponential(2)}`);
    assert.ok(diff < 1e-5, `maxdiff ${diff}`);
  });
}

test('bad saliency arguments are refused with what is allowed; the buffers go with the engine', async () => {
  const live = liveBufferCount();
  await withEngine(CASES[2]!, async (engine) => {
    await assert.rejects(engine.saliency(70), /Sample index 70 is out of range: the split has samples 0 to 69/);
    await assert.rejects(engine.saliency(1, { classes: [4] }), /Saliency class 4 is not a class number 0–3, 'predicted' or 'true'/);
    await assert.rejects(engine.saliency(1, { classes: [] }), /explains 1 to 16 classes/);
    await assert.rejects(engine.meanSaliency([]), /at least one sample/);
    await assert.rejects(engine.readSaliency('mean'), /No mean saliency yet/);
    await engine.saliency(1, { split: 'train' });
    assert.equal((await engine.readSaliency()).classes.length, 2);
  });
  assert.equal(liveBufferCount(), live, 'every buffer destroyed with the engine');
});
