/**
 * The package's built entries (dist/, written by `npm run build`) load in Node without any WebGPU,
 * and the DOM-free engine entry trains on the shipped demo data with Dawn, set up the way the
 * README says: webgpu's globals on globalThis, a GPU instance from create() passed to requestDevice().
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

type EngineEntry = typeof import('../../src/engine-entry.js');
const dist = (file: string) => new URL(`../../dist/${file}`, import.meta.url);

test('every entry imports in Node without WebGPU, defines nothing global, and exports its API', async () => {
  const scope = globalThis as Record<string, unknown>;
  assert.equal(typeof scope.GPUBufferUsage, 'undefined', 'this test must run without Dawn globals');
  // nnscope.min.js first: nnscope.js's Lit (its Node build) brings a registry, where a second copy would only warn.
  for (const file of ['engine.js', 'nnscope.min.js', 'nnscope.js']) {
    const api = (await import(dist(file).href)) as Record<string, unknown>;
    assert.equal(typeof api.createEngine, 'function', `${file}: createEngine`);
    assert.equal(typeof api.NnScope, file === 'engine.js' ? 'undefined' : 'function', `${file}: NnScope`);
    assert.equal(typeof api.LayerStripsView, file === 'engine.js' ? 'undefined' : 'function', `${file}: LayerStripsView`);
  }
  // Lit's browser build (inlined in nnscope.min.js) got DOM stand-ins while it loaded; none are left.
  assert.equal('document' in globalThis, false, 'no document left behind');
  assert.equal('HTMLElement' in globalThis, false, 'no HTMLElement left behind');
});

test('the engine entry trains three steps on the demo data in Dawn', async () => {
  process.env.VK_ICD_FILENAMES ??= '/usr/lib/chromium/vk_swiftshader_icd.json'; // before create(): no GPU here
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals); // GPUBufferUsage & co., as a browser has them
  const gpu = create([]); // one per process, kept alive (Dawn 0.6.2 crashes when it is collected)
  (globalThis as { nnscopeGpu?: GPU }).nnscopeGpu = gpu;
  const nnscope = (await import(dist('engine.js').href)) as EngineEntry;
  const read = (name: string) => readFileSync(dist(`data/${name}`));
  const files = nnscope.DEFAULT_IDX_FILES;
  const data = await nnscope.idxDatasetFromBytes({
    trainImages: read(files.trainImages), trainLabels: read(files.trainLabels),
    testImages: read(files.testImages), testLabels: read(files.testLabels),
  });
  assert.ok(data.train.count >= 1000 && data.test.count >= 100, `demo data: ${data.train.count} train, ${data.test.count} test images`);

  const device = await nnscope.requestDevice(gpu);
  const engine = await nnscope.createEngine({ device, layers: [32], batchSize: 64, seed: 1 });
  try {
    engine.setData(data);
    const stats = await engine.step(3);
    assert.equal(engine.stepCount, 3);
    assert.ok(Number.isFinite(stats.loss) && stats.loss > 0, `loss ${stats.loss}`);
  } finally {
    engine.destroy();
    device.destroy();
  }
});
