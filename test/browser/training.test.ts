/** Whole training steps against the reference, a finite-difference check, divergence and errors. */
import { expect } from '@esm-bundle/chai';
import { createEngine, type Engine } from '../../src/engine/engine.js';
import type { EngineOptions } from '../../src/engine/config.js';
import { maxRelativeDifference } from '../shared/kernel-harness.js';
import { gpuTest } from '../shared/gpu-test.js';
import { syntheticDataset, referenceRun } from '../shared/reference-run.js';
import { liveBufferCount } from '../../src/gpu/buffers.js';
import { TrainingDivergedError } from '../../src/engine/engine.js';
import { ConfigError } from '../../src/engine/config.js';
import { requestDevice, WebGpuUnavailableError } from '../../src/gpu/device.js';
import type { Dataset } from '../../src/data/dataset.js';
import { argmaxRow, forward, scaleInputs, softmaxCrossEntropy, type ReferenceMlp } from '../reference/mlp.js';

const STEP_TOLERANCE = 1e-4;

async function compareSteps(device: GPUDevice, options: EngineOptions, steps: number[]) {
  const data = syntheticDataset(50, 10, 7);
  const engine = await createEngine({ ...options, device });
  try {
    engine.setData(data);
    const reference = await referenceRun(engine, data);
    for (const n of steps) {
      await engine.step(n);
      reference.step(n);
      const gpu = await engine.readTrainingDictionary();
      gpu.forEach((layer, l) => {
        for (const name of ['weights', 'biases', 'dweights', 'dbiases', 'weightMomentums', 'biasMomentums', 'weightCache', 'biasCache'] as const) {
          const expected = reference.tensor(l, name);
          if (!expected) continue;
          const diff = maxRelativeDifference(layer[name]!, expected);
          if (diff > STEP_TOLERANCE) throw new Error(`layers.${l}.${name} differs after step ${engine.stepCount}: maxdiff ${diff}`);
        }
      });
    }
    console.log(`${options.optimizer?.type}: ${engine.stepCount} steps equal the reference within ${STEP_TOLERANCE}`);
  } finally {
    engine.destroy();
  }
}

