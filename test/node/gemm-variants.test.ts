/**
 * The GEMM variants (issue #16): 'auto' picks registers on a software adapter and tiles on a GPU,
 * the choice shows in engine.config, bad values are refused, and both variants train the same
 * network to the same parameters (to float rounding: their sums run in different orders).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeDevice } from '../../scripts/dawn.js';
import { createEngine } from '../../src/engine/engine.js';
import { gemmVariantFor } from '../../src/engine/config.js';
import { maxRelativeDifference } from '../shared/kernel-harness.js';
import { syntheticDataset } from '../shared/reference-run.js';

test('gemmVariantFor: registers on software adapters, tiles on GPUs', () => {
  const info = (vendor: string, architecture: string, extra: Partial<GPUAdapterInfo> = {}) => ({ vendor, architecture, device: '', description: '', ...extra }) as GPUAdapterInfo;
  assert.equal(gemmVariantFor(info('google', 'swiftshader')), 'registers');
  assert.equal(gemmVariantFor(info('mesa', 'llvmpipe')), 'registers');
  assert.equal(gemmVariantFor(info('nvidia', 'hopper')), 'tiles');
  assert.equal(gemmVariantFor(info('apple', 'metal-3')), 'tiles');
  assert.equal(gemmVariantFor(info('intel', 'gen-12lp', { isFallbackAdapter: true } as Partial<GPUAdapterInfo>)), 'registers');
  assert.equal(gemmVariantFor(undefined), 'registers');
});

test('engine.config.gemm: auto resolves for this adapter (SwiftShader: registers); a bad value is refused', async () => {
  const device = await nodeDevice();
  const engine = await createEngine({ device, layers: [8] });
  assert.equal(engine.config.gemm, gemmVariantFor(device.adapterInfo));
  assert.equal(engine.config.gemm, 'registers');
  engine.destroy();
  await assert.rejects(createEngine({ device, gemm: 'shared' as never }), /gemm must be one of 'auto', 'registers', 'tiles', got "shared"/);
  device.destroy();
});

test('registers and tiles train a 784-32-16-10 network to the same parameters', async () => {
  const device = await nodeDevice();
  const data = syntheticDataset(256, 64, 5);
  const trained = [];
  for (const gemm of ['registers', 'tiles'] as const) {
    const engine = await createEngine({ device, layers: [32, 16], batchSize: 50, gemm, seed: 3 });
    assert.equal(engine.config.gemm, gemm);
    engine.setData(data);
    await engine.step(8);
    trained.push(await engine.readTrainingDictionary());
    engine.destroy();
  }
  const [registers, tiles] = trained;
  registers!.forEach((layer, l) => {
    const diff = maxRelativeDifference(tiles![l]!.weights, layer.weights);
    assert.ok(diff < 1e-5, `layer ${l} weights differ by ${diff}`);
  });
  device.destroy();
});
