/** Each WGSL kernel against the plain TypeScript reference, on random data with ragged shapes. */
import { expect } from '@esm-bundle/chai';
import { dims, maxRelativeDifference, runKernel } from '../shared/kernel-harness.js';
import { gpuTest } from '../shared/gpu-test.js';
import {
  activate, activationGradient, adamUpdate, backwardInput, backwardWeights, matmulForward,
  mulberry32, randomArray, sgdMomentumUpdate, softmaxCrossEntropy,
} from '../reference/mlp.js';
import { ACTIVATION_CODES } from '../../src/engine/config.js';
import { denseKernels } from '../../src/engine/kernels.js';
import { packStepTable } from '../../src/engine/step-table.js';

/** Shapes with widths that are not multiples of 4: the scalar kernels (denseKernels picks them). */
const SHAPES = [
  { rows: 5, inputs: 7, outputs: 3 },
  { rows: 37, inputs: 45, outputs: 33 },
];
/**
 * Inputs a multiple of 4, outputs not: the ragged register kernels (gathered loads, the input
 * gradient's last outputs % 4 terms after the loop) and, for tiles, the scalar ones. Tails of 1–3
 * terms, a single output (no whole vec4 of k at all), rows and columns past the blocks' edges.
 */
const RAGGED_SHAPES = [
  { rows: 1, inputs: 784, outputs: 10 },
  { rows: 128, inputs: 128, outputs: 10 },
  { rows: 37, inputs: 44, outputs: 39 },
  { rows: 3, inputs: 8, outputs: 5 },
  { rows: 5, inputs: 4, outputs: 1 },
];
/**
 * Widths that are multiples of 4: the vec4 GEMM kernels, on rows and columns that do not fill their
 * 16 × 16 blocks (37 rows, 36 and 20 columns), a single row, and the reference network's first layer.
 */
const VEC4_SHAPES = [
  { rows: 37, inputs: 44, outputs: 36 },
  { rows: 1, inputs: 8, outputs: 4 },
  { rows: 19, inputs: 20, outputs: 52 },
  { rows: 128, inputs: 784, outputs: 128 },
];
const ACTIVATIONS = ['linear', 'relu', 'sigmoid', 'tanh'] as const;
const TOLERANCE = 1e-5;
const INVALID = 0xffffffff;

const f32 = (a: ArrayLike<number>) => Float32Array.from(a);

