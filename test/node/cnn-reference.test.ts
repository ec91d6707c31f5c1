/**
 * The CPU reference of the conv and pool layers (test/reference/cnn.ts) is right: hand-computed
 * cases for the NHWC layout and padding, finite differences of each layer's backward functions,
 * and a finite-difference gradient check through conv → pool → conv → pool → dense → dense.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cnnLayers, cnnLoss, convBackwardInput, convBackwardWeights, convForward, maxPoolBackward, maxPoolForward,
  type CnnParameters, type CnnShape, type ConvShape,
} from '../reference/cnn.js';
import { mulberry32, randomArray } from '../reference/mlp.js';

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

/** max |a − b| / max(1, |b|) */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  return worst;
}

test('convForward: NHWC, [k, k, Cin, F] weights, same padding (a 3×3 image, one 3×3 filter, hand-computed)', () => {
  const x = [1, 2, 3, 4, 5, 6, 7, 8, 9]; // 1 row, 3×3, 1 channel
  const w = [0, 0, 0, 0, 1, 1, 0, 0, 0]; // out(y, x) = in(y, x) + in(y, x + 1)
  const z = convForward(x, w, [0.5], { rows: 1, height: 3, width: 3, inputs: 1, filters: 1, kernel: 3 });
  assert.deepEqual(Array.from(z), [3.5, 5.5, 3.5, 9.5, 11.5, 6.5, 15.5, 17.5, 9.5]);
  // Two channels in, two filters out, 1×1 kernel: a per-pixel matrix product, channels fastest.
  const z2 = convForward([1, 2, 3, 4], [1, 10, 100, 1000], [0, 0], { rows: 1, height: 1, width: 2, inputs: 2, filters: 2, kernel: 1 });
  assert.deepEqual(Array.from(z2), [201, 2010, 403, 4030]);
});

test('maxPoolForward / maxPoolBackward: floor on odd sizes, first maximum on ties, argmax as a flat index', () => {
  // 1 row, 3×3, 1 channel: one 2×2 window, the last row and column dropped.
  const x = [1, 5, 9, 5, 2, 9, 9, 9, 9];
  const { pooled, argmax } = maxPoolForward(x, { rows: 1, height: 3, width: 3, channels: 1 });
  assert.deepEqual(Array.from(pooled), [5]);
  assert.deepEqual(Array.from(argmax), [1]); // 5 at (0,1) wins over the tie at (1,0)
  assert.deepEqual(Array.from(maxPoolBackward([7], argmax, { rows: 1, height: 3, width: 3, channels: 1 })), [0, 7, 0, 0, 0, 0, 0, 0, 0]);
});

const SHAPES: ConvShape[] = [
  { rows: 2, height: 5, width: 4, inputs: 3, filters: 5, kernel: 3 },
  { rows: 1, height: 4, width: 6, inputs: 2, filters: 3, kernel: 5 },
];

for (const shape of SHAPES) {
  const name = `${shape.rows}×${shape.height}×${shape.width}×${shape.inputs} → ${shape.filters} filters ${shape.kernel}×${shape.kernel}`;
  test(`convBackwardInput and convBackwardWeights are the gradients of convForward (finite differences, ${name})`, () => {
    const rng = mulberry32(shape.height * 10 + shape.kernel);
    const x = randomArray(shape.rows * shape.height * shape.width * shape.inputs, rng, 1);
    const w = randomArray(shape.kernel ** 2 * shape.inputs * shape.filters, rng, 1);
    const b = randomArray(shape.filters, rng, 1);
    const r = randomArray(shape.rows * shape.height * shape.width * shape.filters, rng, 1); // loss = Σ r · z
    const loss = (xx: ArrayLike<number>, ww: ArrayLike<number>, bb: ArrayLike<number>) => dot(r, convForward(xx, ww, bb, shape));
    const dx = convBackwardInput(r, w, shape);
    const { dweights, dbiases } = convBackwardWeights(x, r, shape);
    const h = 1e-5;
    const numeric = (values: Float64Array, f: () => number) => Float64Array.from(values, (_, i) => {
      const keep = values[i]!;
      values[i] = keep + h;
      const up = f();
      values[i] = keep - h;
      const down = f();
      values[i] = keep;
      return (up - down) / (2 * h);
    });
    const errors = {
      input: relativeError(dx, numeric(x, () => loss(x, w, b))),
      weights: relativeError(dweights, numeric(w, () => loss(x, w, b))),
      biases: relativeError(dbiases, numeric(b, () => loss(x, w, b))),
    };
    for (const [what, e] of Object.entries(errors)) assert.ok(e < 1e-7, `${what}: relative error ${e}`);
  });
}

