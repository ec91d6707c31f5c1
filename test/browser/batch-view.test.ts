/**
 * The training batch view (issue #14): every image of the last training batch, as gathered and
 * augmented on the GPU, drawn as a tile from `dictionary.training.input`. Cells are checked
 * against the batch read back (grey through the colormap, RGB as its colours, values beyond the
 * range clipped), and the view follows training to the next batch.
 */
import { expect } from '@esm-bundle/chai';
import { gpuTest } from '../shared/gpu-test.js';
import { createEngine } from '../../src/engine/engine.js';
import { BatchGridView } from '../../src/views/index.js';
import type { ImageSet } from '../../src/data/dataset.js';
import { canvas, cellCentre, expectColor, expected, pixel, pixels } from '../shared/view-pixels.js';

const [ROWS, COLS] = [12, 10];

function randomSet(count: number, channels: 1 | 3, seed: number): ImageSet {
  let state = seed;
  const random = () => ((state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const images = Uint8Array.from({ length: count * ROWS * COLS * channels }, () => Math.floor(random() * 256));
  return { images, labels: Uint8Array.from({ length: count }, (_, i) => i % 3), count, rows: ROWS, cols: COLS, channels };
}

const clip = (t: number) => Math.min(1, Math.max(0, t));

describe('training batch view', () => {
  for (const channels of [1, 3] as const) {
    it(`${channels === 1 ? 'grey' : 'RGB'} batch augmented with flip and noise: each tile's cells have the read-back values' colours, and the next batch replaces them`, () => gpuTest(async (device) => {
      const symmetric = channels === 3;
      const engine = await createEngine({
        device, shape: { rows: ROWS, cols: COLS, channels, classes: 3 }, layers: [6], batchSize: 7, seed: 2,
        augment: 'flip, noise 0.3', inputScale: symmetric ? 'symmetric' : 'unit',
      });
      const range = symmetric ? { low: -1, high: 1 } : { low: 0, high: 1 };
      const view = await BatchGridView.create(device, canvas(500, 160), engine.dictionary, { format: 'rgba8unorm', range });
      try {
        engine.setData({ train: randomSet(20, channels, 5), test: randomSet(6, channels, 6), classNames: ['a', 'b', 'c'] });
        let clipped = 0;
        for (const step of [1, 2]) {
          await engine.step(1);
          view.render();
          const image = await pixels(view);
          const { input } = await engine.readTrainingBatch();
          const [spec] = view.panelSpecs;
          expect([spec!.tiles, spec!.tileWidth, spec!.tileHeight]).to.deep.equal([7, COLS, ROWS]);
          const pixelsPerImage = ROWS * COLS * channels;
          for (const tile of [0, 3, 6]) {
            for (const [x, y] of [[0, 0], [COLS - 1, ROWS - 1], [4, 7]] as const) {
              const at = tile * pixelsPerImage + (y * COLS + x) * channels;
              const t = [0, 1, 2].slice(0, channels).map((c) => (input[at + c]! - range.low) / (range.high - range.low));
              clipped += t.filter((v) => v < 0 || v > 1).length;
              const want = channels === 1 ? expected('grayInverted', t[0]!) : t.map((v) => Math.round(clip(v) * 255));
              const [px, py] = cellCentre(spec!, tile, x, y);
              expectColor(pixel(image, px, py), want, `step ${step}, image ${tile}, pixel (${x}, ${y}) = ${t.map((v) => v.toFixed(3))}`, 2);
            }
          }
        }
        expect(clipped, 'noise 0.3 pushes some values past the range (clipped to its ends)').to.be.above(0);
      } finally {
        view.destroy();
        engine.destroy();
      }
    }));
  }

  it('the grid fits the most pixels per image: 128 Fashion-MNIST images in 1200 × 330', () => {
    const grid = BatchGridView.grid(128, { rows: 28, cols: 28 }, 1200, 330, 2);
    expect(grid.columns * grid.rows).to.be.at.least(128);
    expect(grid.columns * (28 * grid.pitch + 2) - 2).to.be.at.most(1200 + 1e-9);
    expect(grid.rows * (28 * grid.pitch + 2) - 2).to.be.at.most(330 + 1e-9);
    for (const columns of [grid.columns - 1, grid.columns + 1]) {
      const rows = Math.ceil(128 / columns);
      const pitch = Math.min((1202 / columns - 2) / 28, (332 / rows - 2) / 28);
      expect(pitch, `${columns} columns`).to.be.at.most(grid.pitch);
    }
  });
});
