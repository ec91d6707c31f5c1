/**
 * Saliency tiles (issue #14) drawn from the engine's saliency buffer: in the strips beside the
 * input (a grey MLP and an RGB CNN, whose tiles show the channel sum) and alone for a mean over
 * samples (SaliencyView). At every pixel where the read-back saliency is clearly positive the tile is
 * red, clearly negative blue, and every checked cell has the diverging colour of its value on one
 * range symmetric about 0 (± the largest |value| of the tiles), which the legend writes. In
 * `<nn-scope>`, the strips bind the engine's buffer and caption the shown sample's predicted and true
 * classes, and opening a confusion cell draws its mean saliency.
 */
import { expect } from '@esm-bundle/chai';
import { gpuTest } from '../shared/gpu-test.js';
import { createEngine, type Engine } from '../../src/engine/engine.js';
import { LayerStripsView, SaliencyView, type CanvasView } from '../../src/views/index.js';
import type { ImageSet } from '../../src/data/dataset.js';
import type { PanelSpec } from '../../src/views/panels.js';
import type { NnStrips } from '../../src/elements/nn-strips.js';
import { canvas, cellCentre, expectColor, expected, pixel, pixels } from '../shared/view-pixels.js';
import { addScope, until } from '../shared/element-fixture.js';

/** `count` random images of rows × cols × channels, labels cycling through `classes`. */
function randomSet(count: number, rows: number, cols: number, channels: 1 | 3, classes: number, seed: number): ImageSet {
  let state = seed;
  const random = () => ((state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const images = Uint8Array.from({ length: count * rows * cols * channels }, () => Math.floor(random() * 256));
  const labels = Uint8Array.from({ length: count }, (_, i) => i % classes);
  return { images, labels, count, rows, cols, channels };
}

const NAMES = ['a', 'b', 'c', 'd'];

async function trainedEngine(device: GPUDevice, rows: number, cols: number, channels: 1 | 3, layers: string | number[]): Promise<Engine> {
  const engine = await createEngine({ device, shape: { rows, cols, channels, classes: 4 }, layers, batchSize: 8, seed: 3 });
  engine.setData({ train: randomSet(32, rows, cols, channels, 4, 1), test: randomSet(12, rows, cols, channels, 4, 2), classNames: NAMES });
  await engine.step(4);
  return engine;
}

/**
 * Checks every pixel of every tile of the saliency panel against `map` ([tiles, rows · cols]): clearly
 * positive (above a quarter of the bound) red, clearly negative blue, and the exact diverging colour
 * at the extremes and a few more; returns how many cells of each sign it checked.
 */
function checkTiles(image: ImageData, spec: PanelSpec, map: Float32Array, tiles: number, rows: number, cols: number): { positive: number; negative: number } {
  const bound = map.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  expect(bound, 'a saliency that is not all zeros').to.be.above(0);
  const counts = { positive: 0, negative: 0 };
  for (let tile = 0; tile < tiles; tile++) {
    const values = map.subarray(tile * rows * cols, (tile + 1) * rows * cols);
    const extremes = [values.indexOf(Math.max(...values)), values.indexOf(Math.min(...values)), 0, values.length - 1];
    values.forEach((value, p) => {
      const [x, y] = cellCentre(spec, tile, p % cols, Math.floor(p / cols));
      const [r, , b] = pixel(image, x, y);
      const where = `tile ${tile} (x ${p % cols}, y ${Math.floor(p / cols)}) = ${value.toExponential(2)} of ±${bound.toExponential(2)}`;
      if (value > bound / 4) {
        expect(r - b, `red where positive: ${where}`).to.be.above(25);
        counts.positive++;
      } else if (value < -bound / 4) {
        expect(b - r, `blue where negative: ${where}`).to.be.above(25);
        counts.negative++;
      }
      if (extremes.includes(p)) expectColor(pixel(image, x, y), expected('diverging', (value + bound) / (2 * bound)), where, 2);
    });
  }
  return counts;
}

/** The saliency panel of a view: the one bound to the engine's saliency map buffer. */
function saliencyPanel(view: CanvasView, buffer: GPUBuffer): { spec: PanelSpec; index: number } {
  const index = view.panelSpecs.findIndex((spec) => spec.source.buffer === buffer && spec.legendOf === undefined);
  expect(index, 'a panel bound to the saliency buffer itself').to.be.at.least(0);
  return { spec: view.panelSpecs[index]!, index };
}

describe('saliency views', () => {
  for (const [name, rows, cols, channels, layers] of [
    ['a grey MLP (28×28, 16)', 28, 28, 1, [16]],
    ['an RGB CNN (12×10, conv 3x3 4, pool 2, 8): the tiles show the sum over R, G, B', 12, 10, 3, 'conv 3x3 4, pool 2, 8'],
  ] as const) {
    it(`strips: the predicted and the true class's tiles beside the input, red where d logit / d pixel is clearly positive, blue where negative: ${name}`, () => gpuTest(async (device) => {
      const engine = await trainedEngine(device, rows, cols, channels, layers as string | number[]);
      const view = await LayerStripsView.create(device, canvas(1000, 420), engine.dictionary, engine.config, { classNames: NAMES, format: 'rgba8unorm' });
      try {
        const [predicted] = await engine.forward([5]);
        const saliency = await engine.saliency(5);
        const read = await engine.readSaliency();
        expect(read.classes).to.deep.equal([predicted, 5 % 4]);
        const captions = [`saliency: ${NAMES[predicted!]} (predicted)`, `saliency: ${NAMES[1]} (true)`];
        view.showSaliency({ map: saliency.map, captions });
        view.render();
        const image = await pixels(view);
        const { spec, index } = saliencyPanel(view, saliency.map.buffer);
        expect([spec.tiles ?? spec.columns * spec.rows, spec.tileWidth, spec.tileHeight]).to.deep.equal([2, cols, rows]);
        const input = view.panelSpecs[0]!;
        expect(spec.rect.x, 'beside the input').to.be.above(input.rect.x + input.rect.width);
        const counts = checkTiles(image, spec, read.map, 2, rows, cols);
        expect(counts.positive, 'clearly positive pixels checked').to.be.above(3);
        expect(counts.negative, 'clearly negative pixels checked').to.be.above(3);
        // One range, symmetric about 0, written by the legend; captions and the unit are labels.
        const bound = read.map.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        const [low, high] = (await view.readRanges())[index]!;
        expect(high).to.be.closeTo(bound, bound * 1e-6);
        expect(low).to.equal(-high);
        expect(view.labels.some((l) => l.rangeOf?.panel === index), 'a legend of the saliency range').to.equal(true);
        const texts = view.labels.map((l) => l.text);
        expect(texts).to.include.members([...captions, 'saliency', 'd logit / d pixel']);
        // Hover: the caption and the pixel.
        const [x, y] = cellCentre(spec, 1, 2, 3);
        const place = view.locate(x, y);
        expect(place?.caption).to.equal(captions[1]);
        expect(place?.map).to.deep.include({ x: 2, y: 3 });
        expect(await view.readValue(place!.hit)).to.equal(read.map[rows * cols + 3 * cols + 2]);
        console.log(`${name}: ${counts.positive} clearly positive and ${counts.negative} clearly negative pixels drawn red and blue; scale ±${bound.toExponential(2)}`);
        // Without saliency, the panel goes.
        view.showSaliency(undefined);
        view.render();
        expect(view.panelSpecs.some((s) => s.source.buffer === saliency.map.buffer)).to.equal(false);
      } finally {
        view.destroy();
        engine.destroy();
      }
    }));
  }

  it('SaliencyView: a mean over samples, side by side, red and blue by the sign of the mean read back', () => gpuTest(async (device) => {
    const engine = await trainedEngine(device, 12, 10, 1, 'conv 3x3 4, pool 2, 8');
    const view = await SaliencyView.create(device, canvas(420, 190), { format: 'rgba8unorm' });
    try {
      const mean = await engine.meanSaliency([0, 1, 2, 3, 4, 5, 6, 7, 8], { classes: [2, 'true'] });
      const read = await engine.readSaliency('mean');
      view.show({ map: mean.map, captions: ['mean saliency: c', 'mean saliency: true class'] });
      view.render();
      const image = await pixels(view);
      const { spec } = saliencyPanel(view, mean.map.buffer);
      expect(spec.columns, 'side by side').to.equal(2);
      const counts = checkTiles(image, spec, read.map, 2, 12, 10);
      expect(counts.positive + counts.negative).to.be.above(10);
    } finally {
      view.destroy();
      engine.destroy();
    }
  }));

  it('<nn-scope>: the strips bind the engine\'s saliency buffer and caption the shown sample\'s classes; a confusion cell draws its mean saliency', async () => {
    const scope = await addScope({ 'sample-rate': '0', view: 'strips,confusion', layers: '16' });
    try {
      const session = await scope.whenReady();
      const strips = scope.shadowRoot!.querySelector('nn-strips') as unknown as NnStrips;
      await scope.step(8);
      await session.showSample(3);
      await until(() => !!strips.view && session.shown?.index === 3 && !!session.shown.saliency, 'sample 3 drawn with its saliency');
      const shown = session.shown!;
      const names = session.dataset.classNames;
      const { spec } = saliencyPanel(strips.view!, shown.saliency!.map.buffer);
      expect(spec.tiles ?? spec.columns * spec.rows).to.equal(2);
      const texts = strips.view!.labels.map((l) => l.text);
      expect(texts).to.include.members([`${names[shown.predicted]} (predicted)`, `${names[shown.label]} (true)`]);
      const read = await scope.engine!.readSaliency();
      expect(read.classes).to.deep.equal([shown.predicted, shown.label]);

      await scope.evaluate();
      const confusion = scope.shadowRoot!.querySelector('nn-confusion')!;
      const pair = await (async () => {
        await until(() => !!confusion.shadowRoot!.querySelector('button.pair'), 'the most confused pairs');
        return confusion.shadowRoot!.querySelector('button.pair') as HTMLButtonElement;
      })();
      pair.click();
      const status = confusion.shadowRoot!.querySelector('.saliency-status')!;
      await until(() => /Mean d logit \/ d pixel over the \d+ images/.test(status.textContent ?? ''), 'the mean saliency of the cell', 60_000);
      const box = confusion.shadowRoot!.querySelector('.saliency') as HTMLElement;
      expect(box.hidden).to.equal(false);
      const labels = () => [...box.querySelectorAll('.label')].map((l) => l.textContent ?? '');
      await until(() => labels().some((t) => /^mean saliency: .* \(predicted\)$/.test(t)) && labels().some((t) => /^mean saliency: .* \(true\)$/.test(t)), 'the captions of the cell\'s mean saliency');
    } finally {
      scope.remove();
    }
  });
});
