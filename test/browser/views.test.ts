/** The zero-copy views: colours of known values, live updates, and no read-back or allocation per frame. */
import { expect } from '@esm-bundle/chai';
import { gpuTest } from '../shared/gpu-test.js';
import { syntheticDataset } from '../shared/reference-run.js';
import { createEngine, type Engine } from '../../src/engine/engine.js';
import { LayerStripsView, WeightsView } from '../../src/views/index.js';
import { canvas, cellCentre, expectColor, expected, pixel, pixels } from '../shared/view-pixels.js';
import { forward, scaleInputs, type ReferenceMlp } from '../reference/mlp.js';
import { liveBufferCount } from '../../src/gpu/buffers.js';

async function smallEngine(device: GPUDevice, hidden: number[]): Promise<Engine> {
  const engine = await createEngine({ device, layers: hidden, batchSize: 8, seed: 2, activation: 'tanh' });
  engine.setData(syntheticDataset(32, 12, 4));
  return engine;
}

describe('zero-copy views', () => {
  it('weight textures: each first-layer tile and heat-map cell has the colormap colour of its weight', () => gpuTest(async (device) => {
    const engine = await smallEngine(device, [6]);
    const view = await WeightsView.create(device, canvas(900, 300), engine.dictionary, engine.config, { format: 'rgba8unorm', ranges: [{ low: -1, high: 1 }, { low: -1, high: 1 }] });
    try {
      // Layer 1: W[p, j] = (j − 2.5) / 3 except pixel 300 of tile 4 = 0.9; layer 2: W[i, o] = (i·10 + o) / 60 − 0.5.
      const w0 = new Float32Array(784 * 6).map((_, k) => (k % 6 - 2.5) / 3);
      w0[300 * 6 + 4] = 0.9;
      const w1 = new Float32Array(6 * 10).map((_, k) => k / 60 - 0.5);
      engine.setParameters([w0, w1], [new Float32Array(6).fill(0.25), new Float32Array(10)]);
      view.render();
      const image = await pixels(view);
      const [tiles, , , heat] = view.panelSpecs;
      expect(tiles.tiles).to.equal(6);
      for (let j = 0; j < 6; j++) {
        expectColor(pixel(image, ...cellCentre(tiles, j, 0, 0)), expected('diverging', ((j - 2.5) / 3 + 1) / 2), `tile ${j} pixel 0`);
      }
      expectColor(pixel(image, ...cellCentre(tiles, 4, 300 % 28, Math.floor(300 / 28))), expected('diverging', 0.95), 'tile 4 pixel 300');
      for (const [i, o] of [[0, 0], [5, 9], [3, 2]]) {
        // Heat map: row o, column i.
        expectColor(pixel(image, ...cellCentre(heat, o * heat.columns + i)), expected('diverging', ((i * 10 + o) / 60 - 0.5 + 1) / 2), `layer 2 W[${i}, ${o}]`);
      }
      // PNG export: the same pixels as the canvas.
      const png = await view.toPNG();
      expect(png.type).to.equal('image/png');
      const bitmap = await createImageBitmap(png);
      expect([bitmap.width, bitmap.height]).to.deep.equal([900, 300]);
      const decoded = new OffscreenCanvas(900, 300).getContext('2d')!;
      decoded.drawImage(bitmap, 0, 0);
      const [px, py] = cellCentre(tiles, 5, 0, 0);
      expectColor(Array.from(decoded.getImageData(Math.floor(px), Math.floor(py), 1, 1).data), expected('diverging', ((5 - 2.5) / 3 + 1) / 2), 'tile 5 in the PNG');

      // Zoom 3× about (40, 40): cells grow and move; colours and hit tests follow them.
      const unzoomedWidth = tiles.rect.width;
      view.zoomAt(3, 40, 40);
      view.render();
      const zoomed = await pixels(view);
      const zoomedTiles = view.panelSpecs[0];
      expect(zoomedTiles.rect.width).to.be.closeTo(3 * unzoomedWidth, 1e-3);
      const [zx, zy] = cellCentre(zoomedTiles, 1, 3, 2);
      expectColor(pixel(zoomed, zx, zy), expected('diverging', ((1 - 2.5) / 3 + 1) / 2), 'zoomed tile 1');
      expect(view.hitTest(zx, zy)).to.deep.include({ panel: 0, tile: 1, element: (2 * 28 + 3) * 6 + 1 });
      view.resetView();
      // The gradients view of the same layer shows dweights (all zero after setParameters): white.
      view.setQuantity(0, 'gradients');
      view.render();
      expectColor(pixel(await pixels(view), ...cellCentre(view.panelSpecs[0], 1)), expected('diverging', 0.5), 'zero gradient');
      expect(() => view.setQuantity(0, 'caches')).to.throw(RangeError, /Adam caches need type 'adam'/);
      const before = liveBufferCount();
      let refused: unknown;
      try { await WeightsView.create(device, canvas(10, 10), engine.dictionary, engine.config, { quantities: ['caches'] }); } catch (e) { refused = e; }
      expect((refused as Error).message).to.match(/Layer 0 has no weightCache/);
      expect(liveBufferCount(), 'a refused view leaves no buffer behind').to.equal(before);
      let badColormap: unknown;
      try { await LayerStripsView.create(device, canvas(10, 10), engine.dictionary, engine.config, { classNames: [], colormaps: { raw: 'jet' as never } }); } catch (e) { badColormap = e; }
      expect((badColormap as Error).message).to.match(/Unknown colormap 'jet'; choose one of viridis, diverging/);

      // Change since a GPU-side snapshot: only the moved weight (by −0.5) is coloured.
      view.captureSnapshot('epoch');
      const moved = Float32Array.from(w0);
      moved[100 * 6 + 2] -= 0.5;
      engine.setParameters([moved, w1], [new Float32Array(6).fill(0.25), new Float32Array(10)]);
      view.setQuantity(0, 'changeSinceEpoch');
      view.render();
      const change = await pixels(view);
      const changed = view.panelSpecs[0];
      expectColor(pixel(change, ...cellCentre(changed, 2, 100 % 28, Math.floor(100 / 28))), expected('diverging', 0.25), 'moved weight');
      expectColor(pixel(change, ...cellCentre(changed, 2, 5, 5)), expected('diverging', 0.5), 'unmoved weight');
      expectColor(pixel(change, ...cellCentre(changed, 4, 300 % 28, Math.floor(300 / 28))), expected('diverging', 0.5), 'unmoved outlier');
    } finally {
      view.destroy();
      engine.destroy();
    }
  }));

  it('layer strips: input, raw and activated cells match the reference forward pass with GPU auto ranges', () => gpuTest(async (device) => {
    const engine = await smallEngine(device, [12]);
    const view = await LayerStripsView.create(device, canvas(700, 400), engine.dictionary, engine.config, { classNames: [], format: 'rgba8unorm' });
    try {
      await engine.step(3);
      const sample = 5;
      await engine.forward([sample]);
      view.render();
      const image = await pixels(view);
      const params = await engine.readTrainingDictionary();
      const net: ReferenceMlp = { sizes: [...engine.config.sizes], hiddenActivation: 'tanh', layers: params.map((l) => ({ weights: Float64Array.from(l.weights), biases: Float64Array.from(l.biases) })) };
      const x = scaleInputs(engine['data']!.dataset.test.images.subarray(sample * 784, (sample + 1) * 784), 'unit');
      const outputs = forward(net, x, 1);
      const [input, raw1, act1, , , raw2, act2] = view.panelSpecs;
      // Input: grayInverted over the image's own min..max.
      const [lo, hi] = [Math.min(...x), Math.max(...x)];
      for (const p of [0, 400, 783]) {
        expectColor(pixel(image, ...cellCentre(input, p)), expected('grayInverted', (x[p] - lo) / (hi - lo)), `input pixel ${p}`);
      }
      const symmetric = (values: Float64Array, k: number) => {
        const m = Math.max(...Array.from(values, Math.abs));
        return (values[k] / m + 1) / 2;
      };
      const minmax = (values: Float64Array, k: number) => (values[k] - Math.min(...values)) / (Math.max(...values) - Math.min(...values));
      // Tolerance: f32 vs f64 may move a value to the neighbouring texel.
      for (let k = 0; k < 12; k++) {
        expectColor(pixel(image, ...cellCentre(raw1, k)), expected('diverging', symmetric(outputs[0].raw, k)), `hidden raw ${k}`, 6);
        expectColor(pixel(image, ...cellCentre(act1, k)), expected('viridis', minmax(outputs[0].activated, k)), `hidden tanh ${k}`, 6);
      }
      for (let c = 0; c < 10; c++) {
        expectColor(pixel(image, ...cellCentre(raw2, c)), expected('diverging', symmetric(outputs[1].raw, c)), `logit ${c}`, 6);
      }
      // Probabilities on a fixed 0..1 range, with the true label outlined in near-black at the cell's edge.
      const label = engine['data']!.dataset.test.labels[sample];
      const probabilities = outputs[1].activated;
      const other = (label + 1) % 10;
      expectColor(pixel(image, ...cellCentre(act2, other)), expected('viridis', probabilities[other]), `probability ${other}`, 6);
      const [cx, cy] = cellCentre(act2, label);
      expectColor(pixel(image, act2.rect.x + 0.5, cy), [13, 13, 13], 'true-label outline', 2);
      expectColor(pixel(image, cx, cy), expected('viridis', probabilities[label]), `probability ${label}`, 6);
    } finally {
      view.destroy();
      engine.destroy();
    }
  }));

  it('rendering while training maps no buffer and creates no GPU object per frame; the views follow the weights', () => gpuTest(async (device) => {
    const engine = await smallEngine(device, [16, 8]);
    const strips = await LayerStripsView.create(device, canvas(500, 300), engine.dictionary, engine.config, { classNames: [], format: 'rgba8unorm' });
    // Layer 1 shows the change since initialisation: zero (white) before training.
    const weights = await WeightsView.create(device, canvas(600, 300), engine.dictionary, engine.config, { format: 'rgba8unorm', quantities: ['changeSinceInit'] });
    const counts = { mapAsync: 0, created: 0 };
    const restore: (() => void)[] = [];
    const spy = (proto: object, name: string, counter: keyof typeof counts) => {
      const original = (proto as Record<string, (...args: unknown[]) => unknown>)[name];
      (proto as Record<string, unknown>)[name] = function (this: unknown, ...args: unknown[]) {
        counts[counter]++;
        return original.apply(this, args);
      };
      restore.push(() => ((proto as Record<string, unknown>)[name] = original));
    };
    try {
      strips.render();
      weights.render(); // first frames build the layout
      const before = await pixels(weights);
      expectColor(pixel(before, ...cellCentre(weights.panelSpecs[0], 3, 14, 14)), expected('diverging', 0.5), 'no change yet');
      spy(GPUBuffer.prototype, 'mapAsync', 'mapAsync');
      for (const name of ['createBuffer', 'createBindGroup', 'createTexture', 'createRenderPipeline', 'createComputePipeline']) spy(GPUDevice.prototype, name, 'created');
      let frames = 0;
      const perFrame = { mapAsync: 0, created: 0 };
      for (let chunk = 0; chunk < 5; chunk++) {
        const training = engine.step(2);
        for (let f = 0; f < 4; f++) {
          const [m, c] = [counts.mapAsync, counts.created];
          strips.render();
          weights.render();
          perFrame.mapAsync += counts.mapAsync - m;
          perFrame.created += counts.created - c;
          frames++;
          await new Promise((r) => setTimeout(r, 0));
        }
        await training;
      }
      // A resize moves the panels without new GPU objects either.
      await strips.idle();
      (strips.canvas as HTMLCanvasElement).width = 420;
      const createdBefore = counts.created;
      expect(strips.render()).to.equal(true);
      expect(strips.panelSpecs[0].rect.x + strips.panelSpecs[0].rect.width).to.be.below(420);
      perFrame.created += counts.created - createdBefore;
      expect(frames).to.equal(20);
      expect(perFrame).to.deep.equal({ mapAsync: 0, created: 0 });
      expect(counts.mapAsync, 'the engine itself reads statistics back once per chunk').to.be.greaterThan(0);
      restore.forEach((r) => r());
      await weights.idle();
      expect(weights.render(), 'a view draws once its last frame is done').to.equal(true);
      expect(weights.render(), 'and skips while that frame is queued').to.equal(false);
      const after = await pixels(weights);
      const tile = weights.panelSpecs[0];
      let changed = 0;
      for (let p = 0; p < 784; p += 7) {
        const [x, y] = cellCentre(tile, 3, p % 28, Math.floor(p / 28));
        if (pixel(before, x, y).some((v, c) => v !== pixel(after, x, y)[c])) changed++;
      }
      expect(changed, 'tile pixels that changed after 10 steps').to.be.greaterThan(10);
    } finally {
      restore.forEach((r) => r());
      strips.destroy();
      weights.destroy();
      engine.destroy();
    }
  }));
});
