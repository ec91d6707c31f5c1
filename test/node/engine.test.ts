/** The engine core runs outside the browser: Dawn in Node, same WGSL, same results as the reference. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { nodeDevice } from '../../scripts/dawn.js';
import { createEngine } from '../../src/engine/engine.js';
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
