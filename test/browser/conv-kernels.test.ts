/**
 * The convolution and pooling kernels (shaders/conv-*.wgsl, pool-*.wgsl; issue #13) against the
 * plain TypeScript reference (test/reference/cnn.ts), on odd shapes: 13×11 images, 3 input
 * channels, 5×5 kernels, position counts that do not fill the register blocks (rows·13·11 is
 * never a multiple of 16), first-layer channel counts (1, 3), and 3×3 layers with 4, 8, 16 input
 * channels and 16 or 32 filters. Filters must be a multiple of 4 (vec4 stores): 5 filters are
 * refused by convKernels, so the 3-channel 5×5 layer runs with 8.
 */
import { expect } from '@esm-bundle/chai';
import { maxRelativeDifference, runKernel } from '../shared/kernel-harness.js';
import { gpuTest } from '../shared/gpu-test.js';
import { activate, activationGradient, mulberry32, randomArray } from '../reference/mlp.js';
import { convBackwardInput, convBackwardWeights, convForward, maxPoolBackward, maxPoolForward, type ConvShape, type PoolShape } from '../reference/cnn.js';
import { ACTIVATION_CODES } from '../../src/engine/config.js';
import { convDims, convKernels, weightGradientSplits, weightGradientWorkgroups } from '../../src/engine/conv-kernels.js';

const TOLERANCE = 1e-5;
const ACTIVATIONS = ['linear', 'relu', 'sigmoid', 'tanh'] as const;

/** Float32 copy rounded up to whole vec4s (the kernels bind array<vec4f>); the tail is zeros. */
const vec4s = (a: ArrayLike<number>) => {
  const out = new Float32Array(Math.ceil(a.length / 4) * 4);
  out.set(a);
  return out;
};
/** The first `n` floats of a read-back buffer. */
const floats = (buffer: ArrayBuffer, n: number) => new Float32Array(buffer, 0, n);
const dimsOf = (shape: ConvShape) => ({ uniform: convDims(shape) });
const label = ({ rows, height, width, inputs, filters, kernel }: ConvShape) => `${rows}×${height}×${width}×${inputs} → ${filters} filters ${kernel}×${kernel}`;

/** Shapes of conv layers: which kernels each runs is convKernels' choice (vec4 input loads when inputs % 4 == 0). */
const SHAPES: ConvShape[] = [
  { rows: 3, height: 13, width: 11, inputs: 3, filters: 8, kernel: 5 },  // the odd first layer (8 filters: see above)
  { rows: 2, height: 13, width: 11, inputs: 1, filters: 4, kernel: 5 },  // a grayscale first layer
  { rows: 3, height: 13, width: 11, inputs: 4, filters: 16, kernel: 3 },
  { rows: 1, height: 13, width: 11, inputs: 8, filters: 32, kernel: 3 },
  { rows: 3, height: 13, width: 11, inputs: 16, filters: 16, kernel: 3 },
  { rows: 2, height: 13, width: 11, inputs: 16, filters: 32, kernel: 3 },
  { rows: 2, height: 13, width: 11, inputs: 8, filters: 8, kernel: 5 },  // the input gradient's mirrored shifts at pad 2
  { rows: 1, height: 1, width: 1, inputs: 4, filters: 4, kernel: 3 },    // every tap but the centre outside the image
];

/** The scalar-input kernels also run on channel counts that are multiples of 4 (they must agree with the vec4 ones). */
const ANY_INPUT_EXTRA: ConvShape[] = [{ rows: 3, height: 13, width: 11, inputs: 4, filters: 16, kernel: 3 }];

function data(shape: ConvShape, seed: number) {
  const { rows, height, width, inputs, filters, kernel } = shape;
  const rng = mulberry32(seed);
  return {
    x: randomArray(rows * height * width * inputs, rng, 1),
    w: randomArray(kernel * kernel * inputs * filters, rng, 0.5),
    b: randomArray(filters, rng, 0.5),
    dz: randomArray(rows * height * width * filters, rng, 1),
    prevRaw: randomArray(rows * height * width * inputs, rng, 2),
  };
}

async function checkForward(device: GPUDevice, name: 'convForward' | 'convForwardAnyInput', shape: ConvShape, kind: typeof ACTIVATIONS[number]) {
  const { rows, height, width, filters } = shape;
  const { x, w, b } = data(shape, shape.inputs * 100 + shape.filters);
  const n = rows * height * width * filters;
  const out = await runKernel(device, name, { activation: ACTIVATION_CODES[kind] }, {
    dims: dimsOf(shape), input: vec4s(x), weights: vec4s(w), biases: vec4s(b), raw: new Float32Array(n), activated: new Float32Array(n),
  }, { extent: [filters, rows * height * width], read: ['raw', 'activated'] });
  const z = convForward(x, w, b, shape);
  const zDiff = maxRelativeDifference(floats(out.raw, n), z);
  const aDiff = maxRelativeDifference(floats(out.activated, n), activate(z, kind));
  console.log(`${name} ${label(shape)} ${kind}: maxdiff raw ${zDiff.toExponential(2)}, activated ${aDiff.toExponential(2)}`);
  expect(zDiff).to.be.below(TOLERANCE);
  expect(aDiff).to.be.below(TOLERANCE);
}

