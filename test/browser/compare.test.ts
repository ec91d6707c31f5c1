/**
 * `<nn-compare>`: two saved runs whose differences are known show those differences (text, and the
 * sign colour of known cells of the confusion difference); bad files and runs of other test sets
 * are refused with their reason; a live `<nn-scope>` trained one short epoch is compared with a
 * saved run and the view follows it.
 */
import { expect } from '@esm-bundle/chai';
import type { AxeResults } from 'axe-core';
import { recordRun, type RunComparison, type RunEvaluations } from '../../src/analysis/compare.js';
import { evaluationsFromJson, evaluationsToJson } from '../../src/io/evaluation-file.js';
import { divergingColor } from '../../src/views/compare-charts.js';
import type { Evaluation } from '../../src/engine/evaluation-pass.js';
import type { NnCompare } from '../../src/elements/nn-compare.js';
import { addScope, nextEvent, until } from '../shared/element-fixture.js';
import '../../src/elements/index.js';

const NAMES = ['Pullover', 'Coat', 'Shirt', 'Sneaker'];
const TEST = { count: 400, rows: 2, cols: 2, labels: Uint8Array.from({ length: 400 }, (_, i) => i % 4), images: Uint8Array.from({ length: 1600 }, (_, i) => (i * 37) % 256) };
const CONFUSION_A = [[80, 5, 15, 0], [10, 61, 29, 0], [12, 20, 68, 0], [0, 0, 1, 99]];
const CONFUSION_B = [[82, 6, 12, 0], [9, 70, 21, 0], [15, 10, 75, 0], [0, 1, 0, 99]];

function evaluation(confusion: number[][], hidden: number[]): Evaluation {
  return {
    accuracy: confusion.reduce((s, row, c) => s + row[c], 0) / 400, loss: 0.5, confusion, count: 400, samplesPerSecond: 1, predictions: new Uint32Array(0),
    classAccuracy: confusion.map((row, c) => row[c] / 100),
    classMeans: [{ raw: Float32Array.from(hidden), activated: Float32Array.from(hidden) }, { raw: new Float32Array(16), activated: new Float32Array(16) }],
  };
}

function savedRun(name: string, confusion: number[][], hidden: number[], classNames = NAMES): Blob {
  const run = recordRun({
    name, classNames, test: TEST, stepsPerEpoch: 4, epochs: [{ epoch: 1, step: 4, evaluation: evaluation(confusion, hidden) }],
    curves: { chunks: [{ step: 2, loss: 1.2, accuracy: 0.5 }, { step: 4, loss: name === 'cnn' ? 0.6 : 0.8, accuracy: 0.7 }], tests: [{ step: 4, accuracy: evaluation(confusion, hidden).accuracy }] },
  });
  return new File([evaluationsToJson(run)], `${name}.json`, { type: 'application/json' });
}

const shadow = <T extends Element = HTMLElement>(element: Element, selector: string) => element.shadowRoot!.querySelector(selector) as T;
const textOf = (element: Element, selector: string) => shadow(element, selector)?.textContent?.replace(/\s+/g, ' ').trim() ?? '';
const frames = (n = 3) => new Promise<void>(async (resolve) => {
  for (let i = 0; i < n; i++) await new Promise((r) => requestAnimationFrame(r));
  resolve();
});

async function addCompare(attributes: Record<string, string> = {}): Promise<NnCompare> {
  const element = document.createElement('nn-compare');
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.style.cssText = 'display:block; width:1100px';
  document.body.append(element);
  await element.updateComplete;
  return element;
}

/** The RGB of the confusion difference's cell (t, p), near its corner (its centre holds the figure). */
function cellColor(element: NnCompare, t: number, p: number): number[] {
  const canvas = shadow<HTMLCanvasElement>(element, 'canvas.diff');
  const { x, y, cell } = element.diffLayout!;
  const scale = canvas.width / canvas.clientWidth;
  const data = canvas.getContext('2d')!.getImageData(Math.round((x + p * cell + 4) * scale), Math.round((y + t * cell + 4) * scale), 1, 1).data;
  return [data[0], data[1], data[2]];
}