describe('training steps', () => {
  it('SGD-momentum steps (incl. a partial last batch and an epoch boundary) equal the reference', () => gpuTest((device) =>
    compareSteps(device, {
      layers: [16, 12], activation: 'relu', batchSize: 20, seed: 3, init: 'he',
      optimizer: { type: 'sgd', learningRate: 0.05, momentum: 0.9, decay: 0.01 },
    }, [1, 2, 2])));

  it('Adam steps with decay equal the reference', () => gpuTest((device) =>
    compareSteps(device, {
      layers: [9], activation: 'tanh', batchSize: 16, seed: 4, init: 'glorot', inputScale: 'symmetric',
      optimizer: { type: 'adam', learningRate: 0.01, decay: 0.1 },
    }, [1, 3])));

  it('the GPU gradients equal finite differences of the GPU loss', () => gpuTest(async (device) => {
    const data = syntheticDataset(8, 8, 21);
    const engine = await createEngine({
      device, layers: [6, 5], activation: 'tanh', batchSize: 8, seed: 5, init: 'glorot',
      optimizer: { type: 'sgd', learningRate: 1e-9, momentum: 0 }, evaluationBatchSize: 8,
    });
    try {
      engine.setData({ ...data, test: data.train });
      const before = await engine.readTrainingDictionary();
      await engine.step(1);
      const after = await engine.readTrainingDictionary();
      const weights = before.map((l) => l.weights.slice());
      const biases = before.map((l) => l.biases.slice());
      const lossWith = async (layer: number, which: 'weights' | 'biases', index: number, delta: number) => {
        const w = weights.map((a) => a.slice());
        const b = biases.map((a) => a.slice());
        (which === 'weights' ? w : b)[layer][index] += delta;
        engine.setParameters(w, b);
        return (await engine.evaluate()).loss;
      };
      const eps = 1e-2;
      let worst = 0;
      for (let layer = 0; layer < 3; layer++) {
        for (const which of ['weights', 'biases'] as const) {
          const grads = which === 'weights' ? after[layer].dweights : after[layer].dbiases;
          // The parameters with the largest gradients, plus a few others.
          const picks = [...grads.keys()].sort((i, j) => Math.abs(grads[j]) - Math.abs(grads[i])).slice(0, 4);
          for (const index of picks) {
            const numeric = ((await lossWith(layer, which, index, eps)) - (await lossWith(layer, which, index, -eps))) / (2 * eps);
            const error = Math.abs(numeric - grads[index]) / (1e-3 + Math.abs(grads[index]));
            worst = Math.max(worst, error);
            expect(error, `layers.${layer}.${which}[${index}]: numeric ${numeric}, GPU ${grads[index]}`).to.be.below(0.05);
          }
        }
      }
      console.log(`finite differences: worst relative error ${worst.toExponential(2)}`);
    } finally {
      engine.destroy();
    }
  }));

  it('evaluate() and forward() equal the reference forward pass over the whole test set', () => gpuTest(async (device) => {
    // 1013 test images in evaluation batches of 256: four full batches and a partial one.
    const data = syntheticDataset(64, 1013, 31);
    const engine = await createEngine({ device, layers: [24, 16], activation: 'sigmoid', batchSize: 16, seed: 8, evaluationBatchSize: 256 });
    try {
      engine.setData(data);
      await engine.step(7);
      const params = await engine.readTrainingDictionary();
      const net: ReferenceMlp = {
        sizes: [...engine.config.sizes],
        hiddenActivation: 'sigmoid',
        layers: params.map((l) => ({ weights: Float64Array.from(l.weights), biases: Float64Array.from(l.biases) })),
      };
      const x = scaleInputs(data.test.images, engine.config.inputScale);
      const outputs = forward(net, x, data.test.count);
      const reference = softmaxCrossEntropy(outputs[2].raw, data.test.labels, data.test.count, 10);
      const result = await engine.evaluate();
      const predicted = Array.from({ length: data.test.count }, (_, r) => argmaxRow(outputs[2].raw, r, 10));
      expect(Array.from(result.predictions)).to.deep.equal(predicted);
      expect(result.accuracy).to.equal(reference.correct / data.test.count);
      expect(result.loss).to.be.closeTo(reference.lossSum / data.test.count, 1e-5);
      const confusion = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
      predicted.forEach((p, r) => confusion[data.test.labels[r]][p]++);
      expect(result.confusion).to.deep.equal(confusion);
      // Per-class means of every layer's raw and activated outputs, summed on the GPU.
      outputs.forEach((layer, l) => {
        const width = engine.config.sizes[l + 1];
        for (const kind of ['raw', 'activated'] as const) {
          const means = new Float64Array(10 * width);
          const counts = new Array<number>(10).fill(0);
          for (let r = 0; r < data.test.count; r++) {
            const c = data.test.labels[r];
            counts[c]++;
            for (let j = 0; j < width; j++) means[c * width + j] += layer[kind][r * width + j];
          }
          means.forEach((sum, i) => (means[i] = counts[Math.floor(i / width)] ? sum / counts[Math.floor(i / width)] : 0));
          expect(maxRelativeDifference(result.classMeans[l][kind], means)).to.be.below(1e-5, `layers.${l} ${kind} class means`);
        }
      });

      const picks = [1012, 0, 500];
      const probePredictions = await engine.forward(picks);
      expect(Array.from(probePredictions)).to.deep.equal(picks.map((sample) => result.predictions[sample]), 'forward() resolves to the predictions');
      const probed = (await engine.dictionary.readProbe(picks.length)).layers;
      probed.forEach((layer, l) => {
        const width = engine.config.sizes[l + 1];
        picks.forEach((sample, row) => {
          const slice = (a: ArrayLike<number>, r: number) => Array.prototype.slice.call(a, r * width, (r + 1) * width) as number[];
          expect(maxRelativeDifference(Float32Array.from(slice(layer.rawOutputs!, row)), Float64Array.from(slice(outputs[l].raw, sample))))
            .to.be.below(1e-5, `layers.${l}.rawOutputs row ${row} (sample ${sample})`);
          expect(maxRelativeDifference(Float32Array.from(slice(layer.outputs!, row)), Float64Array.from(slice(outputs[l].activated, sample))))
            .to.be.below(1e-5, `layers.${l}.outputs row ${row} (sample ${sample})`);
        });
      });
    } finally {
      engine.destroy();
    }
  }));

  it('a diverging run stops with TrainingDivergedError and keeps every parameter finite', () => gpuTest(async (device) => {
    const data = syntheticDataset(256, 10, 9);
    const engine = await createEngine({ device, layers: [32], batchSize: 32, optimizer: { type: 'sgd', learningRate: 0.1, momentum: 0.9 } });
    try {
      engine.setData(data);
      await engine.step(3);
      // Weights near the float limit: the next forward pass overflows to Infinity and the loss to NaN.
      const good = await engine.readTrainingDictionary();
      const huge = good.map((layer) => layer.weights.map((w) => (w >= 0 ? 1e37 : -1e37)));
      engine.setParameters(huge, good.map((layer) => layer.biases));
      let error: unknown;
      try {
        await engine.step(40);
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(TrainingDivergedError);
      expect((error as Error).message).to.match(/diverged at step 3: the loss was not finite/);
      expect((error as TrainingDivergedError).reason).to.equal('loss');
      expect(engine.stepCount, 'the counters count only the updates applied').to.equal(3);
      expect([engine.epoch, engine.stepInEpoch]).to.deep.equal([0, 3]);
      const dictionary = await engine.readTrainingDictionary();
      for (const layer of dictionary) expect([...layer.weights, ...layer.biases].every(Number.isFinite)).to.equal(true);
      // Once halted, further steps change nothing and report the same divergence.
      let again: unknown;
      try { await engine.step(1); } catch (e) { again = e; }
      expect(again).to.be.instanceOf(TrainingDivergedError);
      const still = await engine.readTrainingDictionary();
      expect(Array.from(still[0].weights)).to.deep.equal(Array.from(dictionary[0].weights));
    } finally {
      engine.destroy();
    }
  }));

  it('the same seed gives the same run; another seed does not', () => gpuTest(async (device) => {
    const data = syntheticDataset(64, 10, 2);
    const run = async (seed: number) => {
      const engine = await createEngine({ device, layers: [8], batchSize: 16, seed });
      try {
        engine.setData(data);
        await engine.step(6);
        return (await engine.readTrainingDictionary())[0].weights;
      } finally {
        engine.destroy();
      }
    };
    const [a, b, c] = [await run(1), await run(1), await run(2)];
    expect(Array.from(a)).to.deep.equal(Array.from(b));
    expect(Array.from(a)).to.not.deep.equal(Array.from(c));
  }));

  it('destroy() releases every buffer the engine created', () => gpuTest(async (device) => {
    const before = liveBufferCount();
    const engines: Engine[] = [];
    for (let i = 0; i < 3; i++) {
      const engine = await createEngine({ device, layers: [8], optimizer: { type: i % 2 ? 'adam' : 'sgd' } });
      engine.setData(syntheticDataset(40, 10, i));
      await engine.step(2);
      await engine.evaluate();
      engines.push(engine);
    }
    expect(liveBufferCount()).to.be.above(before);
    for (const engine of engines) engine.destroy();
    expect(liveBufferCount()).to.equal(before);
  }));

  it('bad options and over-limit networks are clear errors before any GPU work', () => gpuTest(async (device) => {
    const before = liveBufferCount();
    const cases: [EngineOptions, RegExp][] = [
      [{ layers: [128, 0] }, /layers item 2 \(0\) is not a width from 1 to 1048576/],
      [{ layers: 'conv 3x3 16, pool 2, conv 3x3 6' }, /layers item 3 \("conv 3x3 6"\) has 6 filters; use a multiple of 4/],
      [{ activation: 'gelu' as never }, /activation must be one of 'relu', 'sigmoid', 'tanh', got "gelu"/],
      [{ optimizer: { type: 'sgd', learningRate: -1 } }, /optimizer.learningRate must be a number/],
      [{ optimizer: { type: 'sgd', momentum: 1 } }, /optimizer.momentum must be a number in \[0, 1\)/],
      [{ optimizer: { type: 'rmsprop' as never } }, /optimizer.type must be one of 'sgd', 'adam'/],
      [{ batchSize: 12.5 }, /batchSize must be an integer/],
      [{ layers: [1 << 20] }, /Layer 0's output \(1048576 values a sample\) needs 4194304000 bytes per batch buffer of 1000 rows.*exceeds this device's limits/],
    ];
    for (const [options, message] of cases) {
      let error: unknown;
      try {
        await createEngine({ ...options, device });
      } catch (e) {
        error = e;
      }
      expect(error, JSON.stringify(options)).to.be.instanceOf(ConfigError);
      expect((error as Error).message).to.match(message);
    }
    expect(liveBufferCount()).to.equal(before);
  }));

  it('setData rejects images of the wrong size, inconsistent sets and bad labels, keeping the old data', () => gpuTest(async (device) => {
    const data = syntheticDataset(40, 10, 5);
    const engine = await createEngine({ device, layers: [8], batchSize: 8 });
    try {
      engine.setData(data);
      const before = liveBufferCount();
      const badLabels = Uint8Array.from(data.test.labels);
      badLabels[7] = 10;
      const cases: [Dataset, RegExp][] = [
        [{ ...data, train: { ...data.train, rows: 27, cols: 27, images: data.train.images.subarray(0, 40 * 729) } }, /train images are 27×27×1; this network takes 28×28×1/],
        [{ ...data, test: { ...data.test, count: 11 } }, /test set is inconsistent: 11 samples, 7840 pixel bytes, 10 labels/],
        [{ ...data, test: { ...data.test, labels: badLabels } }, /test label 7 is 10; labels must be class indices 0–9/],
      ];
      for (const [bad, message] of cases) {
        expect(() => engine.setData(bad)).to.throw(ConfigError, message);
      }
      expect(liveBufferCount()).to.equal(before);
      await engine.step(3); // the old data (40 samples, 5 steps per epoch) is still bound
      expect(engine.stepsPerEpoch).to.equal(5);
      expect(engine.stepInEpoch).to.equal(3);
    } finally {
      engine.destroy();
    }
  }));

  it('a lost device and a missing GPU are clear errors', () => gpuTest(async () => {
    const own = await requestDevice();
    const engine = await createEngine({ device: own, layers: [8], batchSize: 8 });
    engine.setData(syntheticDataset(16, 4, 1));
    own.destroy();
    await own.lost;
    let error: unknown;
    try { await engine.step(1); } catch (e) { error = e; }
    expect((error as Error).message).to.match(/The GPU device was lost \(.+\); create a new engine/);
    engine.destroy();

    const noAdapter = { requestAdapter: async () => null } as unknown as GPU;
    let missing: unknown;
    try { await requestDevice(noAdapter); } catch (e) { missing = e; }
    expect(missing).to.be.instanceOf(WebGpuUnavailableError);
    expect((missing as Error).message).to.match(/WebGPU found no GPU adapter.*--enable-unsafe-webgpu/s);
  }));
});
