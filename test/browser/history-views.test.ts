/** Replaying the recorded history in the views: a snapshot's buffers are drawn, live ones are untouched. */
import { expect } from '@esm-bundle/chai';
import { gpuTest } from '../shared/gpu-test.js';
import { syntheticDataset } from '../shared/reference-run.js';
import { canvas, cellCentre, expectColor, expected, pixel, pixels } from '../shared/view-pixels.js';
import { createEngine } from '../../src/engine/engine.js';
import { LayerStripsView, WeightsView } from '../../src/views/index.js';

describe('history replay in the views', () => {
  it('weight textures draw a recorded snapshot, then the live weights again', () => gpuTest(async (device) => {
    const engine = await createEngine({ device, layers: [8], batchSize: 8, seed: 4, optimizer: { type: 'sgd', learningRate: 0.5, momentum: 0.9 } });
    const view = await WeightsView.create(device, canvas(600, 260), engine.dictionary, engine.config, { format: 'rgba8unorm', ranges: [{ low: -0.3, high: 0.3 }, { low: -1, high: 1 }] });
    try {
      engine.setData(syntheticDataset(64, 16, 5));
      const history = engine.recordHistory({ every: 4 });
      await engine.step(8);
      expect(history.snapshots.map((s) => s.step)).to.deep.equal([0, 4, 8]);
      const [initial, live] = [await history.read(0), await engine.readTrainingDictionary()];
      // Layer 2 heat map (8 inputs × 10 outputs): cell (row o, column i) is W[i, o].
      const colourAt = async (weights: Float32Array, what: string) => {
        view.render();
        const image = await pixels(view);
        const heat = view.panelSpecs.find((s) => s.columns === 8 && s.rows === 10)!;
        for (const [i, o] of [[0, 0], [3, 7], [7, 9], [Math.floor(mostMoved / 10), mostMoved % 10]]) {
          expectColor(pixel(image, ...cellCentre(heat, o * 8 + i)), expected('diverging', (weights[i * 10 + o] + 1) / 2), `${what} W[${i}, ${o}]`);
        }
      };
      const moves = Array.from(initial[1].weights, (w, i) => Math.abs(w - live[1].weights[i]));
      const mostMoved = moves.indexOf(Math.max(...moves));
      expect(moves[mostMoved], 'training moved layer 2').to.be.greaterThan(0.05);
      view.showSnapshot(history, history.snapshots[0]);
      expect(view.shownSnapshot?.step).to.equal(0);
      await colourAt(initial[1].weights, 'step 0');
      view.showLive();
      await colourAt(live[1].weights, 'live');
      // A snapshot the history no longer holds (recording restarted): the view returns to live.
      view.showSnapshot(history, history.snapshots[1]);
      engine.reset();
      await colourAt((await engine.readTrainingDictionary())[1].weights, 'after reset');
      expect(view.shownSnapshot).to.equal(undefined);
      expect(() => view.showSnapshot(history, { step: 0, epoch: 0, stepInEpoch: 0, groups: {} })).to.throw(/not in that history/);
    } finally {
      view.destroy();
      engine.destroy();
    }
  }));

  it('strips show the outputs of a snapshot forward pass, which differ from the live ones', () => gpuTest(async (device) => {
    const engine = await createEngine({ device, layers: [6], batchSize: 8, seed: 3, optimizer: { type: 'sgd', learningRate: 0.5, momentum: 0.9 } });
    const view = await LayerStripsView.create(device, canvas(600, 300), engine.dictionary, engine.config, { classNames: [], format: 'rgba8unorm', outputRange: [{ low: 0, high: 1 }, { low: 0, high: 1 }] });
    try {
      engine.setData(syntheticDataset(64, 16, 5));
      const history = engine.recordHistory({ every: 5 });
      await engine.step(10);
      const stripColours = async () => {
        view.render();
        const image = await pixels(view);
        const hidden = view.panelSpecs[2];
        return Array.from({ length: 6 }, (_, j) => pixel(image, ...cellCentre(hidden, j)));
      };
      await engine.forward([3], { snapshot: history.snapshots[0] });
      const atStart = (await engine.dictionary.readProbe(1)).layers[0].outputs.slice(0, 6);
      const replayed = await stripColours();
      replayed.forEach((colour, j) => expectColor(colour, expected('viridis', atStart[j]), `step-0 hidden ${j}`));
      await engine.forward([3]);
      const live = await stripColours();
      expect(live.some((colour, j) => colour.some((c, k) => Math.abs(c - replayed[j][k]) > 8)), 'live outputs differ from step 0').to.equal(true);
    } finally {
      view.destroy();
      engine.destroy();
    }
  }));
});
