/**
 * Convolutional networks in the engine (issue #13): the layer text, and one training step's loss and
 * gradients in Dawn against the TypeScript reference (test/reference/cnn.ts), on odd shapes and a
 * partial batch.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { scaledDifference } from './scaled-difference.js';
import { nodeDevice } from '../../scripts/dawn.js';
import type { Dataset, ImageSet } from '../../src/data/dataset.js';
import { ConfigError, resolveConfig } from '../../src/engine/config.js';
import { createEngine } from '../../src/engine/engine.js';
import { layersText, parseLayers } from '../../src/engine/layers.js';
import { encodeSafetensors } from '../../src/io/safetensors.js';
import { cnnLoss, type CnnShape } from '../reference/cnn.js';
import { mulberry32, scaleInputs } from '../reference/mlp.js';


const device = await nodeDevice();
after(() => device.destroy());

test("layer text: the issue's string, widths, lists, and bad items named with the allowed forms", () => {
  const config = resolveConfig({ layers: 'conv 3x3 16, pool 2, conv 3x3 32, pool 2, 64' });
  assert.deepEqual(config.layers.map((l) => l.kind), ['conv', 'conv', 'dense', 'dense']);
  assert.deepEqual(config.sizes, [784, 28 * 28 * 16, 14 * 14 * 32, 64, 10]);
  const [first, second, hidden] = config.layers;
  assert.deepEqual(first.kind === 'conv' && first.pooled, { height: 14, width: 14, channels: 16 });
  assert.deepEqual(second.kind === 'conv' && second.pooled, { height: 7, width: 7, channels: 32 });
  assert.deepEqual(hidden, { kind: 'dense', inputs: 7 * 7 * 32, outputs: 64 });
  assert.equal(layersText(config.layers), 'conv 3x3 16, pool 2, conv 3x3 32, pool 2, 64, 10');
  assert.deepEqual(resolveConfig({ layers: '128,128' }).sizes, [784, 128, 128, 10]);
  assert.deepEqual(resolveConfig({ layers: [128, 128] }).sizes, [784, 128, 128, 10]);
  assert.deepEqual(resolveConfig({ layers: ['conv 5x5 8', 'pool 2', 32] }).sizes, [784, 28 * 28 * 8, 32, 10]);
  assert.deepEqual(resolveConfig({ layers: '' }).sizes, [784, 10]);
  assert.deepEqual(parseLayers(' CONV 3×3 16 ,  maxpool 2 '), [{ kind: 'conv', kernel: 3, filters: 16 }, { kind: 'pool', size: 2 }]);

  const bad = (layers: string | (number | string)[], message: RegExp) =>
    assert.throws(() => resolveConfig({ layers }), (e: Error) => e instanceof ConfigError && e.option === 'layers' && message.test(e.message));
  bad('conv 3x3', /layers item 1 \("conv 3x3"\) is not of the form 'conv KxK F'. Allowed: a dense width such as 128; 'conv KxK F' such as 'conv 3x3 16'.*'pool 2'/);
  bad('conv 3x3 16, pol 2', /layers item 2 \("pol 2"\) is not a layer/);
  bad('conv 4x4 16', /kernel 4x4; the size must be odd/);
  bad('conv 3x5 16', /non-square kernel/);
  bad('conv 3x3 6', /6 filters; use a multiple of 4/);
  bad('conv 3x3 16, pool 3', /only 2×2 max pooling/);
  bad('pool 2, 64', /layers item 1 \('pool 2'\) must follow a conv layer .*pooling the input is not supported/);
  bad('64, conv 3x3 16', /layers item 2 \(a conv\) follows a dense layer; put conv layers before the dense ones/);
  bad('conv 3x3 8, pool 2, pool 2', /second 'pool 2' after one conv/);
  bad([128, 0], /layers item 2 \(0\) is not a width from 1/);
  assert.throws(() => resolveConfig({ shape: { rows: 1, cols: 5, channels: 1, classes: 2 }, layers: 'conv 3x3 4, pool 2' }), /would pool a 1×5 map; it needs at least 2×2/);
  assert.throws(() => resolveConfig({ layers: 7 as unknown as string }), /layers must be text such as 'conv 3x3 16, pool 2, 64' or an array/);
});

/** `count` random images of rows × cols × channels and labels below `classes`. */
function randomSet(count: number, rows: number, cols: number, channels: 1 | 3, classes: number, seed: number): ImageSet {
  const rng = mulberry32(seed);
  const images = Uint8Array.from({ length: count * rows * cols * channels }, () => Math.floor(rng() * 256));
  const labels = Uint8Array.from({ length: count }, () => Math.floor(rng() * classes));
  return { images, labels, count, rows, cols, channels };
}

