/**
 * Regression images of the views: a fixed network (seeded init, three seeded steps, one probed
 * sample) drawn at a fixed size must look like the committed baseline within 0.5% of pixels.
 */
import { visualDiff } from '@web/test-runner-visual-regression';
import { gpuTest } from '../shared/gpu-test.js';
import { syntheticDataset } from '../shared/reference-run.js';
import { createEngine } from '../../src/engine/engine.js';
import { FASHION_MNIST_CLASSES } from '../../src/data/dataset.js';
import { ClassMeansView, ConfusionView, LayerStripsView, WeightsView, type CanvasView } from '../../src/views/index.js';

const names = [...FASHION_MNIST_CLASSES];

function attachedCanvas(width: number, height: number): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.style.cssText = `display:block;width:${width}px;height:${height}px`;
  document.body.append(canvas);
  return canvas;
}

/** Draws each view once, then compares each with its baseline image. */
async function expectBaselines(shots: [CanvasView, string][]): Promise<void> {
  for (const [view] of shots) {
    view.render();
    await view.idle();
  }
  for (const [view, name] of shots) await visualDiff(view.canvas as HTMLCanvasElement, name);
}

function destroyAll(views: CanvasView[]): void {
  views.forEach((view) => {
    view.destroy();
    (view.canvas as HTMLCanvasElement).remove();
  });
}

describe('view regression images', () => {
  it('layer strips and weight textures look like their baselines', () => gpuTest(async (device) => {
    const engine = await createEngine({ device, layers: [24, 16], batchSize: 16, seed: 11, activation: 'sigmoid' });
    const views: CanvasView[] = [];
    try {
      engine.setData(syntheticDataset(64, 16, 3));
      await engine.step(3);
      await engine.forward([2]);
      const strips = await LayerStripsView.create(device, attachedCanvas(560, 300), engine.dictionary, engine.config, { classNames: names });
      views.push(strips);
      const weights = await WeightsView.create(device, attachedCanvas(560, 240), engine.dictionary, engine.config);
      views.push(weights);
      await expectBaselines([[strips, 'layer-strips'], [weights, 'weight-textures']]);
    } finally {
      destroyAll(views);
      engine.destroy();
    }
  }));

  it('the confusion matrix and the class means (compare mode) look like their baselines', () => gpuTest(async (device) => {
    // A fixed matrix shaped like a real one: strong diagonal, pullover/coat/shirt errors.
    const confusion = names.map((_, t) => names.map((_, p) => (t === p ? 800 + 17 * t : ((t * 7 + p * 3) % 11) * ([2, 4, 6].includes(t) && [2, 4, 6].includes(p) ? 15 : 2))));
    const sizes = [784, 24, 16, 10];
    const classMeans = sizes.slice(1).map((width, l) => {
      const activated = Float32Array.from({ length: 10 * width }, (_, i) => Math.max(0, Math.sin(i * 0.37 + l) + 0.3 * Math.cos(Math.floor(i / width) * 1.3)));
      return { raw: activated.map((v, i) => v - 0.5 * Math.cos(i)), activated };
    });
    const views: CanvasView[] = [];
    try {
      const matrix = await ConfusionView.create(device, attachedCanvas(480, 420), { classNames: names });
      views.push(matrix);
      matrix.setConfusion(confusion);
      matrix.select(4, 6);
      const means = await ClassMeansView.create(device, attachedCanvas(720, 520), sizes, { classNames: names });
      views.push(means);
      means.setClassMeans(classMeans);
      means.compare(2, 6);
      await expectBaselines([[matrix, 'confusion-matrix'], [means, 'class-means-compare']]);
    } finally {
      destroyAll(views);
    }
  }));
});
