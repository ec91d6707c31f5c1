/** Paced training: chunk sizes from measured step times, boundaries at multiples of stepsPerChunk, same numerics. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { nodeDevice } from '../../scripts/dawn.js';
import { ChunkPacer, FRAME_MS } from '../../src/engine/chunk-pacer.js';
import { createEngine } from '../../src/engine/engine.js';
import { syntheticDataset } from '../shared/reference-run.js';

const device = await nodeDevice();
after(() => device.destroy());

test('the pacer sizes chunks to a share of a frame interval from completion times', () => {
  const pacer = new ChunkPacer(16);
  assert.equal(pacer.steps(0.8), 1, 'one step until a chunk has been timed');
  // A 4-step chunk submitted at t=0 that completes at 4 ms: 1 ms per step.
  pacer.completed(4, 0, 4);
  assert.equal(pacer.msPerStep, 1);
  assert.equal(pacer.steps(0.8), Math.floor(0.8 * FRAME_MS), '13 steps of 1 ms fill 0.8 of 16.7 ms');
  assert.equal(pacer.steps(1), 16, 'never more than the longest chunk');
  assert.equal(pacer.inFlight(13), 2, 'two 13-ms chunks fit in two frame intervals');
  // Queued behind it, a chunk runs from the previous completion (4 ms), not from its submission.
  pacer.completed(1, 1, 124);
  assert.ok(pacer.msPerStep! > 30, `a 120-ms step raises the estimate (now ${pacer.msPerStep})`);
  for (let i = 0; i < 20; i++) pacer.completed(1, 124 + 120 * i, 244 + 120 * i);
  assert.ok(Math.abs(pacer.msPerStep! - 120) < 1, `the estimate follows the step time (${pacer.msPerStep})`);
  assert.equal(pacer.steps(0.8), 1, 'a step longer than a frame: one step per chunk');
  assert.equal(pacer.inFlight(1), 1, 'and one chunk at a time, so a frame waits at most one step');
});

test('paced training ends a chunk at every multiple of stepsPerChunk and gives the same parameters', async () => {
  const data = syntheticDataset(200, 40, 5);
  const options = { device, layers: [12], batchSize: 8, seed: 4, stepsPerChunk: 8 };
  const [paced, fixed] = await Promise.all([createEngine(options), createEngine(options)]);
  try {
    paced.setData(data);
    fixed.setData(data);
    const boundaries: number[] = [];
    let idle = 0;
    await paced.step(40, { paced: true, onChunkQueued: (step) => boundaries.push(step), onIdle: async () => void idle++ });
    await fixed.step(40);
    for (const multiple of [8, 16, 24, 32, 40]) assert.ok(boundaries.includes(multiple), `a chunk ends at step ${multiple} (ends: ${boundaries})`);
    assert.ok(boundaries.length >= 5, 'paced chunks are no longer than stepsPerChunk');
    assert.ok(paced.msPerStep! > 0, 'the engine measured its step time');
    if (boundaries.length > 5) assert.ok(idle > 0, 'one chunk at a time: views get the gaps');
    const [a, b] = await Promise.all([paced.readTrainingDictionary(), fixed.readTrainingDictionary()]);
    a.forEach((layer, l) => assert.deepEqual(layer.weights, b[l].weights, `layer ${l} weights: chunking changes no number`));
  } finally {
    paced.destroy();
    fixed.destroy();
  }
});
