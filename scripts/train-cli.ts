// Command-line trainer: the same engine and WGSL in Node through Dawn (npm `webgpu`).
//   npm run train -- --epochs 5 --preset nnfs --layers 128,128 --optimizer sgd --lr 0.01 --batch 128 --subset 10000
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { parseArgs } from 'node:util';
import { create, globals } from 'webgpu';
import { createEngine, presets, requestDevice, type EngineOptions } from '../src/index.js';
import { imageSetFromIdx, parseIdx } from '../src/data/idx.js';
import { FASHION_MNIST_CLASSES, type ImageSet } from '../src/data/dataset.js';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '1' },
    preset: { type: 'string' },
    layers: { type: 'string' },
    optimizer: { type: 'string' },
    lr: { type: 'string' },
    batch: { type: 'string' },
    seed: { type: 'string' },
    subset: { type: 'string' },
    data: { type: 'string', default: 'www/data' },
  },
});

process.env.VK_ICD_FILENAMES ??= '/usr/lib/chromium/vk_swiftshader_icd.json';
Object.assign(globalThis, globals);

function load(prefix: string, subset?: number): ImageSet {
  const read = (name: string) => parseIdx(gunzipSync(readFileSync(`${values.data}/${name}`)), name);
  const images = `${prefix}-images-idx3-ubyte.gz`;
  const labels = `${prefix}-labels-idx1-ubyte.gz`;
  const set = imageSetFromIdx(read(images), read(labels), { images, labels });
  if (!subset || subset >= set.count) return set;
  return { ...set, count: subset, images: set.images.subarray(0, subset * 784), labels: set.labels.subarray(0, subset) };
}

const options: EngineOptions = { ...(values.preset === 'nnfs' ? presets.nnfs : {}) };
if (values.preset && values.preset !== 'nnfs') throw new Error(`Unknown preset '${values.preset}': the one preset is 'nnfs'.`);
if (values.layers) options.layers = values.layers.split(',').map(Number);
if (values.optimizer || values.lr) {
  options.optimizer = { ...options.optimizer, type: (values.optimizer ?? options.optimizer?.type ?? 'sgd') as 'sgd' } as EngineOptions['optimizer'];
  if (values.lr) options.optimizer!.learningRate = Number(values.lr);
}
if (values.batch) options.batchSize = Number(values.batch);
if (values.seed) options.seed = Number(values.seed);

const gpu = create([]);
const device = await requestDevice(gpu);
const engine = await createEngine({ ...options, device });
const train = load('train', values.subset ? Number(values.subset) : undefined);
engine.setData({ train, test: load('t10k'), classNames: FASHION_MNIST_CLASSES });
console.log(`training ${engine.config.sizes.join('-')} (${engine.config.optimizer.type}) on ${train.count} samples, ${engine.stepsPerEpoch} steps per epoch`);
for (let epoch = 0; epoch < Number(values.epochs); epoch++) {
  const result = await engine.trainEpoch();
  const test = await engine.evaluate();
  console.log(
    `epoch ${epoch + 1}: loss ${result.loss.toFixed(4)}, train ${(100 * result.accuracy).toFixed(2)}%, ` +
      `test ${(100 * test.accuracy).toFixed(2)}%, ${result.samplesPerSecond.toFixed(0)} samples/s`,
  );
}
engine.destroy();
device.destroy();
void gpu;
