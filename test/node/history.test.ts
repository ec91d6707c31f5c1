/** The recorded training history in Dawn: when snapshots are taken, what they hold, thinning, replay and files. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { nodeDevice } from '../../scripts/dawn.js';
import { createEngine, TrainingDivergedError, type Engine } from '../../src/engine/engine.js';
import type { EngineOptions } from '../../src/engine/config.js';
import { parameterLayout } from '../../src/engine/dictionary.js';
import { TrainingHistory, type HistoryLayer } from '../../src/engine/history.js';
import { liveBufferCount } from '../../src/gpu/buffers.js';
import { readRanges } from '../../src/gpu/readback.js';
import { historyTensorNames } from '../../src/io/history-file.js';
import { decodeSafetensors, encodeSafetensors, SafetensorsError, type Tensor } from '../../src/io/safetensors.js';
import { syntheticDataset } from '../shared/reference-run.js';

const device = await nodeDevice();
after(() => device.destroy());

/** A test that fails on any WebGPU validation error raised while it runs. */
function gpuTest(name: string, body: () => Promise<void>): void {
  test(name, async () => {
    device.pushErrorScope('validation');
    try {
      await body();
    } finally {
      const error = await device.popErrorScope();
      assert.equal(error, null, `WebGPU validation error: ${error?.message}`);
    }
  });
}

const bits = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);

/** Engines that are destroyed when `body` ends, however it ends. */
async function withEngines(options: EngineOptions[], body: (...engines: Engine[]) => Promise<void>): Promise<void> {
  const engines: Engine[] = [];
  try {
    for (const o of options) engines.push(await createEngine({ device, ...o }));
    await body(...engines);
  } finally {
    for (const e of engines) e.destroy();
  }
}

/** Asserts that every recorded entry of `actual` is bit-identical to `expected` (a dictionary read or another snapshot). */
function assertSameState(actual: HistoryLayer[], expected: readonly HistoryLayer[], optimizer: 'sgd' | 'adam', what: string): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((layer, l) => {
    for (const name of historyTensorNames(optimizer)) {
      assert.deepEqual(bits(layer[name]!), bits(expected[l][name]!), `${what}: layers.${l}.${name}`);
    }
  });
}

/** The first `rows` rows of every layer's rawOutputs and outputs, as the last forward() left them. */
async function readOutputs(engine: Engine, rows: number): Promise<Float32Array[]> {
  return (await engine.dictionary.readProbe(rows)).layers.flatMap((layer) => [layer.rawOutputs, layer.outputs]);
}

const data = syntheticDataset(96, 12, 3); // 6 steps per epoch at batch 16

for (const optimizer of [{ type: 'sgd' as const, learningRate: 0.05, momentum: 0.9 }, { type: 'adam' as const, learningRate: 0.01 }]) {
  gpuTest(`${optimizer.type}: snapshots land at steps 0, K, 2K, … across chunks and epochs and hold exactly an identical run's dictionary there`, async () => {
    // K = 4 is no multiple of 3 steps per chunk, and 6 steps per epoch put step 12 on an epoch boundary.
    const options = { layers: [10], batchSize: 16, seed: 5, stepsPerChunk: 3, optimizer };
    await withEngines([options, options], async (engine, reference) => {
      engine.setData(data);
      reference.setData(data);
      const history = engine.recordHistory({ every: 4 });
      await engine.step(9);
      await engine.step(13);
      assert.deepEqual(history.snapshots.map((s) => [s.step, s.epoch, s.stepInEpoch]), [
        [0, 0, 0], [4, 0, 4], [8, 1, 2], [12, 2, 0], [16, 2, 4], [20, 3, 2],
      ]);
      for (let i = 0; i < history.length; i++) {
        await reference.step(history.snapshots[i].step - reference.stepCount);
        assert.deepEqual([reference.epoch, reference.stepInEpoch], [history.snapshots[i].epoch, history.snapshots[i].stepInEpoch]);
        assertSameState(await history.read(i), await reference.readTrainingDictionary(), optimizer.type, `snapshot ${i} (step ${history.snapshots[i].step})`);
      }
      assert.equal(Object.keys(history.snapshots[0].groups).includes('caches'), optimizer.type === 'adam');
      assert.ok(Object.values(history.snapshots[0].groups).every((g) => g.offset % 256 === 0));
    });
  });
}