describe('kernels match the CPU reference', () => {
  // Every shape through each variant: the scalar kernels for SHAPES, the ragged register kernels
  // and the scalar ones for RAGGED_SHAPES, the register and the tiled GEMM cores for VEC4_SHAPES
  // (the tiled variant is the GPUs'; it runs here too).
  const cases = [...SHAPES, ...RAGGED_SHAPES, ...VEC4_SHAPES].flatMap((shape) => (['registers', 'tiles'] as const)
    .map((gemm) => ({ ...shape, kernels: denseKernels(shape.inputs, shape.outputs, gemm) })))
    .filter((c, k, all) => all.findIndex((d) => d.kernels.forward === c.kernels.forward && d.rows === c.rows && d.inputs === c.inputs) === k);
  for (const { rows, inputs, outputs, kernels } of cases) {
    for (const kind of ACTIVATIONS) {
      it(`${kernels.forward} ${rows}×${inputs}→${outputs} ${kind}`, () => gpuTest(async (device) => {
        const rng = mulberry32(rows * 1000 + inputs);
        const x = f32(randomArray(rows * inputs, rng, 1));
        const w = f32(randomArray(inputs * outputs, rng, 0.5));
        const b = f32(randomArray(outputs, rng, 0.5));
        const out = await runKernel(device, kernels.forward, { activation: ACTIVATION_CODES[kind] }, {
          dims: dims(rows, inputs, outputs), x, weights: w, biases: b,
          raw: new Float32Array(rows * outputs), activated: new Float32Array(rows * outputs),
        }, { extent: [outputs, rows], read: ['raw', 'activated'] });
        const z = matmulForward(x, w, b, rows, inputs, outputs);
        const zDiff = maxRelativeDifference(new Float32Array(out.raw), z);
        const aDiff = maxRelativeDifference(new Float32Array(out.activated), activate(z, kind));
        console.log(`${kernels.forward} ${rows}×${inputs}→${outputs} ${kind}: maxdiff raw ${zDiff.toExponential(2)}, activated ${aDiff.toExponential(2)}`);
        expect(zDiff).to.be.below(TOLERANCE);
        expect(aDiff).to.be.below(TOLERANCE);
      }));

      it(`${kernels.backwardInput} ${rows}×${inputs}→${outputs} ${kind}`, () => gpuTest(async (device) => {
        const rng = mulberry32(rows * 7 + outputs);
        const dz = f32(randomArray(rows * outputs, rng, 1));
        const w = f32(randomArray(inputs * outputs, rng, 0.5));
        const prevRaw = f32(randomArray(rows * inputs, rng, 2));
        const prevAct = f32(activate(prevRaw, kind));
        const out = await runKernel(device, kernels.backwardInput, { activation: ACTIVATION_CODES[kind] }, {
          dims: dims(rows, inputs, outputs), gradient: dz, weights: w, previousRaw: prevRaw, previousActivated: prevAct,
          previousGradient: new Float32Array(rows * inputs),
        }, { extent: [inputs, rows], read: ['previousGradient'] });
        const dx = backwardInput(dz, w, rows, inputs, outputs);
        const grad = activationGradient(prevRaw, prevAct, kind);
        const expected = dx.map((v, i) => v * grad[i]);
        const diff = maxRelativeDifference(new Float32Array(out.previousGradient), expected);
        expect(diff).to.be.below(TOLERANCE);
      }));
    }

    it(`${kernels.backwardWeights} ${rows}×${inputs}→${outputs}`, () => gpuTest(async (device) => {
      const rng = mulberry32(rows + inputs * 3);
      const x = f32(randomArray(rows * inputs, rng, 1));
      const dz = f32(randomArray(rows * outputs, rng, 1));
      const out = await runKernel(device, kernels.backwardWeights, {}, {
        dims: dims(rows, inputs, outputs), x, gradient: dz, dweights: new Float32Array(inputs * outputs), dbiases: new Float32Array(outputs),
      }, { extent: [outputs, inputs], read: ['dweights', 'dbiases'] });
      const { dweights, dbiases } = backwardWeights(x, dz, rows, inputs, outputs);
      const dwDiff = maxRelativeDifference(new Float32Array(out.dweights), dweights);
      const dbDiff = maxRelativeDifference(new Float32Array(out.dbiases), dbiases);
      console.log(`${kernels.backwardWeights} ${rows}×${inputs}→${outputs}: maxdiff dW ${dwDiff.toExponential(2)}, db ${dbDiff.toExponential(2)}`);
      expect(dwDiff).to.be.below(TOLERANCE);
      expect(dbDiff).to.be.below(TOLERANCE);
    }));
  }

  it('gather-batch: shuffled order, byte unpacking, scaling and padding rows', () => gpuTest(async (device) => {
    const count = 7;
    const rows = 5;
    const rng = mulberry32(3);
    const images = Uint8Array.from({ length: count * 784 }, () => Math.floor(rng() * 256));
    const labels = Uint8Array.from({ length: count }, (_, i) => (i * 3) % 10);
    const order = Uint32Array.from([6, 2, 0, 5, 1, 3, 4]);
    const cursor = 4;
    const step = new Uint8Array(packStepTable({ type: 'sgd', learningRate: 0.1, momentum: 0, decay: 0 }, [{ step: 0, cursor, count }]));
    const out = await runKernel(device, 'gather', { pixels: 784, inputScale: 1 / 127.5, inputShift: -1 }, {
      params: { uniform: step }, images: new Uint32Array(images.buffer), labels: new Uint32Array(Uint8Array.from([...labels, 0]).buffer),
      order, batch: new Float32Array(rows * 784).fill(99), batchLabels: new Uint32Array(rows).fill(99),
    }, { extent: [784, rows], read: ['batch', 'batchLabels'] });
    const batch = new Float32Array(out.batch);
    const batchLabels = new Uint32Array(out.batchLabels);
    for (let r = 0; r < rows; r++) {
      const position = cursor + r;
      if (position < count) {
        const sample = order[position];
        expect(batchLabels[r]).to.equal(labels[sample]);
        const expected = Array.from(images.subarray(sample * 784, (sample + 1) * 784), (v) => v / 127.5 - 1);
        expect(maxRelativeDifference(batch.subarray(r * 784, (r + 1) * 784), expected)).to.be.below(1e-6);
      } else {
        expect(batchLabels[r]).to.equal(INVALID);
        expect(batch.subarray(r * 784, (r + 1) * 784).every((v) => v === 0)).to.equal(true);
      }
    }
  }));

  it('softmax-cross-entropy train: probabilities, gradient, loss, accuracy; padding rows skipped', () => gpuTest(async (device) => {
    const rows = 37;
    const rng = mulberry32(11);
    const logits = f32(randomArray(rows * 10, rng, 4));
    const labels = Uint32Array.from({ length: rows }, (_, r) => (r >= 33 ? INVALID : Math.floor(rng() * 10)));
    const step = new Uint8Array(packStepTable({ type: 'sgd', learningRate: 0.1, momentum: 0, decay: 0 }, [{ step: 9, cursor: 0, count: 33 }]));
    const out = await runKernel(device, 'softmaxTrain', {}, {
      params: { uniform: step }, dims: dims(rows, 0, 10), logits, labels, probabilities: new Float32Array(rows * 10),
      gradient: new Float32Array(rows * 10), stats: new Float32Array(4), control: new Uint32Array(2),
    }, { read: ['probabilities', 'gradient', 'stats', 'control'] });
    const ref = softmaxCrossEntropy(logits, labels, rows, 10);
    expect(maxRelativeDifference(new Float32Array(out.probabilities), ref.probabilities)).to.be.below(1e-6);
    expect(maxRelativeDifference(new Float32Array(out.gradient), ref.dlogits)).to.be.below(1e-6);
    const stats = new Float32Array(out.stats);
    const counts = new Uint32Array(out.stats);
    expect(stats[0]).to.be.closeTo(ref.lossSum, 1e-4 * ref.lossSum);
    expect(counts[1]).to.equal(ref.correct);
    expect(counts[2]).to.equal(33);
    expect(Array.from(new Uint32Array(out.control))).to.deep.equal([0, 0]);
  }));

  it('softmax-cross-entropy train: a non-finite loss halts at that step', () => gpuTest(async (device) => {
    const logits = new Float32Array(20).fill(1);
    logits[3] = NaN;
    const step = new Uint8Array(packStepTable({ type: 'sgd', learningRate: 0.1, momentum: 0, decay: 0 }, [{ step: 41, cursor: 0, count: 2 }]));
    const out = await runKernel(device, 'softmaxTrain', {}, {
      params: { uniform: step }, dims: dims(2, 0, 10), logits, labels: Uint32Array.from([3, 1]), probabilities: new Float32Array(20),
      gradient: new Float32Array(20), stats: new Float32Array(4), control: new Uint32Array(2),
    }, { read: ['control'] });
    expect(Array.from(new Uint32Array(out.control))).to.deep.equal([1, 41]);
  }));

  it('softmax-cross-entropy evaluate: confusion counts and predictions', () => gpuTest(async (device) => {
    const rows = 300;
    const rng = mulberry32(5);
    const logits = f32(randomArray(rows * 10, rng, 3));
    const labels = Uint32Array.from({ length: rows }, (_, r) => (r >= 290 ? INVALID : Math.floor(rng() * 10)));
    const cursor = 1000;
    const step = new Uint8Array(packStepTable({ type: 'sgd', learningRate: 0.1, momentum: 0, decay: 0 }, [{ step: 0, cursor, count: 1290 }]));
    const out = await runKernel(device, 'softmaxEvaluate', {}, {
      params: { uniform: step }, dims: dims(rows, 0, 10), logits, labels, probabilities: new Float32Array(rows * 10),
      stats: new Float32Array(4), confusion: new Uint32Array(100), predictions: new Uint32Array(1300).fill(77),
    }, { read: ['stats', 'confusion', 'predictions'] });
    const ref = softmaxCrossEntropy(logits, labels, rows, 10);
    const confusion = new Uint32Array(100);
    const predictions = new Uint32Array(out.predictions);
    for (let r = 0; r < 290; r++) {
      const row = Array.from(ref.probabilities.slice(r * 10, r * 10 + 10));
      const predicted = row.indexOf(Math.max(...row));
      confusion[labels[r] * 10 + predicted]++;
      expect(predictions[cursor + r]).to.equal(predicted);
    }
    expect(predictions[cursor + 295]).to.equal(77); // padding rows write nothing
    expect(Array.from(new Uint32Array(out.confusion))).to.deep.equal(Array.from(confusion));
    expect(new Uint32Array(out.stats)[1]).to.equal(ref.correct);
    expect(new Float32Array(out.stats)[0]).to.be.closeTo(ref.lossSum, 1e-4 * ref.lossSum);
  }));

  const N = 1000 + 12; // whole vec4s, as the dictionary's 64-float ranges are; not a multiple of the workgroup
  for (const type of ['sgd', 'adam'] as const) {
    it(`optimizer ${type}: one update with decay at step 3`, () => gpuTest(async (device) => {
      const rng = mulberry32(type === 'sgd' ? 1 : 2);
      const param = f32(randomArray(N, rng, 1));
      const grad = f32(randomArray(N, rng, 1));
      const m = f32(randomArray(N, rng, 0.1));
      const v = f32(Array.from(randomArray(N, rng, 0.1), Math.abs));
      const t = 3;
      const config = type === 'sgd'
        ? { type, learningRate: 0.05, momentum: 0.9, decay: 0.01 } as const
        : { type, learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, decay: 0.01 } as const;
      const step = new Uint8Array(packStepTable(config, [{ step: t, cursor: 0, count: 1 }]));
      const shared = { params: { uniform: step }, parameters: param, gradients: grad, momentums: m, control: new Uint32Array(2) };
      const out: { parameters: ArrayBuffer; momentums: ArrayBuffer; caches?: ArrayBuffer } = type === 'sgd'
        ? await runKernel(device, 'sgd', {}, shared, { extent: [N], read: ['parameters', 'momentums'] })
        : await runKernel(device, 'adam', {}, { ...shared, caches: v }, { extent: [N], read: ['parameters', 'momentums', 'caches'] });
      const p64 = Float64Array.from(param), m64 = Float64Array.from(m), v64 = Float64Array.from(v);
      if (config.type === 'sgd') sgdMomentumUpdate(p64, grad, m64, config, t);
      else adamUpdate(p64, grad, m64, v64, config, t);
      expect(maxRelativeDifference(new Float32Array(out.parameters), p64)).to.be.below(1e-6);
      expect(maxRelativeDifference(new Float32Array(out.momentums), m64)).to.be.below(1e-6);
      if (type === 'adam') expect(maxRelativeDifference(new Float32Array(out.caches!), v64)).to.be.below(1e-6);
    }));
  }

  it('optimizer sgd: a non-finite result is not stored and halts training', () => gpuTest(async (device) => {
    const param = Float32Array.from([1, 2, 3, 4]);
    const grad = Float32Array.from([0, 0, -3e38, 0]);
    const step = new Uint8Array(packStepTable({ type: 'sgd', learningRate: 10, momentum: 0, decay: 0 }, [{ step: 5, cursor: 0, count: 1 }]));
    const out = await runKernel(device, 'sgd', {}, { params: { uniform: step }, parameters: param, gradients: grad, momentums: new Float32Array(4), control: new Uint32Array(2) }, { read: ['parameters', 'control'] });
    expect(Array.from(new Float32Array(out.parameters))).to.deep.equal([1, 2, 3, 4]);
    expect(Array.from(new Uint32Array(out.control))).to.deep.equal([2, 5]);
  }));
});