const cases: { name: string; channels: 1 | 3; rows: number; cols: number; classes: number; layers: string; reference: Pick<CnnShape, 'convs' | 'dense'>; count: number; batchSize: number }[] = [
  {
    name: '13×11 RGB, conv 3x3 8 → pool → conv 5x5 4 → pool → 6 → 3, a partial batch (5 of 8 rows)',
    channels: 3, rows: 13, cols: 11, classes: 3, layers: 'conv 3x3 8, pool 2, conv 5x5 4, pool 2, 6',
    reference: { convs: [{ filters: 8, kernel: 3 }, { filters: 4, kernel: 5 }], dense: [6, 3] }, count: 5, batchSize: 8,
  },
  {
    name: '9×7 grey, conv 3x3 4 → conv 3x3 8 (no pool between) → pool → 5 classes',
    channels: 1, rows: 9, cols: 7, classes: 5, layers: 'conv 3x3 4, conv 3x3 8, pool 2',
    reference: { convs: [{ filters: 4, kernel: 3, pool: false }, { filters: 8, kernel: 3 }], dense: [5] }, count: 6, batchSize: 6,
  },
];

for (const c of cases) {
  test(`one training step in Dawn equals the reference's loss and gradients: ${c.name}`, async () => {
    const train = randomSet(c.count, c.rows, c.cols, c.channels, c.classes, 11);
    const data: Dataset = { train, test: randomSet(4, c.rows, c.cols, c.channels, c.classes, 12), classNames: [] };
    const engine = await createEngine({
      device, shape: { rows: c.rows, cols: c.cols, channels: c.channels, classes: c.classes }, layers: c.layers,
      batchSize: c.batchSize, seed: 5, optimizer: { type: 'sgd', learningRate: 0.01, momentum: 0 },
    });
    try {
      engine.setData(data);
      const initial = await engine.readTrainingDictionary();
      const stats = await engine.step(1);
      const after = await engine.readTrainingDictionary();
      const shape: CnnShape = { rows: c.count, height: c.rows, width: c.cols, channels: c.channels, activation: 'relu', ...c.reference };
      const params = { weights: initial.map((l) => Float64Array.from(l.weights)), biases: initial.map((l) => Float64Array.from(l.biases)) };
      const reference = cnnLoss(shape, params, scaleInputs(train.images, 'unit'), train.labels, true);
      assert.ok(Math.abs(stats.loss - reference.loss) < 1e-4 * Math.max(1, reference.loss), `loss ${stats.loss} vs ${reference.loss}`);
      for (let l = 0; l < initial.length; l++) {
        const dw = scaledDifference(after[l].dweights, reference.dweights![l]!);
        const db = scaledDifference(after[l].dbiases, reference.dbiases![l]!);
        assert.ok(dw < 1e-4 && db < 1e-4, `layers.${l}: dweights ${dw}, dbiases ${db} (of their largest values)`);
        const stepped = initial[l].weights.map((w, i) => w - 0.01 * after[l].dweights[i]!);
        assert.ok(scaledDifference(after[l].weights, stepped) < 1e-5, `layers.${l}.weights after the SGD step`);
      }
    } finally {
      engine.destroy();
    }
  });
}

/**
 * A forward pass written in PyTorch's own layout (NCHW maps, conv weights [out, in, kh, kw], Linear
 * weights [out, in], Flatten in C, H, W order): what a PyTorch `nn.Sequential` computes.
 */
function torchForward(image: Float64Array, height: number, width: number, channels: number, modules: TorchModule[]): Float64Array {
  let x = new Float64Array(channels * height * width); // CHW
  for (let y = 0; y < height; y++) for (let xx = 0; xx < width; xx++) for (let c = 0; c < channels; c++) x[(c * height + y) * width + xx] = image[(y * width + xx) * channels + c]!;
  let [h, w, ch] = [height, width, channels];
  for (const m of modules) {
    if (m.kind === 'conv') {
      const { k, out: filters } = m;
      const pad = (k - 1) / 2;
      const next = new Float64Array(filters * h * w);
      for (let f = 0; f < filters; f++) for (let y = 0; y < h; y++) for (let xx = 0; xx < w; xx++) {
        let sum = m.bias[f]!;
        for (let c = 0; c < ch; c++) for (let ky = 0; ky < k; ky++) for (let kx = 0; kx < k; kx++) {
          const [iy, ix] = [y + ky - pad, xx + kx - pad];
          if (iy >= 0 && iy < h && ix >= 0 && ix < w) sum += m.weight[((f * ch + c) * k + ky) * k + kx]! * x[(c * h + iy) * w + ix]!;
        }
        next[(f * h + y) * w + xx] = sum;
      }
      [x, ch] = [next, filters];
    } else if (m.kind === 'relu') {
      x = x.map((v) => Math.max(0, v));
    } else if (m.kind === 'pool') {
      const [ph, pw] = [Math.floor(h / 2), Math.floor(w / 2)];
      const next = new Float64Array(ch * ph * pw);
      for (let c = 0; c < ch; c++) for (let y = 0; y < ph; y++) for (let xx = 0; xx < pw; xx++) {
        next[(c * ph + y) * pw + xx] = Math.max(...[0, 1, 2, 3].map((d) => x[(c * h + 2 * y + (d >> 1)) * w + 2 * xx + (d & 1)]!));
      }
      [x, h, w] = [next, ph, pw];
    } else {
      const inputs = x.length;
      x = Float64Array.from({ length: m.out }, (_, o) => m.bias[o]! + x.reduce((sum, v, i) => sum + m.weight[o * inputs + i]! * v, 0));
    }
  }
  return x;
}

