/** The diagnosis views: confusion matrix and class means draw the colours of known data, and say what a click hit. */
import { expect } from '@esm-bundle/chai';
import { gpuTest } from '../shared/gpu-test.js';
import { canvas, cellCentre, expectColor, expected, pixel, pixels } from '../shared/view-pixels.js';
import { ClassMeansView, ConfusionView, imageCanvas } from '../../src/views/index.js';
import { cosineSimilarities, samplesWith } from '../../src/analysis/diagnosis.js';
import { liveBufferCount } from '../../src/gpu/buffers.js';

const NAMES = ['Pullover', 'Coat', 'Shirt'];
const CONFUSION = [[8, 2, 0], [1, 5, 4], [0, 0, 10]];

async function rejects(promise: Promise<unknown> | (() => unknown)): Promise<Error> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

describe('confusion view', () => {
  it('colours each cell by its row rate, scaled to the largest error, and the recall strip by recall', () => gpuTest(async (device) => {
    const view = await ConfusionView.create(device, canvas(420, 360), { classNames: NAMES, format: 'rgba8unorm' });
    try {
      view.setConfusion(CONFUSION);
      view.render();
      const image = await pixels(view);
      const [matrix, recall] = view.panelSpecs;
      const largestError = 0.4; // Coat → Shirt: 4 of 10
      CONFUSION.forEach((row, t) => {
        const total = row.reduce((a, b) => a + b, 0);
        row.forEach((count, p) => {
          expectColor(pixel(image, ...cellCentre(matrix, t * 3 + p)), expected('blues', count / total / largestError), `cell (${t}, ${p})`);
        });
        expectColor(pixel(image, ...cellCentre(recall, t)), expected('blues', row[t] / total), `recall of ${NAMES[t]}`);
      });
      const counts = view.labels.filter((l) => l.kind.startsWith('cell') && !l.text.endsWith('%')).map((l) => l.text);
      expect(counts).to.deep.equal(CONFUSION.flat().map(String));
      expect(view.labels.filter((l) => l.text.endsWith('%')).map((l) => l.text)).to.deep.equal(['80.0%', '50.0%', '100.0%']);
    } finally {
      view.destroy();
    }
  }));

  it('tells which cell a point hits, and outlines the selected cell', () => gpuTest(async (device) => {
    const view = await ConfusionView.create(device, canvas(420, 360), { classNames: NAMES, format: 'rgba8unorm' });
    try {
      view.setConfusion(CONFUSION);
      view.render();
      await view.idle();
      const matrix = view.panelSpecs[0];
      const [x, y] = cellCentre(matrix, 1 * 3 + 2);
      expect(view.cellAt(x, y)).to.deep.equal({ truth: 1, predicted: 2 });
      expect(view.cellAt(2, 2)).to.equal(undefined);
      view.select(1, 2);
      view.render();
      const image = await pixels(view);
      const edge = pixel(image, matrix.rect.x + (2 + 0.5) * ((matrix.rect.width + 2) / 3), matrix.rect.y + (matrix.rect.height + 2) / 3 + 0.5);
      expect(edge.slice(0, 3).every((c) => c < 30), `outline pixel rgb(${edge})`).to.equal(true);
      expect(view.selected).to.deep.equal({ truth: 1, predicted: 2 });
    } finally {
      view.destroy();
    }
  }));

  it('asks for a frame only after a change: new counts, a selection, or a resize', () => gpuTest(async (device) => {
    const shown = canvas(420, 360);
    shown.style.cssText = 'display:block; width:420px; height:360px';
    document.body.append(shown);
    const view = await ConfusionView.create(device, shown, { classNames: NAMES, format: 'rgba8unorm' });
    try {
      const drawn = async () => {
        expect(view.render()).to.equal(true);
        await view.idle();
        expect(view.needsFrame, 'after a frame').to.equal(false);
      };
      expect(view.needsFrame, 'before the first frame').to.equal(true);
      await drawn();
      view.setConfusion(CONFUSION);
      expect(view.needsFrame, 'new counts').to.equal(true);
      await drawn();
      view.select(1, 2);
      expect(view.needsFrame, 'a selection').to.equal(true);
      await drawn();
      shown.style.width = '300px';
      expect(view.needsFrame, 'a resize').to.equal(true);
      await drawn();
    } finally {
      view.destroy();
      shown.remove();
    }
  }));

  it('refuses malformed matrices and classes, and frees its buffers', () => gpuTest(async (device) => {
    const before = liveBufferCount();
    const view = await ConfusionView.create(device, canvas(100, 100), { classNames: NAMES });
    expect((await rejects(() => view.setConfusion([[1, 2], [3, 4]]))).message).to.match(/must be 3×3/);
    expect((await rejects(() => view.setConfusion([[1, 2, 0], [3, -4, 0], [0, 0, 1]]))).message).to.match(/whole numbers ≥ 0/);
    expect((await rejects(() => view.select(3, 0))).message).to.match(/classes 0–2/);
    view.destroy();
    expect(liveBufferCount()).to.equal(before);
    expect((await rejects(ConfusionView.create(device, canvas(10, 10), { classNames: NAMES, scale: 'log' as never }))).message).to.match(/Unknown scale 'log'/);
  }));
});

