/**
 * Regression images of the views: a fixed network (seeded init, three seeded steps, one probed
 * sample) drawn at a fixed size must look like the committed baseline within 0.5% of pixels.
 */
import { visualDiff } from '@web/test-runner-visual-regression';
import { gpuTest } from '../shared/gpu-test.js';
import { syntheticDataset } from '../shared/reference-run.js';
import { createEngine } from '../../src/engine/engine.js';
import { LayerStripsView, WeightsView, type CanvasView } from '../../src/views/index.js';

function attachedCanvas(width: number, height: number): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.style.cssText = `display:block;width:${width}px;height:${height}px`;
  document.body.append(canvas);
  return canvas;
}

describe('view regression images', () => {
  it('layer strips and weight textures look like their baselines', () => gpuTest(async (device) => {
    const engine = await createEngine({ device, layers: [24, 16], batchSize: 16, seed: 11, activation: 'sigmoid' });
    const views: CanvasView[] = [];
    try {
      engine.setData(syntheticDataset(64, 16, 3));
      await engine.step(3);
      await engine.forward([2]);
      const names = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
      const strips = await LayerStripsView.create(device, attachedCanvas(560, 300), engine.dictionary, engine.config, { classNames: names });
      views.push(strips);
      const weights = await WeightsView.create(device, attachedCanvas(560, 240), engine.dictionary, engine.config);
      views.push(weights);
      for (const view of views) {
        view.render();
        await view.idle();
      }
      await visualDiff(strips.canvas as HTMLCanvasElement, 'layer-strips');
      await visualDiff(weights.canvas as HTMLCanvasElement, 'weight-textures');
    } finally {
      views.forEach((view) => {
        view.destroy();
        (view.canvas as HTMLCanvasElement).remove();
      });
      engine.destroy();
    }
  }));
});