type TorchModule =
  | { kind: 'conv'; k: number; out: number; weight: Float32Array; bias: Float32Array }
  | { kind: 'linear'; out: number; weight: Float32Array; bias: Float32Array }
  | { kind: 'relu' }
  | { kind: 'pool' };

test('a PyTorch state dict of nn.Sequential(Conv2d, ReLU, MaxPool2d, …, Flatten, Linear, …) predicts as PyTorch computes it', async () => {
  const [height, width, channels, classes] = [10, 9, 3 as const, 4];
  const rng = mulberry32(21);
  const random = (n: number, scale: number) => Float32Array.from({ length: n }, () => (2 * rng() - 1) * scale);
  // nn.Sequential: 0 Conv2d(3, 8, 3, padding=1), 1 ReLU, 2 MaxPool2d(2), 3 Conv2d(8, 4, 5, padding=2), 4 ReLU, 5 MaxPool2d(2),
  // 6 Flatten, 7 Linear(4·2·2, 12), 8 ReLU, 9 Linear(12, 4)
  const modules: TorchModule[] = [
    { kind: 'conv', k: 3, out: 8, weight: random(8 * 3 * 9, 0.5), bias: random(8, 0.1) }, { kind: 'relu' }, { kind: 'pool' },
    { kind: 'conv', k: 5, out: 4, weight: random(4 * 8 * 25, 0.2), bias: random(4, 0.1) }, { kind: 'relu' }, { kind: 'pool' },
    { kind: 'linear', out: 12, weight: random(12 * 16, 0.5), bias: random(12, 0.1) }, { kind: 'relu' },
    { kind: 'linear', out: classes, weight: random(classes * 12, 0.5), bias: random(classes, 0.1) },
  ];
  const state = new Map<string, { shape: number[]; data: Float32Array }>();
  const index = [0, 1, 2, 3, 4, 5, 7, 8, 9]; // module numbers, Flatten (6) holds nothing
  modules.forEach((m, i) => {
    if (m.kind === 'conv') {
      const inputs = m.weight.length / (m.out * m.k * m.k);
      state.set(`${index[i]}.weight`, { shape: [m.out, inputs, m.k, m.k], data: m.weight });
      state.set(`${index[i]}.bias`, { shape: [m.out], data: m.bias });
    } else if (m.kind === 'linear') {
      state.set(`${index[i]}.weight`, { shape: [m.out, m.weight.length / m.out], data: m.weight });
      state.set(`${index[i]}.bias`, { shape: [m.out], data: m.bias });
    }
  });
  const file = encodeSafetensors(state);
  const test = randomSet(6, height, width, channels, classes, 3);
  const engine = await createEngine({ device, shape: { rows: height, cols: width, channels, classes }, layers: 'conv 3x3 8, pool 2, conv 5x5 4, pool 2, 12' });
  try {
    engine.setData({ train: test, test, classNames: [] });
    assert.equal(engine.importParameters(file, 'model.safetensors'), 'pytorch');
    await engine.forward([0, 1, 2, 3, 4, 5]);
    const probe = await engine.dictionary.readProbe(6);
    const logits = probe.layers[probe.layers.length - 1]!.rawOutputs;
    const inputs = scaleInputs(test.images, 'unit');
    const pixels = height * width * channels;
    for (let r = 0; r < 6; r++) {
      const expected = torchForward(inputs.subarray(r * pixels, (r + 1) * pixels), height, width, channels, modules);
      assert.ok(scaledDifference(logits.subarray(r * classes, (r + 1) * classes), expected) < 1e-4, `sample ${r}: ${Array.from(logits.subarray(r * classes, (r + 1) * classes))} vs ${Array.from(expected)}`);
    }

    // Its own format round-trips; a file for other layers is refused with both named, and changes nothing.
    const own = await engine.exportParameters();
    assert.equal(engine.importParameters(own, 'own.safetensors'), 'nnscope');
    const other = await createEngine({ device, shape: { rows: height, cols: width, channels, classes }, layers: 'conv 3x3 8, pool 2, 12' });
    try {
      assert.throws(() => other.importParameters(own, 'own.safetensors'), /own\.safetensors has layers\.3\.weights, more layers than this network \(270 → conv 3x3 8, pool 2, 12, 4\) has/);
      assert.throws(() => other.importParameters(file, 'model.safetensors'), /model\.safetensors holds 4 layers \(0: Conv2d, 3: Conv2d, 7: Linear, 9: Linear\); this network .* has 3 \(Conv2d, Linear, Linear\)/);
    } finally {
      other.destroy();
    }
  } finally {
    engine.destroy();
  }
});