/**
 * The weight gradient in `splits` partial sums (invocations numbered over splits × blocks), added up by
 * convSumSplits when there is more than one; one split writes dW and db directly.
 */
async function checkWeights(device: GPUDevice, name: 'convBackwardWeights' | 'convBackwardWeightsAnyInput', shape: ConvShape, splits = 1) {
  const { rows, height, width, inputs, filters, kernel } = shape;
  const { x, dz } = data(shape, shape.inputs * 7 + shape.kernel);
  const weightCount = kernel * kernel * inputs * filters;
  const dims = { uniform: convDims({ ...shape, splits }) };
  const partial = await runKernel(device, name, {}, {
    dims, input: vec4s(x), gradient: vec4s(dz),
    dweights: new Float32Array(splits * weightCount).fill(99), dbiases: new Float32Array(splits * filters).fill(99),
  }, { workgroups: weightGradientWorkgroups({ ...shape, splits }), read: ['dweights', 'dbiases'] });
  const out = splits === 1 ? partial : await runKernel(device, 'convSumSplits', {}, {
    dims, partialWeights: new Float32Array(partial.dweights), partialBiases: new Float32Array(partial.dbiases),
    dweights: new Float32Array(weightCount).fill(99), dbiases: new Float32Array(filters).fill(99),
  }, { extent: [weightCount + filters], read: ['dweights', 'dbiases'] });
  const { dweights, dbiases } = convBackwardWeights(x, dz, shape);
  const dwDiff = maxRelativeDifference(floats(out.dweights, dweights.length), dweights);
  const dbDiff = maxRelativeDifference(floats(out.dbiases, filters), dbiases);
  console.log(`${name} ${label(shape)} (${rows * height * width} positions, ${splits} splits): maxdiff dW ${dwDiff.toExponential(2)}, db ${dbDiff.toExponential(2)}`);
  expect(dwDiff).to.be.below(TOLERANCE);
  expect(dbDiff).to.be.below(TOLERANCE);
}