test('maxPoolBackward is the gradient of maxPoolForward (finite differences, 2×5×7×3, odd sizes)', () => {
  const shape = { rows: 2, height: 5, width: 7, channels: 3 };
  const rng = mulberry32(9);
  const x = randomArray(shape.rows * shape.height * shape.width * shape.channels, rng, 1); // distinct values: no ties within h
  const { pooled, argmax } = maxPoolForward(x, shape);
  const r = randomArray(pooled.length, rng, 1);
  const dx = maxPoolBackward(r, argmax, shape);
  const h = 1e-6;
  const numeric = Float64Array.from(x, (_, i) => {
    const keep = x[i]!;
    x[i] = keep + h;
    const up = dot(r, maxPoolForward(x, shape).pooled);
    x[i] = keep - h;
    const down = dot(r, maxPoolForward(x, shape).pooled);
    x[i] = keep;
    return (up - down) / (2 * h);
  });
  assert.ok(relativeError(dx, numeric) < 1e-7);
  // the dropped last row (y = 4) and column (x = 6) get no gradient
  for (let i = 0; i < dx.length; i++) {
    const p = Math.floor(i / shape.channels);
    const xx = p % shape.width;
    const y = Math.floor(p / shape.width) % shape.height;
    if (y === 4 || xx === 6) assert.equal(dx[i], 0);
  }
});

for (const activation of ['relu', 'tanh'] as const) {
  test(`finite-difference gradient check through conv → pool → conv → pool → dense → dense (${activation})`, () => {
    const shape: CnnShape = {
      rows: 3, height: 9, width: 7, channels: 3,
      convs: [{ filters: 4, kernel: 3 }, { filters: 5, kernel: 3 }],
      dense: [6, 4], activation,
    };
    const { convs, dense } = cnnLayers(shape);
    assert.deepEqual(dense.map((d) => d.inputs), [2 * 1 * 5, 6]); // 9×7 → 4×3 → 2×1, 5 channels
    const rng = mulberry32(activation === 'relu' ? 21 : 22);
    const params: CnnParameters = {
      weights: [
        ...convs.map(({ conv }) => randomArray(conv.kernel ** 2 * conv.inputs * conv.filters, rng, 0.6)),
        ...dense.map(({ inputs, outputs }) => randomArray(inputs * outputs, rng, 0.6)),
      ],
      biases: [...convs.map(({ conv }) => randomArray(conv.filters, rng, 0.3)), ...dense.map(({ outputs }) => randomArray(outputs, rng, 0.3))],
    };
    const x = randomArray(shape.rows * shape.height * shape.width * shape.channels, rng, 1);
    const labels = [1, 3, 0];
    const { dweights, dbiases } = cnnLoss(shape, params, x, labels, true);
    const h = 1e-6;
    let worst = 0;
    let checked = 0;
    for (const [kind, analytic] of [['weights', dweights!], ['biases', dbiases!]] as const) {
      params[kind].forEach((values, l) => {
        for (let i = 0; i < values.length; i++) {
          const keep = values[i]!;
          values[i] = keep + h;
          const up = cnnLoss(shape, params, x, labels).loss;
          values[i] = keep - h;
          const down = cnnLoss(shape, params, x, labels).loss;
          values[i] = keep;
          const numeric = (up - down) / (2 * h);
          // ReLU kinks and pool switches within ±h would show as large errors; with random data none is that close
          worst = Math.max(worst, Math.abs(numeric - analytic[l]![i]!) / Math.max(1e-3, Math.abs(numeric) + Math.abs(analytic[l]![i]!)));
          checked++;
        }
      });
    }
    console.log(`${activation}: ${checked} parameters, worst relative error ${worst.toExponential(2)}`);
    assert.ok(checked === 391, `${checked} parameters`);
    assert.ok(worst < 1e-5, `worst relative error ${worst} over ${checked} parameters`);
  });
}