gpuTest('training with a history gives bit-identical parameters and state to training without', async () => {
  const options = { layers: [9, 7], batchSize: 16, seed: 11, stepsPerChunk: 5 };
  await withEngines([options, options], async (recorded, plain) => {
    recorded.setData(data);
    plain.setData(data);
    recorded.recordHistory({ every: 3 });
    const [a, b] = [await recorded.step(17), await plain.step(17)];
    assert.equal(a.samples, b.samples);
    assert.equal(recorded.history!.length, 6);
    assertSameState(await recorded.readTrainingDictionary(), await plain.readTrainingDictionary(), 'sgd', 'after 17 steps');
  });
});

gpuTest('thinning keeps memory within the budget, the first snapshot, uniform spacing and the right contents', async () => {
  const options = { layers: [6], batchSize: 16, seed: 2, stepsPerChunk: 4 };
  await withEngines([options, options], async (engine, reference) => {
    engine.setData(data);
    reference.setData(data);
    const { bytesPerSnapshot } = engine.recordHistory({ every: 1 });
    const budgetBytes = 5 * bytesPerSnapshot + 100;
    const history = engine.recordHistory({ every: 1, budgetBytes });
    assert.equal(history.capacity, 5);
    /** The first snapshot, then every multiple of `every` after it up to the current step. */
    const uniform = (first = 0) => {
      const steps = history.snapshots.map((s) => s.step);
      const expected = [first];
      for (let s = (Math.floor(first / history.every) + 1) * history.every; s <= engine.stepCount; s += history.every) expected.push(s);
      assert.deepEqual(steps, expected, `every ${history.every} at step ${engine.stepCount}`);
    };
    await engine.step(40, {
      onProgress: () => {
        assert.ok(history.length <= history.capacity, `${history.length} snapshots`);
        assert.ok(history.allocatedBytes <= budgetBytes, `${history.allocatedBytes} bytes allocated`);
      },
    });
    // Capacity 5 with every 1: thinned at steps 5, 10, 20 and 40, each time keeping 0 and the multiples of the doubled interval.
    assert.equal(history.every, 16);
    assert.deepEqual(history.snapshots.map((s) => s.step), [0, 16, 32]);
    uniform();
    assert.ok(history.allocatedBytes <= budgetBytes);
    for (let i = 0; i < history.length; i++) {
      await reference.step(history.snapshots[i].step - reference.stepCount);
      assertSameState(await history.read(i), await reference.readTrainingDictionary(), 'sgd', `snapshot ${i} (step ${history.snapshots[i].step})`);
    }
    await engine.step(30);
    uniform();
    assert.ok(history.length <= history.capacity && history.allocatedBytes <= budgetBytes);
    // A history restarted off the interval (setParameters at step 70) keeps its first snapshot through thinning.
    const now = await engine.readTrainingDictionary();
    engine.setParameters(now.map((l) => l.weights), now.map((l) => l.biases));
    await engine.step(11); // thinned at 75 (every 2: 70, 72, 74) and at 80 (every 4: 70, 72, 76)
    assert.deepEqual([history.every, ...history.snapshots.map((s) => s.step)], [4, 70, 72, 76, 80]);
    uniform(70);
  });
});

