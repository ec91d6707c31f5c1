/**
 * Convolutional networks in the views (issue #13), drawn from the training buffers: feature-map
 * grids in the strips (raw, activated, pooled; hover reads layer, channel, y, x), conv filters in
 * the weight textures (k×k tiles, colour for RGB input; deeper kernels as a filters × channels
 * grid), and mean feature maps per class. Each checks drawn pixels against values read back.
 */
import { expect } from '@esm-bundle/chai';
import { gpuTest } from '../shared/gpu-test.js';
import { createEngine, type Engine } from '../../src/engine/engine.js';
import { ClassMeansView, LayerStripsView, WeightsView } from '../../src/views/index.js';
import type { ImageSet } from '../../src/data/dataset.js';
import { canvas, cellCentre, expectColor, expected, pixel, pixels } from '../shared/view-pixels.js';
import type { PanelSpec } from '../../src/views/panels.js';

/** `count` random 12×10 images with `channels` channels, 3 classes. */
function randomSet(count: number, channels: 1 | 3, seed: number): ImageSet {
  let state = seed;
  const random = () => ((state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const images = Uint8Array.from({ length: count * 12 * 10 * channels }, () => Math.floor(random() * 256));
  const labels = Uint8Array.from({ length: count }, (_, i) => i % 3);
  return { images, labels, count, rows: 12, cols: 10, channels };
}

async function cnnEngine(device: GPUDevice, channels: 1 | 3): Promise<Engine> {
  const engine = await createEngine({ device, shape: { rows: 12, cols: 10, channels, classes: 3 }, layers: 'conv 3x3 4, pool 2, conv 3x3 8, 6', batchSize: 8, seed: 3 });
  engine.setData({ train: randomSet(24, channels, 1), test: randomSet(9, channels, 2), classNames: ['a', 'b', 'c'] });
  await engine.step(2);
  return engine;
}

const minmax = (values: ArrayLike<number>) => {
  let [low, high] = [Infinity, -Infinity];
  for (let i = 0; i < values.length; i++) [low, high] = [Math.min(low, values[i]!), Math.max(high, values[i]!)];
  return { low, high };
};

describe('CNN views', () => {
  it('strips: each conv layer\'s raw, activated and pooled maps as a grid of H×W tiles; a cell has its value\'s colour and hover names layer, channel, y, x', () => gpuTest(async (device) => {
    const engine = await cnnEngine(device, 1);
    const view = await LayerStripsView.create(device, canvas(1100, 420), engine.dictionary, engine.config, { classNames: ['a', 'b', 'c'], format: 'rgba8unorm' });
    try {
      await engine.forward([4, 7]);
      view.showRow(1);
      view.render();
      const image = await pixels(view);
      const probe = await engine.dictionary.readProbe(2);
      const specs = view.panelSpecs;
      // Panels: input, conv 1 raw / activated / pooled (+2 legends), conv 2 raw / activated (+2 legends), dense, output.
      const grids = specs.filter((spec) => spec.legendOf === undefined && spec.tiles !== undefined);
      expect(grids.map((spec) => [spec.tiles, spec.tileWidth, spec.tileHeight])).to.deep.equal([[4, 10, 12], [4, 10, 12], [4, 5, 6], [8, 5, 6], [8, 5, 6]]);
      const check = (spec: PanelSpec, values: Float32Array, width: number, channels: number, mapWidth: number, colormap: 'viridis' | 'diverging', symmetric: boolean) => {
        const row = values.subarray(width, 2 * width); // sample 1
        const { low, high } = minmax(row);
        const bound = Math.max(-low, high);
        for (const [channel, y, x] of [[0, 0, 0], [channels - 1, 3, mapWidth - 1], [1, 2, 1]] as const) {
          const value = row[(y * mapWidth + x) * channels + channel]!;
          const t = symmetric ? (value + bound) / (2 * bound) : (value - low) / (high - low);
          const [px, py] = cellCentre(spec, channel, x, y);
          expectColor(pixel(image, px, py), expected(colormap, t), `${spec.tileWidth}×${spec.tileHeight} map, channel ${channel} (${x}, ${y}) = ${value}`, 2);
          const place = view.locate(px, py);
          expect(place?.map).to.deep.equal({ channel, y, x });
        }
      };
      const [c1raw, c1act, c1pool, c2raw, c2act] = grids as [PanelSpec, PanelSpec, PanelSpec, PanelSpec, PanelSpec];
      check(c1raw, probe.layers[0]!.rawOutputs, 120 * 4, 4, 10, 'diverging', true);
      check(c1act, probe.layers[0]!.outputs, 120 * 4, 4, 10, 'viridis', false);
      check(c1pool, probe.layers[0]!.pooled!, 30 * 4, 4, 5, 'viridis', false);
      check(c2raw, probe.layers[1]!.rawOutputs, 30 * 8, 8, 5, 'diverging', true);
      check(c2act, probe.layers[1]!.outputs, 30 * 8, 8, 5, 'viridis', false);
      const pooledPlace = view.locate(...cellCentre(c1pool, 2, 4, 5));
      expect([pooledPlace?.layer, pooledPlace?.what]).to.deep.equal([0, 'pooled']);
      expect(await view.readValue(pooledPlace!.hit)).to.equal(probe.layers[0]!.pooled![30 * 4 + (5 * 5 + 4) * 4 + 2]);
    } finally {
      view.destroy();
      engine.destroy();
    }
  }));

  it('weights: RGB first-layer filters as colour 3×3 tiles, deeper kernels as a filters × channels grid; hits name filter and tap', () => gpuTest(async (device) => {
    const engine = await cnnEngine(device, 3);
    const view = await WeightsView.create(device, canvas(1000, 320), engine.dictionary, engine.config, { format: 'rgba8unorm', ranges: [{ low: -1, high: 1 }, { low: -1, high: 1 }] });
    try {
      // Layer 1 [3, 3, 3, 4]: W[(tap·3 + c)·4 + f] = (c − 1) / 2 + f / 10 (red low, blue high); layer 2 [3, 3, 4, 8]: (f − 4) / 8.
      const w0 = new Float32Array(3 * 3 * 3 * 4).map((_, i) => ((Math.floor(i / 4) % 3) - 1) / 2 + (i % 4) / 10);
      const w1 = new Float32Array(3 * 3 * 4 * 8).map((_, i) => ((i % 8) - 4) / 8);
      const params = await engine.readTrainingDictionary();
      engine.setParameters([w0, w1, params[2]!.weights, params[3]!.weights], params.map((l) => l.biases));
      view.render();
      const image = await pixels(view);
      const [filters, , , kernels] = view.panelSpecs as PanelSpec[];
      expect([filters!.tiles, filters!.tileWidth, filters!.tileHeight, filters!.channelStride]).to.deep.equal([4, 3, 3, 4]);
      for (const f of [0, 3]) {
        // A colour cell: each channel's weight through the range, red = c 0, green = c 1, blue = c 2.
        const rgb = pixel(image, ...cellCentre(filters!, f, 1, 2)).slice(0, 3);
        const want = [0, 1, 2].map((c) => Math.round((((c - 1) / 2 + f / 10) + 1) / 2 * 255));
        rgb.forEach((v, c) => expect(Math.abs(v - want[c]!), `filter ${f} channel ${c}: ${rgb} vs ${want}`).to.be.at.most(3));
      }
      expect([kernels!.columns, kernels!.rows, kernels!.tileWidth]).to.deep.equal([4, 8, 3]);
      for (const [f, c] of [[0, 0], [7, 3], [5, 1]]) {
        expectColor(pixel(image, ...cellCentre(kernels!, f * 4 + c, 2, 0)), expected('diverging', (((f - 4) / 8) + 1) / 2), `kernel (filter ${f}, channel ${c})`);
      }
      const place = view.locate(...cellCentre(kernels!, 6 * 4 + 2, 1, 2));
      expect([place?.layer, place?.neuron, place?.input]).to.deep.equal([1, 6, (2 * 3 + 1) * 4 + 2]); // tap (x 1, y 2), channel 2
      const keyed = view.place(1, 6, (2 * 3 + 1) * 4 + 2);
      expect(keyed?.hit.element).to.equal(place?.hit.element);
      expect(await view.readValue(place!.hit)).to.equal(w1[((2 * 3 + 1) * 4 + 2) * 8 + 6]);
    } finally {
      view.destroy();
      engine.destroy();
    }
  }));

  it('class means: a row of mean feature maps per class, a tile per channel, with the colours of evaluate()\'s means', () => gpuTest(async (device) => {
    const engine = await cnnEngine(device, 1);
    const config = engine.config;
    const maps = config.layers.map((layer) => (layer.kind === 'conv' ? layer.output : undefined));
    const view = await ClassMeansView.create(device, canvas(1200, 520), config.sizes, { classNames: ['a', 'b', 'c'], maps, format: 'rgba8unorm' });
    try {
      const evaluation = await engine.evaluate();
      view.setClassMeans(evaluation.classMeans);
      view.render();
      const image = await pixels(view);
      const means = view.panelSpecs[0]!;
      expect([means.columns, means.rows, means.tileWidth, means.tileHeight]).to.deep.equal([4, 3, 10, 12]);
      const values = evaluation.classMeans[0]!.activated;
      const { low, high } = minmax(values);
      const width = 120 * 4;
      for (const [k, f, x, y] of [[0, 0, 0, 0], [2, 3, 9, 11], [1, 2, 4, 6]] as const) {
        const value = values[k * width + (y * 10 + x) * 4 + f]!;
        const [px, py] = cellCentre(means, k * 4 + f, x, y);
        expectColor(pixel(image, px, py), expected('viridis', (value - low) / (high - low)), `class ${k} channel ${f} (${x}, ${y})`, 2);
        expect(view.locate(px, py)).to.deep.include({ layer: 0, kind: 'means', classA: k, neuron: f, pixel: { y, x } });
      }
    } finally {
      view.destroy();
      engine.destroy();
    }
  }));
});