describe('conv and pool kernels match the CPU reference', () => {
  it('convKernels: vec4 input loads when inputs % 4 == 0, scalar ones otherwise; filters must be a multiple of 4', () => {
    expect(convKernels(16, 32).forward).to.equal('convForward');
    expect(convKernels(3, 8)).to.deep.equal({ forward: 'convForwardAnyInput', backwardInput: undefined, backwardWeights: 'convBackwardWeightsAnyInput' });
    expect(() => convKernels(3, 5)).to.throw(/multiple of 4 \(got 5\)/);
  });

  for (const shape of SHAPES) {
    const kernels = convKernels(shape.inputs, shape.filters);
    const kinds = shape.inputs === 4 && shape.filters === 16 ? ACTIVATIONS : (['relu'] as const);
    for (const kind of kinds) {
      it(`${kernels.forward} ${label(shape)} ${kind}`, () => gpuTest((device) => checkForward(device, kernels.forward, shape, kind)));
    }
    it(`${kernels.backwardWeights} ${label(shape)}`, () => gpuTest((device) => checkWeights(device, kernels.backwardWeights, shape)));

    if (shape.inputs % 4 !== 0) continue;
    for (const kind of ['relu', 'tanh'] as const) {
      it(`convBackwardInput ${label(shape)} ${kind}`, () => gpuTest(async (device) => {
        const { rows, height, width, inputs } = shape;
        const { w, dz, prevRaw } = data(shape, shape.filters * 13 + shape.kernel);
        const prevAct = activate(prevRaw, kind);
        const n = rows * height * width * inputs;
        const out = await runKernel(device, 'convBackwardInput', { activation: ACTIVATION_CODES[kind] }, {
          dims: dimsOf(shape), gradient: vec4s(dz), weights: vec4s(w), previousRaw: vec4s(prevRaw), previousActivated: vec4s(prevAct),
          previousGradient: new Float32Array(n).fill(99),
        }, { extent: [inputs, rows * height * width], read: ['previousGradient'] });
        const dx = convBackwardInput(dz, w, shape);
        const grad = activationGradient(prevRaw, prevAct, kind);
        const diff = maxRelativeDifference(floats(out.previousGradient, n), dx.map((v, i) => v * grad[i]!));
        console.log(`convBackwardInput ${label(shape)} ${kind}: maxdiff ${diff.toExponential(2)}`);
        expect(diff).to.be.below(TOLERANCE);
      }));
    }
  }

  it('weightGradientSplits: many partial sums for a small dW over many positions, none for a large dW or a short batch', () => {
    expect(weightGradientSplits({ rows: 128, height: 28, width: 28, inputs: 1, filters: 16, kernel: 3 })).to.equal(392); // one block: 256 positions each
    expect(weightGradientSplits({ rows: 128, height: 14, width: 14, inputs: 16, filters: 32, kernel: 3 })).to.equal(98);
    expect(weightGradientSplits({ rows: 2, height: 13, width: 11, inputs: 3, filters: 8, kernel: 5 })).to.equal(1);   // 286 positions
    expect(weightGradientSplits({ rows: 128, height: 7, width: 7, inputs: 512, filters: 512, kernel: 3 })).to.equal(1); // 9,216 blocks
  });

  // Partial sums: runs of uneven length (429 positions: 6 runs of 62 and one of 57), and one position per run.
  for (const [shape, splits] of [[SHAPES[0]!, 7], [SHAPES[2]!, 3], [SHAPES[5]!, 2], [{ rows: 1, height: 2, width: 3, inputs: 4, filters: 4, kernel: 3 }, 6]] as const) {
    const { backwardWeights } = convKernels(shape.inputs, shape.filters);
    it(`${backwardWeights} ${label(shape)} in ${splits} partial sums, added up by convSumSplits`, () => gpuTest((device) => checkWeights(device, backwardWeights, shape, splits)));
  }

  for (const shape of ANY_INPUT_EXTRA) {
    it(`convForwardAnyInput ${label(shape)} relu (the scalar path on a vec4 channel count)`, () => gpuTest((device) => checkForward(device, 'convForwardAnyInput', shape, 'relu')));
    it(`convBackwardWeightsAnyInput ${label(shape)} (the scalar path on a vec4 channel count)`, () => gpuTest((device) => checkWeights(device, 'convBackwardWeightsAnyInput', shape)));
  }

  const POOLS: PoolShape[] = [
    { rows: 3, height: 13, width: 11, channels: 8 },
    { rows: 2, height: 7, width: 9, channels: 4 },
    { rows: 1, height: 28, width: 28, channels: 16 },
  ];
  for (const shape of POOLS) {
    const { rows, height, width, channels } = shape;
    const name = `${rows}×${height}×${width}×${channels}`;
    const pooledCount = rows * Math.floor(height / 2) * Math.floor(width / 2) * channels;
    const dims = { uniform: convDims({ rows, height, width, inputs: channels }) };

    it(`poolForward ${name}: max and argmax (flat input index); odd last row and column dropped`, () => gpuTest(async (device) => {
      const x = randomArray(rows * height * width * channels, mulberry32(height + channels), 1);
      const out = await runKernel(device, 'poolForward', {}, {
        dims, input: vec4s(x), pooled: new Float32Array(pooledCount).fill(99), argmax: new Uint32Array(pooledCount).fill(99),
      }, { extent: [channels, pooledCount / channels], read: ['pooled', 'argmax'] });
      const ref = maxPoolForward(Float32Array.from(x), shape);
      expect(maxRelativeDifference(floats(out.pooled, pooledCount), ref.pooled)).to.equal(0);
      expect(Array.from(new Uint32Array(out.argmax, 0, pooledCount))).to.deep.equal(Array.from(ref.argmax));
    }));

    for (const kind of ['linear', 'relu'] as const) {
      it(`poolBackward ${name} ${kind}: gather to the argmax, times the conv's activation gradient`, () => gpuTest(async (device) => {
        const rng = mulberry32(width + channels);
        const prevRaw = randomArray(rows * height * width * channels, rng, 1);
        const prevAct = activate(prevRaw, kind);
        const { argmax } = maxPoolForward(Float32Array.from(prevAct), shape);
        const dpooled = Float32Array.from(randomArray(pooledCount, rng, 1)); // f32 values: the gather is exact
        const n = rows * height * width * channels;
        const out = await runKernel(device, 'poolBackward', { activation: ACTIVATION_CODES[kind] }, {
          dims, gradient: vec4s(dpooled), argmax, previousRaw: vec4s(prevRaw), previousActivated: vec4s(prevAct),
          previousGradient: new Float32Array(n).fill(99),
        }, { extent: [channels, rows * height * width], read: ['previousGradient'] });
        const grad = activationGradient(prevRaw, prevAct, kind);
        const expected = maxPoolBackward(dpooled, argmax, shape).map((v, i) => v * grad[i]!);
        expect(maxRelativeDifference(floats(out.previousGradient, n), expected)).to.equal(0);
      }));
    }
  }

  it('poolForward: ties go to the first maximum in window order (a ReLU map full of zeros)', () => gpuTest(async (device) => {
    const shape = { rows: 1, height: 4, width: 4, channels: 4 };
    const x = new Float32Array(64); // all zeros, one 1 at (3, 3) channel 2
    x[(3 * 4 + 3) * 4 + 2] = 1;
    const out = await runKernel(device, 'poolForward', {}, {
      dims: { uniform: convDims({ rows: 1, height: 4, width: 4, inputs: 4 }) }, input: x, pooled: new Float32Array(16), argmax: new Uint32Array(16),
    }, { extent: [4, 4], read: ['pooled', 'argmax'] });
    const ref = maxPoolForward(x, shape);
    expect(Array.from(new Uint32Array(out.argmax))).to.deep.equal(Array.from(ref.argmax));
    expect(new Uint32Array(out.argmax)[3 * 4 + 2]).to.equal((3 * 4 + 3) * 4 + 2);
    expect(new Uint32Array(out.argmax)[0]).to.equal(0);
  }));
});
