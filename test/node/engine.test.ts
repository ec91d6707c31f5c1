/** The engine core runs outside the browser: Dawn in Node, same WGSL, same results as the reference. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { nodeDevice } from '../../scripts/dawn.js';
import { createEngine } from '../../src/engine/engine.js';
import { WeightChangeMeter } from '../../src/engine/weight-change.js';
import { referenceRun, syntheticDataset } from '../shared/reference-run.js';
import { maxRelativeDifference } from '../shared/kernel-harness.js';

const device = await nodeDevice();
after(() => device.destroy());

test('three SGD steps in Dawn equal the CPU reference', async () => {
  const data = syntheticDataset(45, 10, 1);
  const engine = await createEngine({ device, layers: [20, 11], batchSize: 16, seed: 8, optimizer: { type: 'sgd', learningRate: 0.05, momentum: 0.9 } });
  try {
    engine.setData(data);
    const reference = await referenceRun(engine, data);
    await engine.step(3);
    reference.step(3);
    const gpu = await engine.readTrainingDictionary();
    for (let l = 0; l < 3; l++) {
      for (const name of ['weights', 'biases', 'weightMomentums'] as const) {
        const diff = maxRelativeDifference(gpu[l][name], reference.tensor(l, name)!);
        assert.ok(diff < 1e-4, `layers.${l}.${name}: maxdiff ${diff}`);
      }
    }
  } finally {
    engine.destroy();
  }
});

test('training in Dawn learns a separable synthetic task', async () => {
  const data = syntheticDataset(600, 200, 4);
  const engine = await createEngine({ device, layers: [32], batchSize: 32, seed: 2 });
  try {
    engine.setData(data);
    const first = await engine.trainEpoch();
    for (let e = 0; e < 3; e++) await engine.trainEpoch();
    const last = await engine.trainEpoch();
    const evaluation = await engine.evaluate();
    assert.ok(last.loss < 0.5 * first.loss, `loss ${first.loss} → ${last.loss}`);
    assert.ok(evaluation.accuracy > 0.9, `test accuracy ${evaluation.accuracy}`);
    assert.equal(evaluation.confusion.flat().reduce((a, b) => a + b), 200);
  } finally {
    engine.destroy();
  }
});

test('exportParameters → importParameters round-trips bit-exactly in a fresh engine; a bad file changes nothing', async () => {
  const data = syntheticDataset(64, 10, 6);
  const options = { device, layers: [12], batchSize: 16, seed: 3 };
  const trained = await createEngine(options);
  const fresh = await createEngine({ ...options, seed: 99 });
  try {
    trained.setData(data);
    await trained.step(5);
    const file = await trained.exportParameters();
    const before = await fresh.readTrainingDictionary();
    const wrongShape = await (async () => {
      const other = await createEngine({ ...options, layers: [13] });
      try { return await other.exportParameters(); } finally { other.destroy(); }
    })();
    assert.throws(() => fresh.importParameters(wrongShape, 'other.safetensors'), /other\.safetensors: layers\.0\.weights has shape \[784,13\], this network \(784-12-10\) needs \[784,12\]/);
    assert.throws(() => fresh.importParameters(file.subarray(0, file.length - 1), 'cut.safetensors'), /cut\.safetensors .*truncated file/);
    const untouched = await fresh.readTrainingDictionary();
    assert.deepEqual(untouched[0].weights, before[0].weights);

    assert.equal(fresh.importParameters(file, 'trained.safetensors'), 'nnscope');
    const [a, b] = [await trained.readTrainingDictionary(), await fresh.readTrainingDictionary()];
    for (let l = 0; l < 2; l++) {
      assert.deepEqual(new Uint32Array(b[l].weights.buffer), new Uint32Array(a[l].weights.buffer), `layers.${l}.weights`);
      assert.deepEqual(new Uint32Array(b[l].biases.buffer), new Uint32Array(a[l].biases.buffer), `layers.${l}.biases`);
    }
    fresh.setData(data);
    const [ea, eb] = [await trained.evaluate(), await fresh.evaluate()];
    assert.deepEqual(eb.predictions, ea.predictions);
  } finally {
    trained.destroy();
    fresh.destroy();
  }
});

test('WeightChangeMeter: per-layer ‖W − W₀‖ / ‖W₀‖ equals the same figure from read-back weights', async () => {
  const engine = await createEngine({ device, layers: [24, 16], batchSize: 16, seed: 4 });
  const meter = await WeightChangeMeter.create(device, engine.dictionary);
  try {
    engine.setData(syntheticDataset(80, 10, 2));
    const before = await engine.readTrainingDictionary();
    await engine.step(4);
    const after = await engine.readTrainingDictionary();
    const measured = await meter.measure();
    const expected = before.map((layer, l) => {
      let change = 0;
      let norm = 0;
      layer.weights.forEach((w0, i) => {
        change += (after[l].weights[i] - w0) ** 2;
        norm += w0 * w0;
      });
      return Math.sqrt(change / norm);
    });
    measured.forEach((m, l) => assert.ok(Math.abs(m - expected[l]) <= 1e-5 * expected[l], `layer ${l}: ${m} vs ${expected[l]}`));
    assert.ok(expected.every((e) => e > 0));
    assert.deepEqual(await meter.measure(), [0, 0, 0], 'the snapshot moved to the current weights');
  } finally {
    meter.destroy();
    engine.destroy();
  }
});

test('onChunkQueued runs between chunks: a meter queued there measures each chunk as step-by-step read-backs do', async () => {
  const options = { device, layers: [24], batchSize: 8, seed: 5, stepsPerChunk: 3 };
  const data = syntheticDataset(96, 10, 3); // 12 steps per epoch: no epoch boundary inside the 10 steps
  const relativeChange = (a: Float32Array, b: Float32Array) => {
    let change = 0;
    let norm = 0;
    a.forEach((w0, i) => ((change += (b[i] - w0) ** 2), (norm += w0 * w0)));
    return Math.sqrt(change / norm);
  };
  // Reference: the same training one chunk per call, weights read back after each.
  const reference = await createEngine(options);
  const expected: number[][] = [];
  try {
    reference.setData(data);
    let before = await reference.readTrainingDictionary();
    for (const steps of [3, 3, 3, 1]) {
      await reference.step(steps);
      const after = await reference.readTrainingDictionary();
      expected.push(before.map((layer, l) => relativeChange(layer.weights, after[l].weights)));
      before = after;
    }
  } finally {
    reference.destroy();
  }
  const engine = await createEngine(options);
  const meter = await WeightChangeMeter.create(device, engine.dictionary);
  try {
    engine.setData(data);
    const queued: number[] = [];
    const measures: Promise<number[]>[] = [];
    await engine.step(10, { onChunkQueued: (step) => (queued.push(step), measures.push(meter.measure())) });
    assert.deepEqual(queued, [3, 6, 9, 10]);
    const measured = await Promise.all(measures);
    measured.forEach((layers, c) => layers.forEach((m, l) =>
      assert.ok(Math.abs(m - expected[c][l]) <= 1e-5 * expected[c][l], `chunk ${c} layer ${l}: ${m} vs ${expected[c][l]}`)));
  } finally {
    meter.destroy();
    engine.destroy();
  }
});
