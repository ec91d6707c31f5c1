/** The CPU reference of the MLP is right: finite differences, padding rows, hand-computed optimiser steps, learning. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  activate, activationGradient, adamUpdate, backwardInput, backwardWeights, createOptimizerState, forward,
  lossAndGradients, matmulForward, mulberry32, randomArray, scaleInputs, sgdMomentumUpdate, softmaxCrossEntropy,
  trainStep, type HiddenActivation, type ReferenceMlp,
} from '../reference/mlp.js';

const INVALID = 0xffffffff;

function randomNet(sizes: number[], hiddenActivation: HiddenActivation, seed: number, scale = 0.8): ReferenceMlp {
  const rng = mulberry32(seed);
  const layers = sizes.slice(1).map((outputs, l) => ({
    weights: randomArray(sizes[l] * outputs, rng, scale),
    biases: randomArray(outputs, rng, scale),
  }));
  return { sizes, hiddenActivation, layers };
}

function cloneNet(net: ReferenceMlp): ReferenceMlp {
  return { ...net, sizes: [...net.sizes], layers: net.layers.map((l) => ({ weights: l.weights.slice(), biases: l.biases.slice() })) };
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, what: string) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let k = 0; k < actual.length; k++) {
    assert.ok(Math.abs(actual[k] - expected[k]) <= tolerance, `${what}[${k}]: ${actual[k]} vs ${expected[k]}`);
  }
}

test('matmulForward, backwardInput and backwardWeights use the [inputs, outputs] row-major layout', () => {
  const x = [1, 2, 3, -1]; // [2 rows, 2 inputs]
  const w = [1, 2, 3, 4, 5, 6]; // [2 inputs, 3 outputs]
  assert.deepEqual(Array.from(matmulForward(x, w, [0.5, 0, -1], 2, 2, 3)), [9.5, 12, 14, -0.5, 1, 2]);
  const dz = [1, 0, -1, 2, 1, 0]; // [2 rows, 3 outputs]
  assert.deepEqual(Array.from(backwardInput(dz, w, 2, 2, 3)), [-2, -2, 4, 13]);
  const { dweights, dbiases } = backwardWeights(x, dz, 2, 2, 3);
  assert.deepEqual(Array.from(dweights), [7, 3, -1, 0, -1, -2]);
  assert.deepEqual(Array.from(dbiases), [3, 1, -1]);
});

test('activations and their derivatives (central differences)', () => {
  const z = Float64Array.from([-2.5, -0.7, -0.01, 0.02, 0.4, 3]);
  assert.deepEqual(Array.from(activate(z, 'relu')), [0, 0, 0, 0.02, 0.4, 3]);
  assert.deepEqual(Array.from(activate(z, 'linear')), Array.from(z));
  assert.equal(activate([0], 'sigmoid')[0], 0.5);
  assert.deepEqual(Array.from(activationGradient([0, -1, 1], [0, 0, 1], 'relu')), [0, 0, 1]);
  for (const kind of ['relu', 'sigmoid', 'tanh', 'linear'] as const) {
    const h = 1e-6;
    const numeric = Array.from(z, (v) => (activate([v + h], kind)[0] - activate([v - h], kind)[0]) / (2 * h));
    assertClose(activationGradient(z, activate(z, kind), kind), numeric, 1e-8, kind);
  }
});

test('softmax: stable, rows sum to 1, loss clipped, gradient unclipped, first maximum wins ties', () => {
  const logits = [1000, 1001, 1002, 0, 1, 2, 5, 5, 1, -20, 0, -20];
  const labels = [2, 0, 1, 1];
  const { probabilities, lossSum, correct, count, dlogits } = softmaxCrossEntropy(logits, labels, 4, 3);
  for (let r = 0; r < 4; r++) {
    const row = probabilities.subarray(r * 3, r * 3 + 3);
    assert.ok(row.every(Number.isFinite));
    assert.ok(Math.abs(row[0] + row[1] + row[2] - 1) < 1e-15, `row ${r} sums to ${row[0] + row[1] + row[2]}`);
  }
  const e = [1, Math.E, Math.E ** 2].map((v) => v / (1 + Math.E + Math.E ** 2));
  assertClose(probabilities.subarray(0, 3), e, 1e-15, 'softmax of large logits');
  assertClose(probabilities.subarray(3, 6), e, 1e-15, 'softmax');
  // Row 3: p[1] = 1 / (1 + 2e^−20) ≈ 1 − 4.1e-9 is clipped to 1 − 1e-7 in the loss, not in the gradient.
  const p31 = 1 / (1 + 2 * Math.exp(-20));
  const expectedLoss = -Math.log(e[2]) - Math.log(e[0]) - Math.log(1 / (2 + Math.exp(-4))) - Math.log(1 - 1e-7);
  assert.ok(Math.abs(lossSum - expectedLoss) < 1e-12, `loss ${lossSum} vs ${expectedLoss}`);
  assert.equal(count, 4);
  assert.equal(correct, 2); // rows 0 and 3; row 2 ties between classes 0 and 1 and the first (0) is not the label
  assert.ok(Math.abs(dlogits[10] - (p31 - 1) / 4) < 1e-15, `unclipped gradient ${dlogits[10]}`); // clipped would be −2.5e-8
  assertClose(dlogits.subarray(0, 3), [e[0] / 4, e[1] / 4, (e[2] - 1) / 4], 1e-15, 'dlogits');
  assert.equal(softmaxCrossEntropy([5, 5, 1], [0], 1, 3).correct, 1);
  // Tiny probability: loss clipped at −log(1e-7), gradient unclipped.
  const tiny = softmaxCrossEntropy([0, 40], [0], 1, 2);
  assert.ok(Math.abs(tiny.lossSum + Math.log(1e-7)) < 1e-12);
  assert.ok(Math.abs(tiny.dlogits[0] - (Math.exp(-40) / (1 + Math.exp(-40)) - 1)) < 1e-15);
});

test('padding rows (label 0xFFFFFFFF) contribute nothing to loss, count, accuracy or gradients', () => {
  const net = randomNet([6, 5, 4, 3], 'tanh', 3);
  const rng = mulberry32(4);
  const valid = randomArray(4 * 6, rng, 1);
  const validLabels = [0, 2, 1, 2];
  // The same rows, with padding rows (large junk inputs) interleaved.
  const padded = new Float64Array(7 * 6);
  const paddedLabels = [INVALID, 0, 2, INVALID, 1, 2, INVALID];
  let v = 0;
  paddedLabels.forEach((label, r) => {
    padded.set(label === INVALID ? randomArray(6, rng, 50) : valid.subarray(v * 6, ++v * 6), r * 6);
  });
  const a = lossAndGradients(net, valid, validLabels, 4);
  const b = lossAndGradients(net, padded, Uint32Array.from(paddedLabels), 7);
  assert.equal(b.count, 4);
  assert.equal(b.correct, a.correct);
  assert.ok(Math.abs(b.lossSum - a.lossSum) < 1e-14);
  for (let l = 0; l < 3; l++) {
    assertClose(b.perLayer[l].dweights, a.perLayer[l].dweights, 1e-15, `dweights ${l}`);
    assertClose(b.perLayer[l].dbiases, a.perLayer[l].dbiases, 1e-15, `dbiases ${l}`);
    for (const r of [0, 3, 6]) assert.ok(b.perLayer[l].dz.subarray(r * net.sizes[l + 1], (r + 1) * net.sizes[l + 1]).every((g) => g === 0));
  }
  const probabilities = b.outputs[2].activated;
  for (const r of [0, 3, 6]) {
    const row = probabilities.subarray(r * 3, r * 3 + 3);
    assert.ok(Math.abs(row[0] + row[1] + row[2] - 1) < 1e-14, 'padding rows still get probabilities');
  }
  const allPadding = softmaxCrossEntropy([1, 2, 3], [INVALID], 1, 3);
  assert.deepEqual([allPadding.lossSum, allPadding.count, allPadding.correct], [0, 0, 0]);
  assert.deepEqual(Array.from(allPadding.dlogits), [0, 0, 0]);
});

for (const activation of ['relu', 'sigmoid', 'tanh'] as const) {
  test(`lossAndGradients equals central differences of the mean loss (${activation})`, () => {
    const sizes = [6, 5, 4, 3];
    const rows = 7;
    const labels = [0, 1, 2, INVALID, 2, 0, 1];
    // Retry seeds until no ReLU input sits within 1e-4 of its kink.
    let seed = 1, net: ReferenceMlp, x: Float64Array;
    for (;; seed++) {
      net = randomNet(sizes, activation, seed);
      x = randomArray(rows * 6, mulberry32(seed + 100), 1);
      const hidden = forward(net, x, rows).slice(0, -1);
      if (hidden.every(({ raw }) => raw.every((z) => Math.abs(z) > 1e-4))) break;
    }
    const meanLoss = (n: ReferenceMlp) => {
      const { lossSum, count } = lossAndGradients(n, x, labels, rows);
      return lossSum / count;
    };
    const { perLayer, count } = lossAndGradients(net, x, labels, rows);
    assert.equal(count, 6);
    const h = 1e-5;
    let worst = 0, checked = 0;
    net.layers.forEach((layer, l) => {
      for (const which of ['weights', 'biases'] as const) {
        const analytic = which === 'weights' ? perLayer[l].dweights : perLayer[l].dbiases;
        for (let k = 0; k < layer[which].length; k++) {
          const plus = cloneNet(net), minus = cloneNet(net);
          plus.layers[l][which][k] += h;
          minus.layers[l][which][k] -= h;
          const numeric = (meanLoss(plus) - meanLoss(minus)) / (2 * h);
          const error = Math.abs(analytic[k] - numeric) / Math.max(Math.abs(analytic[k]), Math.abs(numeric), 1e-4);
          worst = Math.max(worst, error);
          checked++;
          assert.ok(error < 1e-6, `${activation} layers.${l}.${which}[${k}]: analytic ${analytic[k]}, numeric ${numeric}`);
        }
      }
    });
    assert.equal(checked, 6 * 5 + 5 + 5 * 4 + 4 + 4 * 3 + 3);
    console.log(`${activation}: seed ${seed}, ${checked} parameters, worst relative error ${worst.toExponential(2)}`);
  });
}

test('one SGD-momentum step equals hand-computed numbers; decay uses t', () => {
  // t = 0, lr 0.1, μ 0.9, no decay, zero momentum: update = −0.1·g.
  const p = Float64Array.from([1, -2]), m = new Float64Array(2);
  sgdMomentumUpdate(p, [0.5, -1], m, { learningRate: 0.1, momentum: 0.9, decay: 0 }, 0);
  assertClose(p, [0.95, -1.9], 1e-15, 'param');
  assertClose(m, [-0.05, 0.1], 1e-15, 'momentum');
  // t = 2, decay 0.5: lr_t = 0.1 / (1 + 0.5·2) = 0.05; update = 0.9·m − 0.05·g.
  const p2 = Float64Array.from([1, -2]), m2 = Float64Array.from([0.2, -0.4]);
  sgdMomentumUpdate(p2, [0.5, -1], m2, { learningRate: 0.1, momentum: 0.9, decay: 0.5 }, 2);
  assertClose(m2, [0.155, -0.31], 1e-15, 'momentum');
  assertClose(p2, [1.155, -2.31], 1e-15, 'param');
});

test('one Adam step equals hand-computed numbers; bias correction uses t + 1, decay uses t', () => {
  const config = { learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, decay: 0 };
  const p = Float64Array.from([1, -2]), m = new Float64Array(2), v = new Float64Array(2);
  adamUpdate(p, [0.5, -1], m, v, config, 0);
  assertClose(m, [0.05, -0.1], 1e-15, 'm');
  assertClose(v, [0.00025, 0.001], 1e-18, 'v');
  // mHat = g, vHat = g²: param −= 0.01 · g / (|g| + 1e-7).
  assertClose(p, [0.9900000019999996, -1.9900000009999999], 1e-15, 'param');
  // Second step, t = 1, decay 0.5: lr_t = 0.01 / 1.5; m = 0.095, mHat = 0.095 / 0.19 = 0.5;
  // v = 0.00049975, vHat = 0.00049975 / 0.001999 = 0.25.
  adamUpdate(p, [0.5, -1], m, v, { ...config, decay: 0.5 }, 1);
  assertClose(m, [0.095, -0.19], 1e-15, 'm');
  assertClose(v, [0.00049975, 0.001999], 1e-17, 'v');
  assertClose(p, [0.9900000019999996 - 0.0066666653333336, -1.9900000009999999 + 0.0066666660000001], 1e-15, 'param');
});

test('createOptimizerState and trainStep: gradients at the old parameters, then every layer updated', () => {
  const net = randomNet([4, 3, 2], 'sigmoid', 9);
  const x = randomArray(5 * 4, mulberry32(10), 1);
  const labels = [0, 1, 1, INVALID, 0];
  const sgdState = createOptimizerState(net, 'sgd');
  assert.equal(sgdState.layers[0].weightCache, undefined);
  assert.equal(sgdState.layers[1].weightMomentums.length, 6);
  const adamState = createOptimizerState(net, 'adam');
  assert.ok(adamState.layers.every((s) => s.weightCache?.every((c) => c === 0) && s.biasCache?.length === s.biasMomentums.length));

  const config = { type: 'adam', learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, decay: 0.1 } as const;
  const expected = cloneNet(net);
  const grads = lossAndGradients(net, x, labels, 5).perLayer;
  const state = createOptimizerState(net, 'adam');
  const t = 4;
  const result = trainStep(net, state, x, labels, 5, config, t);
  expected.layers.forEach((layer, l) => {
    const m = createOptimizerState(expected, 'adam').layers[l];
    adamUpdate(layer.weights, grads[l].dweights, m.weightMomentums, m.weightCache!, config, t);
    adamUpdate(layer.biases, grads[l].dbiases, m.biasMomentums, m.biasCache!, config, t);
    assert.deepEqual(Array.from(net.layers[l].weights), Array.from(layer.weights));
    assert.deepEqual(Array.from(net.layers[l].biases), Array.from(layer.biases));
    assert.deepEqual(Array.from(state.layers[l].weightCache!), Array.from(m.weightCache!));
    assert.deepEqual(Array.from(result.perLayer[l].dweights), Array.from(grads[l].dweights));
  });
  assert.equal(result.count, 4);
});

function blobs(count: number, seed: number) {
  const rng = mulberry32(seed);
  const centres = [[2, 0], [-1, 1.7], [-1, -1.7]];
  const x = new Float64Array(count * 2);
  const labels = new Uint32Array(count);
  for (let r = 0; r < count; r++) {
    labels[r] = r % 3;
    x[r * 2] = centres[r % 3][0] + (rng() - 0.5);
    x[r * 2 + 1] = centres[r % 3][1] + (rng() - 0.5);
  }
  return { x, labels };
}

for (const activation of ['relu', 'sigmoid', 'tanh'] as const) {
  test(`300 SGD steps learn a separable problem (${activation})`, () => {
    const net = randomNet([2, 8, 3], activation, 5, 0.3);
    const { x, labels } = blobs(60, 6);
    const state = createOptimizerState(net, 'sgd');
    const config = { type: 'sgd', learningRate: 0.1, momentum: 0.9, decay: 1e-3 } as const;
    const before = lossAndGradients(net, x, labels, 60);
    for (let t = 0; t < 300; t++) trainStep(net, state, x, labels, 60, config, t);
    const after = lossAndGradients(net, x, labels, 60);
    const [lossBefore, lossAfter] = [before.lossSum / before.count, after.lossSum / after.count];
    console.log(`${activation}: loss ${lossBefore.toFixed(4)} → ${lossAfter.toFixed(4)}, accuracy ${after.correct}/60`);
    assert.ok(lossAfter < 0.5 * lossBefore, `loss ${lossBefore} → ${lossAfter}`);
    assert.equal(after.correct, 60);
  });
}

test('scaleInputs, mulberry32 and randomArray', () => {
  const bytes = Uint8Array.from([0, 255, 51]);
  assertClose(scaleInputs(bytes, 'unit'), [0, 1, 0.2], 1e-15, 'unit');
  assertClose(scaleInputs(bytes, 'symmetric'), [-1, 1, -0.6], 1e-15, 'symmetric');
  const a = mulberry32(42), b = mulberry32(42), c = mulberry32(43);
  const seqA = Array.from({ length: 1000 }, a);
  assert.deepEqual(seqA, Array.from({ length: 1000 }, b));
  assert.notDeepEqual(seqA.slice(0, 5), Array.from({ length: 5 }, c));
  assert.ok(seqA.every((u) => u >= 0 && u < 1));
  const mean = seqA.reduce((s, u) => s + u, 0) / seqA.length;
  assert.ok(Math.abs(mean - 0.5) < 0.05, `mean ${mean}`);
  const r = randomArray(1000, mulberry32(1), 0.3);
  assert.ok(r.every((u) => u >= -0.3 && u <= 0.3) && r.some((u) => u < -0.2) && r.some((u) => u > 0.2));
});
