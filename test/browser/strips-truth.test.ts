/**
 * What the strips show is what their labels say, frame by frame, while training runs and the test
 * images animate: the drawn input is the image whose number and class the element shows, and the
 * prediction it names is the argmax of the drawn output strip. The canvas pixels and the captions
 * are taken together in animation-frame callbacks: what one paint shows.
 */
import { expect } from '@esm-bundle/chai';
import type { NnStrips } from '../../src/elements/nn-strips.js';
import type { PanelSpec } from '../../src/views/panels.js';
import { addScope, smallDataset, until } from '../shared/element-fixture.js';
import { cellCentre, expected } from '../shared/view-pixels.js';

const shadow = (element: Element, selector: string) => element.shadowRoot!.querySelector(selector) as HTMLElement;
const text = (element: Element | null) => element?.textContent?.replace(/\s+/g, ' ').trim() ?? '';

/** What one paint shows: the two captions and the strips canvas, in the canvas's pixels. */
interface Frame {
  title: string;
  controls: string;
  image: ImageData;
}

/**
 * Keeps a copy of every frame the strips draw, taken in the task that submits it (the only time a
 * WebGPU canvas can be read back with drawImage): `latest()` is what the canvas presents.
 */
function copyEachFrame(strips: NnStrips): { latest(): ImageData; stop(): void } {
  const view = strips.view!;
  const canvas = view.canvas as HTMLCanvasElement;
  const copy = new OffscreenCanvas(canvas.width, canvas.height).getContext('2d', { willReadFrequently: true })!;
  const render = view.render;
  view.render = function (this: typeof view) {
    const drew = render.call(this);
    if (drew) {
      if (copy.canvas.width !== canvas.width || copy.canvas.height !== canvas.height) [copy.canvas.width, copy.canvas.height] = [canvas.width, canvas.height];
      copy.drawImage(canvas, 0, 0);
    }
    return drew;
  };
  return { latest: () => copy.getImageData(0, 0, copy.canvas.width, copy.canvas.height), stop: () => void (view.render = render) };
}

/** The captions and the canvas as the next paint shows them: read inside one animation-frame callback. */
function captureFrame(strips: NnStrips, controls: Element, frames: { latest(): ImageData }): Promise<Frame> {
  return new Promise((resolve) => requestAnimationFrame(() =>
    resolve({ title: text(shadow(strips, '.shown')), controls: text(shadow(controls, '.shown')), image: frames.latest() })));
}

function pixelAt(image: ImageData, [x, y]: [number, number]): number[] {
  const i = (Math.floor(y) * image.width + Math.floor(x)) * 4;
  return Array.from(image.data.subarray(i, i + 3));
}

/** Pearson correlation of two equally long series. */
function correlation(a: number[], b: ArrayLike<number>): number {
  const n = a.length;
  const mean = (v: ArrayLike<number>) => Array.from(v).reduce((sum, x) => sum + x, 0) / n;
  const [ma, mb] = [mean(a), mean(b)];
  let [ab, aa, bb] = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    ab += (a[i] - ma) * (b[i] - mb);
    aa += (a[i] - ma) ** 2;
    bb += (b[i] - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

/** The value in [0, 1] whose viridis colour is nearest to `rgb`. */
function viridisValue(rgb: number[]): number {
  let best = 0;
  let bestDistance = Infinity;
  for (let k = 0; k <= 255; k++) {
    const colour = expected('viridis', k / 255);
    const distance = colour.slice(0, 3).reduce((sum, c, i) => sum + (c - rgb[i]) ** 2, 0);
    if (distance < bestDistance) [best, bestDistance] = [k / 255, distance];
  }
  return best;
}

describe('layer strips while training', () => {
  it('draw the image, class and prediction their labels name, in every frame (animation at 10/s)', async () => {
    const data = await smallDataset();
    const scope = await addScope({ 'sample-rate': '10', epochs: '200', view: 'controls,strips,weights' });
    try {
      const session = await scope.whenReady();
      const strips = shadow(scope, 'nn-strips') as unknown as NnStrips;
      const controls = shadow(scope, 'nn-controls');
      await until(() => !!strips.view && !!session.shown, 'the first drawn sample');
      const copies = copyEachFrame(strips);
      await session.showSample(session.sample + 1); // a first frame drawn with the copier in place
      await until(() => session.shown?.index === session.sample, 'a frame drawn with the copier');
      const names = data.classNames;
      const pattern = new RegExp(`^test image #(\\d+): (${names.join('|')}), predicted (${names.join('|')})$`);
      void scope.start();
      await until(() => session.training && session.engine.stepCount > 0, 'training to run');

      const seen = new Set<number>();
      let frames = 0;
      const started = performance.now();
      while (frames < 20 || seen.size < 5) {
        expect(performance.now() - started, `20 frames showing 5 samples within 90 s (got ${frames} frames, ${seen.size} samples)`).to.be.below(90_000);
        const frame = await captureFrame(strips, controls, copies);
        expect(session.training, 'still training').to.equal(true);
        const match = pattern.exec(frame.title);
        expect(match, `strips title "${frame.title}"`).to.not.equal(null);
        const [, number, truth, predicted] = match!;
        const index = Number(number);
        expect(frame.controls, 'the controls name the same sample').to.equal(`#${index}: ${truth} → ${predicted}`);
        expect(truth).to.equal(names[data.test.labels[index]], `class of test image #${index}`);

        const specs = strips.view!.panelSpecs;
        const probe = scope.engine!.dictionary.probe;
        const input = specs.find((s) => s.source.buffer === probe.input.buffer && s.legendOf === undefined) as PanelSpec;
        const drawn = Array.from({ length: 784 }, (_, p) => 255 - pixelAt(frame.image, cellCentre(input, 0, p % 28, Math.floor(p / 28)))[0]); // one 28×28 tile, grey, inverted
        const pixels = data.test.images.subarray(index * 784, (index + 1) * 784);
        expect(correlation(drawn, pixels), `drawn input vs test image #${index}`).to.be.above(0.99);

        const outputs = probe.layers.at(-1)!.outputs;
        const output = specs.find((s) => s.source.buffer === outputs.buffer && s.legendOf === undefined) as PanelSpec;
        const probabilities = names.map((_, c) => viridisValue(pixelAt(frame.image, cellCentre(output, c))));
        const top = Math.max(...probabilities);
        // Ties within two colour steps cannot be told apart on screen: the named class must be (one of) the top.
        expect(probabilities[names.indexOf(predicted)], `drawn output of "${predicted}" (drawn: ${probabilities.map((p) => p.toFixed(2))})`).to.be.at.least(top - 2 / 255);
        seen.add(index);
        frames++;
      }
      console.log(`strips agreed with their labels in ${frames} frames showing ${seen.size} test images while training`);
    } finally {
      await scope.pause();
      scope.remove();
    }
  });
});