const near = (actual: number[], expected: number[], what: string) =>
  expect(actual.every((v, i) => Math.abs(v - expected[i]) <= 2), `${what}: rgb(${actual}) vs rgb(${expected})`).to.equal(true);

describe('<nn-compare> with two saved runs', () => {
  it('shows the known differences: accuracy, per-class Δ, the largest changes, the group cosine, and the sign colours of known cells', async () => {
    const element = await addCompare();
    try {
      await until(() => textOf(element, '.message').includes('Run A: name an <nn-scope> in for="…" (A first, then B), or load a saved run'), 'the message asking for runs');
      const compared = nextEvent<RunComparison | undefined>(element, 'nn-compare', 10_000);
      await element.loadRun(savedRun('mlp', CONFUSION_A, [1, 0, 1, 1, 0, 1, -1, 0]));
      await element.loadRun(savedRun('cnn', CONFUSION_B, [1, 0, 1, 0, 0, 1, -1, 0])); // the first empty slot, then B
      let comparison = await compared;
      while (!comparison) comparison = await nextEvent<RunComparison | undefined>(element, 'nn-compare', 10_000);
      await element.updateComplete;
      await frames();
      expect(element.runs.map((run) => run?.name)).to.deep.equal(['mlp', 'cnn']);
      expect(textOf(element, '.explain')).to.include('77.0% → 81.5%').and.include('+4.5 points');
      expect(textOf(element, '.runs')).to.match(/A mlp .*epoch 1: test accuracy 77\.0%.*B cnn .*epoch 1: test accuracy 81\.5%/);
      expect([...element.shadowRoot!.querySelectorAll('.changes li')].map((li) => li.textContent!.trim())).to.deep.equal([
        'Shirt → Coat −10.0 points (20 → 10 of 100)', 'Coat → Shirt −8.0 points (29 → 21 of 100)', 'Pullover → Shirt −3.0 points (15 → 12 of 100)',
        'Shirt → Pullover +3.0 points (12 → 15 of 100)', 'Pullover → Coat +1.0 points (5 → 6 of 100)',
      ]);
      expect(textOf(element, '.group')).to.include('Pullover, Coat, Shirt').and.include('A 0.471 → B 0.333').and.include('(−0.138)');
      expect(shadow(element, 'canvas.bars').getAttribute('aria-label')).to.include('Pullover +2.0, Coat +9.0, Shirt +7.0, Sneaker 0.0');
      expect(shadow(element, 'canvas.diff').getAttribute('aria-label')).to.include('rates per true class').and.include('Shirt → Coat −10.0 points');

      // Rates: the scale ends at the largest |Δ|, Shirt → Coat's 10 points.
      const layout = element.diffLayout!;
      expect(layout.scale).to.be.closeTo(10, 1e-9);
      const bg: [number, number, number] = [255, 255, 255];
      const shirtCoat = cellColor(element, 2, 1);
      expect(shirtCoat[2] - shirtCoat[0], `Shirt → Coat (−10) is blue: rgb(${shirtCoat})`).to.be.greaterThan(60);
      near(shirtCoat, divergingColor(-1, bg), 'Shirt → Coat');
      const coat = cellColor(element, 1, 1);
      expect(coat[0] - coat[2], `Coat → Coat (+9) is red: rgb(${coat})`).to.be.greaterThan(60);
      near(coat, divergingColor(0.9, bg), 'Coat → Coat');
      near(cellColor(element, 3, 0), bg, 'Sneaker → Pullover (0): the background');
      near(cellColor(element, 2, 0), divergingColor(0.3, bg), 'Shirt → Pullover (+3)');

      // Counts: the same signs, on a scale of images; dark: zero is the dark background.
      element.scale = 'counts';
      element.theme = 'dark';
      await element.updateComplete;
      await frames();
      expect(shadow(element, 'canvas.diff').getAttribute('aria-label')).to.include('counts of images');
      const dark: [number, number, number] = [0x1b, 0x20, 0x29];
      near(cellColor(element, 3, 0), dark, 'zero on the dark background');
      near(cellColor(element, 2, 1), divergingColor(-1, dark), 'Shirt → Coat, dark');
      expect(element.comparison!.confusionDelta.counts[2][1]).to.equal(-10);
    } finally {
      element.remove();
    }
  });

  it('refuses a bad file with its reason (shown, nn-error) and keeps the runs; runs of other test sets get a message saying what differs', async () => {
    const element = await addCompare();
    try {
      await element.loadRun(savedRun('mlp', CONFUSION_A, [1, 0, 1, 1, 0, 1, -1, 0]), 'a');
      await element.loadRun(savedRun('cnn', CONFUSION_B, [1, 0, 1, 0, 0, 1, -1, 0]), 'b');
      await until(() => !!element.comparison, 'the comparison');
      const error = nextEvent<{ message: string }>(element, 'nn-error', 5000);
      const bad = new File(['{"format":"nnscope-evaluations","version":1,"name":"x","classNames":["a","b"],"testSet":{"count":2,"classCounts":[1,1]},"similarityLayer":"","epochs":[{"epoch":1,"step":1,"accuracy":0.5,"loss":1,"confusion":[[1,0]],'], 'broken.json');
      let refused = '';
      await element.loadRun(bad, 'b').catch((e: Error) => (refused = e.message));
      expect(refused).to.match(/^broken\.json is not a usable nnscope evaluation file: it is not valid JSON .*cut short/);
      expect((await error).message).to.equal(refused);
      await element.updateComplete;
      expect(textOf(element, '.message.bad')).to.equal(refused);
      expect(element.runs.map((run) => run?.name), 'the runs stay').to.deep.equal(['mlp', 'cnn']);
      let wrongShape = '';
      await element.loadRun(new File([evaluationsToJson(evaluationsFromJson(await savedRun('cnn', CONFUSION_B, [1, 0, 1, 0, 0, 1, -1, 0]).text(), 'x')).replace('[[82,6,12,0],', '[[82,6,12],')], 'short.json'), 'b')
        .catch((e: Error) => (wrongShape = e.message));
      expect(wrongShape).to.include('short.json is not a usable nnscope evaluation file: epochs[0].confusion[0] has 3 values, not 4');

      // Another data set's run: class 3 has another name.
      await element.loadRun(savedRun('boots', CONFUSION_B, [1, 0, 1, 0, 0, 1, -1, 0], [...NAMES.slice(0, 3), 'Boot']), 'b');
      await until(() => !element.comparison, 'the comparison to go');
      await element.updateComplete;
      expect(textOf(element, '.message.bad')).to.equal('These runs cannot be compared: they were not evaluated on the same test set (class 3 is "Sneaker" in A (mlp) and "Boot" in B (boots)).');
      expect(shadow(element, '.grid').hidden, 'no difference drawn').to.equal(true);
    } finally {
      element.remove();
    }
  });

  it('has no serious or critical axe violations, light and dark', async () => {
    const element = await addCompare();
    try {
      await element.loadRun(savedRun('mlp', CONFUSION_A, [1, 0, 1, 1, 0, 1, -1, 0]));
      await element.loadRun(savedRun('cnn', CONFUSION_B, [1, 0, 1, 0, 0, 1, -1, 0]));
      await until(() => !!element.comparison, 'the comparison');
      const win = window as Window & { axe?: typeof import('axe-core') };
      if (!win.axe) {
        const script = document.createElement('script');
        script.textContent = await (await fetch('/node_modules/axe-core/axe.min.js')).text();
        document.head.append(script);
      }
      for (const theme of ['light', 'dark']) {
        element.theme = theme;
        document.body.style.background = theme === 'dark' ? '#12151c' : '';
        await element.updateComplete;
        await frames();
        const results: AxeResults = await win.axe!.run(element, { resultTypes: ['violations'] });
        const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${theme}: ${v.id}: ${v.nodes.map((n) => n.failureSummary).join('; ')}`);
        expect(serious).to.deep.equal([]);
      }
    } finally {
      document.body.style.background = '';
      element.remove();
    }
  });
});

describe('<nn-compare> with a live <nn-scope>', () => {
  it('compares a scope trained one short epoch with a saved run of the same test set, and follows it live', async () => {
    // The saved run: another network on the same data, exported after its epoch.
    const reference = await addScope({ id: 'reference', view: 'none', epochs: '1', layers: '8', 'batch-size': '128' });
    let saved: Blob;
    try {
      let early = '';
      await reference.exportEvaluations().catch((e: Error) => (early = e.message));
      expect(early).to.equal('reference has no evaluation to save yet: it is recorded when an epoch ends.');
      await reference.start();
      saved = await reference.exportEvaluations();
      expect(reference.evaluations!.epochs.map((e) => e.epoch)).to.deep.equal([1]);
      // Imported weights are another model: the run's recorded epochs go with the old one.
      await reference.session!.importWeights(await reference.exportWeights());
      expect(reference.evaluations!.epochs).to.deep.equal([]);
    } finally {
      reference.remove();
    }
    const savedRun: RunEvaluations = JSON.parse(await saved.text());
    expect(savedRun).to.include({ format: 'nnscope-evaluations', version: 1, name: 'reference' } as never);

    const live = await addScope({ id: 'live', view: 'none', epochs: '1', layers: '16', 'batch-size': '128' });
    const element = await addCompare({ for: 'live' });
    try {
      await element.loadRun(saved, 'a'); // A: the saved reference; B: the live scope named in for
      await until(() => textOf(element, '.message').includes('Run B (live) has no evaluation yet'), 'the waiting message');
      expect(element.runs.map((run) => run?.name)).to.deep.equal(['reference', 'live']);
      const compared = new Promise<RunComparison>((resolve) => element.addEventListener('nn-compare', (e) => e.detail && resolve(e.detail)));
      await live.start();
      const comparison = await compared;
      const liveAccuracy = live.session!.evaluation!.accuracy;
      expect(comparison.a.name).to.equal('reference');
      expect(comparison.b).to.include({ name: 'live', epoch: 1 });
      expect(comparison.accuracyDelta).to.be.closeTo(liveAccuracy - savedRun.epochs[0].accuracy, 1e-12);
      const confusion = live.session!.evaluation!.confusion;
      expect(comparison.confusionDelta.counts[0][0]).to.equal(confusion[0][0] - savedRun.epochs[0].confusion[0][0]);
      await element.updateComplete;
      await frames();
      expect(textOf(element, '.runs')).to.include('live').and.include('16 · relu · sgd lr 0.01 · batch 128');
      // Both runs' curves are drawn: pixels of A's and of B's colour in the curves canvas.
      const canvas = shadow<HTMLCanvasElement>(element, 'canvas.curves');
      const image = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      const style = getComputedStyle(element);
      const colorOf = (name: string) => {
        const probe = document.createElement('canvas').getContext('2d')!;
        probe.fillStyle = style.getPropertyValue(name).trim();
        probe.fillRect(0, 0, 1, 1);
        return [...probe.getImageData(0, 0, 1, 1).data.slice(0, 3)];
      };
      const count = (rgb: number[]) => {
        let n = 0;
        for (let i = 0; i < image.length; i += 4) if (Math.abs(image[i] - rgb[0]) + Math.abs(image[i + 1] - rgb[1]) + Math.abs(image[i + 2] - rgb[2]) < 24) n++;
        return n;
      };
      expect(count(colorOf('--_run-a')), 'pixels of A').to.be.greaterThan(40);
      expect(count(colorOf('--_run-b')), 'pixels of B').to.be.greaterThan(40);
      // A reset of the live run clears its evaluations: the comparison goes, the message comes back.
      await live.reset();
      await until(() => !element.comparison && textOf(element, '.message').includes('Run B (live) has no evaluation yet'), 'the comparison to clear on reset');
      expect(live.evaluations!.epochs).to.deep.equal([]);
    } finally {
      element.remove();
      live.remove();
    }
  });
});