describe('class means view', () => {
  // A 5-4-3 network: hidden layer of 4, output of 3 classes. means[c · width + j].
  const hidden = Float32Array.from({ length: 12 }, (_, i) => (i * 7) % 12 / 4 - 0.97); // values off the colormap's rounding boundaries
  const output = Float32Array.from([0.8, 0.1, 0.1, 0.3, 0.5, 0.2, 0.2, 0.3, 0.5]);
  const classMeans = [
    { raw: hidden.map((v) => v - 0.5), activated: hidden.map((v) => Math.max(0, v)) },
    { raw: output.map((v) => 2 * v - 1), activated: output },
  ];

  it('draws every class mean and the cosine similarity of the means with per-layer fixed ranges', () => gpuTest(async (device) => {
    const view = await ClassMeansView.create(device, canvas(700, 420), [5, 4, 3], { classNames: NAMES, format: 'rgba8unorm' });
    try {
      view.setClassMeans(classMeans);
      view.render();
      const image = await pixels(view);
      const specs = view.panelSpecs;
      const places = specs.map((spec) => (spec.legendOf === undefined ? view.locate(...cellCentre(spec, 0)) : undefined));
      const strip = (l: number, c: number) => specs[places.findIndex((p) => p?.kind === 'means' && p.layer === l && p.classA === c)];
      classMeans.forEach(({ activated }, l) => {
        const width = activated.length / 3;
        const [low, high] = [Math.min(...activated), Math.max(...activated)];
        for (let c = 0; c < 3; c++) {
          for (let j = 0; j < width; j++) {
            expectColor(pixel(image, ...cellCentre(strip(l, c), j)), expected('viridis', (activated[c * width + j] - low) / (high - low)), `layer ${l} class ${c} neuron ${j}`);
          }
        }
        const similarity = cosineSimilarities(activated, 3);
        const panel = specs[places.findIndex((p) => p?.kind === 'similarity' && p.layer === l)];
        const lowest = Math.min(0, ...similarity.flat());
        expectColor(pixel(image, ...cellCentre(panel, 0 * 3 + 2)), expected('viridis', (similarity[0][2] - lowest) / (1 - lowest)), `layer ${l} cosine(0, 2)`);
        expect(view.similarities[l].activated[0][2]).to.be.closeTo(similarity[0][2], 1e-6);
      });
      expect(view.locate(...cellCentre(strip(0, 1), 2))).to.deep.equal({ layer: 0, kind: 'means', classA: 1, neuron: 2 });
    } finally {
      view.destroy();
    }
  }));

  it('compare mode shows A, B and A − B per layer, on the raw outputs too', () => gpuTest(async (device) => {
    const view = await ClassMeansView.create(device, canvas(700, 420), [5, 4, 3], { classNames: NAMES, format: 'rgba8unorm', quantity: 'raw' });
    try {
      view.setClassMeans(classMeans);
      view.compare(0, 2);
      view.render();
      const image = await pixels(view);
      const specs = view.panelSpecs;
      const kinds = specs.map((s) => (s.legendOf === undefined ? view.locate(...cellCentre(s, 0))?.kind : 'legend'));
      expect(kinds.filter((k) => k !== 'legend')).to.deep.equal(['a', 'b', 'difference', 'similarity', 'a', 'b', 'difference', 'similarity']);
      const { raw } = classMeans[0];
      const w = 4;
      const bound = Math.max(...Array.from(raw, Math.abs));
      const maxDiff = Math.max(...Array.from({ length: w }, (_, j) => Math.abs(raw[j] - raw[2 * w + j])));
      const [a, b, difference] = (['a', 'b', 'difference'] as const).map((kind) => specs[kinds.indexOf(kind)]);
      for (let j = 0; j < w; j++) {
        expectColor(pixel(image, ...cellCentre(a, j)), expected('diverging', (raw[j] / bound + 1) / 2), `A neuron ${j}`);
        expectColor(pixel(image, ...cellCentre(b, j)), expected('diverging', (raw[2 * w + j] / bound + 1) / 2), `B neuron ${j}`);
        expectColor(pixel(image, ...cellCentre(difference, j)), expected('diverging', ((raw[j] - raw[2 * w + j]) / maxDiff + 1) / 2), `A − B neuron ${j}`);
      }
      expect(view.locate(...cellCentre(difference, 3))).to.deep.equal({ layer: 0, kind: 'difference', neuron: 3, classA: 0, classB: 2 });
      expect(view.labels.some((l) => l.text === `cosine(A, B) = ${view.similarities[0].raw[0][2].toFixed(3)}`)).to.equal(true);
      view.compare();
      view.render();
      await view.idle();
      expect(view.compared).to.equal(undefined);
      expect(view.panelSpecs.length).to.be.lessThan(specs.length);
    } finally {
      view.destroy();
    }
  }));

  it('refuses wrong class names, shapes and classes', () => gpuTest(async (device) => {
    expect((await rejects(ClassMeansView.create(device, canvas(10, 10), [5, 4, 3], { classNames: ['a', 'b'] }))).message).to.match(/needs 3 class names/);
    expect((await rejects(ClassMeansView.create(device, canvas(10, 10), [5, 4, 3], { classNames: NAMES, quantity: 'mean' as never }))).message).to.match(/Unknown class-means quantity 'mean'/);
    const view = await ClassMeansView.create(device, canvas(10, 10), [5, 4, 3], { classNames: NAMES });
    try {
      expect((await rejects(() => view.setClassMeans([classMeans[0]]))).message).to.match(/2 layers, got 1/);
      expect((await rejects(() => view.setClassMeans([classMeans[0], { raw: output, activated: output.subarray(1) }]))).message).to.match(/Layer 1 activated means need 3×3 values, got 8/);
      expect((await rejects(() => view.compare(0, 3))).message).to.match(/two classes 0–2/);
    } finally {
      view.destroy();
    }
  }));
});

describe('misclassified samples', () => {
  it('samplesWith finds the samples of one confusion cell, and imageCanvas draws one', () => {
    const labels = Uint8Array.from([2, 4, 2, 6, 2]);
    const predictions = Uint32Array.from([6, 4, 2, 2, 6]);
    expect(samplesWith(predictions, labels, 2, 6)).to.deep.equal([0, 4]);
    expect(samplesWith(predictions, labels, 6, 2)).to.deep.equal([3]);
    expect(() => samplesWith(predictions.subarray(1), labels, 2, 6)).to.throw(/4 predictions for 5 labels/);
    const images = new Uint8Array(2 * 4);
    images[4 + 1] = 255;
    const thumbnail = imageCanvas({ images, labels: Uint8Array.from([0, 1]), count: 2, rows: 2, cols: 2 }, 1);
    const data = thumbnail.getContext('2d')!.getImageData(0, 0, 2, 2).data;
    expect([data[0], data[4]]).to.deep.equal([255, 0]); // background white, ink black
    expect(() => imageCanvas({ images, labels: Uint8Array.from([0, 1]), count: 2, rows: 2, cols: 2 }, 2)).to.throw(/images 0–1/);
  });
});
