/**
 * Data larger than WebGPU's default buffer limit (issue #12): CIFAR-10's training split is
 * 50,000 × 3,072 bytes = 147 MiB, over the default maxStorageBufferBindingSize of 128 MiB. The
 * device nnscope requests takes the adapter's limits, so it trains; a device with only the
 * defaults refuses the set up front, saying how many images of that size fit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeDevice } from '../../scripts/dawn.js';
import { createEngine } from '../../src/engine/engine.js';
import type { Dataset, ImageSet } from '../../src/data/dataset.js';

const CIFAR_SHAPE = { rows: 32, cols: 32, channels: 3 as const, classes: 10 };
const DEFAULT_BINDING = 128 * 2 ** 20; // WebGPU's default maxStorageBufferBindingSize

/** CIFAR-10's size of split, filled cheaply: image i is all (i mod 256), label i mod 10. */
function cifarSized(count: number): ImageSet {
  const pixels = 32 * 32 * 3;
  const images = new Uint8Array(count * pixels);
  for (let i = 0; i < count; i++) images.fill(i % 256, i * pixels, (i + 1) * pixels);
  return { images, labels: Uint8Array.from({ length: count }, (_, i) => i % 10), count, rows: 32, cols: 32, channels: 3 };
}

test('a CIFAR-10-sized training split (147 MiB, over the default 128 MiB binding limit) goes on the GPU and trains', async () => {
  const device = await nodeDevice();
  assert.ok(device.limits.maxStorageBufferBindingSize > DEFAULT_BINDING, `the adapter allows ${device.limits.maxStorageBufferBindingSize} bytes per binding`);
  const dataset: Dataset = { train: cifarSized(50_000), test: cifarSized(100), classNames: [] };
  assert.ok(dataset.train.images.byteLength > DEFAULT_BINDING);
  const engine = await createEngine({ device, shape: CIFAR_SHAPE, layers: [16], batchSize: 64 });
  try {
    engine.setData(dataset);
    const { loss } = await engine.step(2);
    assert.ok(Number.isFinite(loss), `loss ${loss}`);
  } finally {
    engine.destroy();
    device.destroy();
  }
});

test('a device with the default limits refuses that split up front, saying how many images of its size fit', async () => {
  const adapter = await (globalThis as { __nnscopeGpu?: GPU }).__nnscopeGpu!.requestAdapter();
  const device = await adapter!.requestDevice(); // WebGPU's defaults: 128 MiB per binding
  const engine = await createEngine({ device, shape: CIFAR_SHAPE, layers: [16] });
  try {
    const fits = Math.floor(Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize) / 3072);
    assert.throws(() => engine.setData({ train: cifarSized(50_000), test: cifarSized(100), classNames: [] }),
      new RegExp(`^ConfigError: train images take 153600000 bytes, more than this device's \\d+-byte buffer limit: at most ${fits} images of this size fit; use fewer\\.$`));
    engine.setData({ train: cifarSized(fits), test: cifarSized(100), classNames: [] }); // what the message says fits, does
  } finally {
    engine.destroy();
    device.destroy();
  }
});