gpuTest('forward with a snapshot equals forward after setParameters(its weights) and leaves the live state untouched', async () => {
  const options = { layers: [8, 5], batchSize: 16, seed: 4, stepsPerChunk: 2 };
  await withEngines([options, options], async (engine, other) => {
    engine.setData(data);
    other.setData(data);
    const history = engine.recordHistory({ every: 3 });
    await engine.step(7);
    const snapshot = history.snapshots[1];
    assert.equal(snapshot.step, 3);
    const recorded = await history.read(1);
    // `range` is how a view binds a snapshot's tensor: it reads back the same values.
    const [weights0] = await readRanges(device, [history.range(snapshot, engine.dictionary.layers[0].weights)]);
    assert.deepEqual(bits(weights0), bits(recorded[0].weights));

    const indices = [0, 5, 2, 9];
    const live = await engine.readTrainingDictionary();
    await engine.forward(indices, { snapshot });
    const replayed = await readOutputs(engine, indices.length);
    assertSameState(await engine.readTrainingDictionary(), live, 'sgd', 'live state after a replay');

    other.setParameters(recorded.map((l) => l.weights), recorded.map((l) => l.biases));
    await other.forward(indices);
    const expected = await readOutputs(other, indices.length);
    replayed.forEach((r, k) => assert.deepEqual(bits(r), bits(expected[k]), `output buffer ${k}`));
    assert.ok(expected.some((e) => e.some((v) => v !== 0)));

    // The live forward afterwards still uses the live parameters.
    await engine.forward(indices);
    const liveOutputs = await readOutputs(engine, indices.length);
    assert.notDeepEqual(bits(liveOutputs.at(-1)!), bits(expected.at(-1)!));

    const foreign = other.recordHistory({ every: 1 }).snapshots[0];
    assert.throws(() => engine.forward(indices, { snapshot: foreign }), /not in this engine's history/);
    const running = engine.step(2);
    assert.throws(() => engine.forward(indices, { snapshot }), /cannot run while training; await the running step/);
    await running;
    engine.stopHistory();
    assert.throws(() => engine.forward(indices, { snapshot }), /not in this engine's history/);
  });
});

/** Re-encodes a safetensors file after `edit` changed its tensors or metadata. */
function recode(bytes: Uint8Array, edit: (tensors: Map<string, Tensor>, metadata: Record<string, string>) => void): Uint8Array {
  const { tensors, metadata } = decodeSafetensors(bytes, 'test');
  edit(tensors, metadata);
  return encodeSafetensors(tensors, metadata);
}

gpuTest('snapshot losses: written with the history, read back with it; a loss that is no number is refused', async () => {
  const options = { layers: [5], batchSize: 16, optimizer: { type: 'sgd' as const, learningRate: 0.1, momentum: 0.9 } };
  await withEngines([{ ...options, seed: 2 }, { ...options, seed: 3 }], async (source, target) => {
    source.setData(data);
    target.setData(data);
    const recorded = source.recordHistory({ every: 2 });
    await source.step(4);
    const file = await recorded.exportSafetensors((step) => (step === 0 ? undefined : step / 8));
    const imported = target.importHistory(file, 'run.safetensors');
    assert.deepEqual(imported.snapshots.map((s) => s.loss), [undefined, 0.25, 0.5]);
    // An imported history's own losses go into its export again.
    assert.match(decodeSafetensors(await imported.exportSafetensors(), 'again').metadata.snapshots, /"step":4,"epoch":0,"stepInEpoch":4,"loss":0.5/);
    const bad = recode(file, (_, m) => (m.snapshots = m.snapshots.replace('0.25', '"low"')));
    assert.throws(() => target.importHistory(bad, 'bad.safetensors'), /snapshot 1's loss "low" is not a number/);
  });
});

gpuTest('exportSafetensors → importHistory round-trips bit-exactly; bad files are rejected and change nothing', async () => {
  const optimizer = { type: 'adam' as const, learningRate: 0.01 };
  const options = { layers: [7], batchSize: 16, stepsPerChunk: 3, optimizer };
  await withEngines([{ ...options, seed: 1 }, { ...options, seed: 9 }], async (source, target) => {
    source.setData(data);
    target.setData(data);
    const recorded = source.recordHistory({ every: 2 });
    await source.step(9);
    const file = await recorded.exportSafetensors();
    const { metadata } = decodeSafetensors(file, 'run.safetensors');
    assert.equal(metadata.format, 'nnscope-history');
    assert.equal(metadata.sizes, '784,7,10');
    assert.match(metadata.thinning, /keep the first snapshot/);

    const current = target.recordHistory({ every: 5 });
    const currentState = await current.read(0);
    const bad: [Uint8Array, RegExp][] = [
      [recode(file, (t) => t.set('history.1.layers.0.dweights', { shape: [784, 3], data: new Float32Array(784 * 3) })),
        /bad\.safetensors: history\.1\.layers\.0\.dweights has shape \[784,3\], this network \(784-7-10\) needs \[784,7\]/],
      [recode(file, (t) => t.delete('history.2.layers.1.biasCache')), /bad\.safetensors: it has no tensor history\.2\.layers\.1\.biasCache/],
      [file.subarray(0, file.length - 1), /bad\.safetensors .*truncated file/],
      [recode(file, (_, m) => (m.sizes = '784,9,10')), /recorded for a 784-9-10 network; this one is 784-7-10/],
      [recode(file, (_, m) => (m.optimizer = 'sgd')), /recorded with sgd; this engine uses adam/],
      [recode(file, (_, m) => (m.snapshots = '[{"step":0,"epoch":0,"stepInEpoch":0},{"step":0,"epoch":0,"stepInEpoch":0}]')), /snapshot 1 is at step 0, not after/],
      [await source.exportParameters(), /not an nnscope training history/],
    ];
    for (const [bytes, message] of bad) {
      assert.throws(() => target.importHistory(bytes, 'bad.safetensors'), (e: Error) => e instanceof SafetensorsError && message.test(e.message), String(message));
      assert.equal(target.history, current);
      assert.equal(current.length, 1);
    }
    assertSameState(await current.read(0), currentState, 'adam', 'the current history after rejected files');

    const imported = target.importHistory(file, 'run.safetensors');
    assert.equal(target.history, imported);
    assert.ok(imported.imported);
    await assert.rejects(current.read(0), /destroyed/);
    assert.equal(imported.every, recorded.every);
    assert.deepEqual(imported.snapshots.map(({ step, epoch, stepInEpoch }) => ({ step, epoch, stepInEpoch })),
      recorded.snapshots.map(({ step, epoch, stepInEpoch }) => ({ step, epoch, stepInEpoch })));
    for (let i = 0; i < recorded.length; i++) assertSameState(await imported.read(i), await recorded.read(i), 'adam', `snapshot ${i}`);

    // An imported history is replayed, not recorded into, and replays exactly like the original.
    await target.step(4);
    assert.equal(imported.length, recorded.length);
    await source.forward([3, 1], { snapshot: recorded.snapshots[2] });
    await target.forward([3, 1], { snapshot: imported.snapshots[2] });
    const [a, b] = [await readOutputs(source, 2), await readOutputs(target, 2)];
    a.forEach((x, k) => assert.deepEqual(bits(x), bits(b[k])));
  });
});

gpuTest('bad history options throw RangeErrors that say what is allowed, and keep the current history', async () => {
  await withEngines([{ layers: [5], batchSize: 16 }], async (engine) => {
    const history = engine.recordHistory();
    assert.equal(history.every, 50);
    assert.equal(history.budgetBytes, 256 * 2 ** 20);
    const oneSnapshot = 3 * parameterLayout(engine.config.layers).length * 4; // SGD: parameters, gradients, momentums
    assert.equal(history.bytesPerSnapshot, oneSnapshot);
    assert.equal(history.capacity, Math.floor(history.budgetBytes / oneSnapshot));
    assert.throws(() => engine.recordHistory({ every: 0 }), { name: 'RangeError', message: /'every' must be a whole number of updates ≥ 1, got 0/ });
    assert.throws(() => engine.recordHistory({ every: 2.5 }), /whole number of updates ≥ 1, got 2\.5/);
    assert.throws(() => engine.recordHistory({ budgetBytes: 1000 }),
      { name: 'RangeError', message: new RegExp(`must hold at least 2 snapshots: one takes ${oneSnapshot} bytes .* at least ${2 * oneSnapshot}; got 1000`) });
    assert.throws(() => engine.recordHistory({ budgetBytes: NaN }), /at least 2 snapshots/);
    assert.equal(engine.history, history);
    await assert.rejects(history.read(1), /Snapshot 1 does not exist: the history holds 1/);
  });
});

gpuTest('reset and setParameters restart the history at the new state; a divergence drops the snapshots after the halt', async () => {
  const diverging = syntheticDataset(256, 10, 9);
  await withEngines([{ layers: [32], batchSize: 32, optimizer: { type: 'sgd', learningRate: 0.1, momentum: 0.9 } }], async (engine) => {
    engine.setData(diverging);
    const history = engine.recordHistory({ every: 1, budgetBytes: 3 * engine.recordHistory().bytesPerSnapshot });
    await engine.step(5);
    assert.equal(history.every, 2, 'thinned');
    engine.reset(7);
    assert.equal(engine.history, history);
    assert.deepEqual(history.snapshots.map((s) => s.step), [0]);
    assert.equal(history.every, 1);
    assertSameState(await history.read(0), await engine.readTrainingDictionary(), 'sgd', 'after reset');
    await engine.step(2);
    assert.deepEqual(history.snapshots.map((s) => s.step), [0, 1, 2]);

    await engine.step(1);
    // Weights near the float limit: the next forward pass overflows and the loss is NaN at step 3.
    const good = await engine.readTrainingDictionary();
    engine.setParameters(good.map((l) => l.weights.map((w) => (w >= 0 ? 1e37 : -1e37))), good.map((l) => l.biases));
    assert.deepEqual(history.snapshots.map((s) => s.step), [3], 'setParameters starts a new run in the history');
    await assert.rejects(engine.step(40), TrainingDivergedError);
    assert.equal(engine.stepCount, 3);
    assert.deepEqual(history.snapshots.map((s) => s.step), [3], 'snapshots from the halted chunks are dropped');
  });
});

gpuTest('a slot larger than maxBufferSize is split into buffers of whole groups, and still records exactly', async () => {
  await withEngines([{ layers: [6], batchSize: 16, optimizer: { type: 'adam' } }], async (engine) => {
    engine.setData(data);
    await engine.step(2);
    const groupBytes = engine.dictionary.parameters.size;
    // The same device, claiming room for only 3 groups (of Adam's 4) per buffer.
    const limits = { maxBufferSize: 3 * groupBytes + 8 }; // all TrainingHistory reads of the limits
    const small = new Proxy(device, {
      get: (target, key) => (key === 'limits' ? limits : typeof Reflect.get(target, key) === 'function' ? Reflect.get(target, key).bind(target) : Reflect.get(target, key)),
    });
    const history = new TrainingHistory(small, engine.dictionary, { every: 1 });
    try {
      history.restart({ step: engine.stepCount, epoch: engine.epoch, stepInEpoch: engine.stepInEpoch });
      const { parameters, gradients, momentums, caches } = history.snapshots[0].groups;
      assert.equal(parameters!.buffer, momentums!.buffer);
      assert.notEqual(caches!.buffer, parameters!.buffer);
      assert.deepEqual([parameters!.offset, gradients!.offset, momentums!.offset, caches!.offset], [0, groupBytes, 2 * groupBytes, 0]);
      assert.deepEqual([parameters!.buffer.size, caches!.buffer.size], [3 * groupBytes, groupBytes]);
      assertSameState(await history.read(0), await engine.readTrainingDictionary(), 'adam', 'split slot');
    } finally {
      history.destroy();
    }
  });
});

gpuTest('history buffers are freed by stopHistory, a replacing history and engine.destroy', async () => {
  const before = liveBufferCount();
  const engine = await createEngine({ device, layers: [6], batchSize: 16, stepsPerChunk: 2 });
  try {
    engine.setData(data);
    const withoutHistory = liveBufferCount();
    const history = engine.recordHistory({ every: 1 });
    await engine.step(5);
    await engine.forward([0], { snapshot: history.snapshots[2] }); // makes the replay stash
    assert.ok(liveBufferCount() >= withoutHistory + 7, `${liveBufferCount() - withoutHistory} history buffers`);
    engine.stopHistory();
    assert.equal(engine.history, undefined);
    assert.equal(liveBufferCount(), withoutHistory);

    const file = await engine.recordHistory({ every: 2 }).exportSafetensors();
    await engine.step(4);
    engine.importHistory(file);
    assert.equal(liveBufferCount(), withoutHistory + 1, 'the imported snapshot only; the recorded history is gone');
    engine.recordHistory();
    await engine.step(1);
  } finally {
    engine.destroy();
  }
  assert.equal(liveBufferCount(), before);
});
