/**
 * The views benchmark (workload "views" of `npm run bench`): frames per second of the full view
 * (all layer strips + all weight textures of the reference network, 1280×800 in two canvases)
 * alone and while training; training throughput with the views on versus off; and the naive
 * peer a user would write instead: read the same buffers back every frame and draw them with
 * Canvas 2D, in the same page and run.
 */
import { createEngine, type Dataset, type EngineOptions } from '../src/index.js';
import { LayerStripsView, WeightsView, colormapColor, type CanvasView, type ColormapName } from '../src/views/index.js';
import { readRanges } from '../src/gpu/readback.js';
import { elementIndex, panelGrid, type PanelSpec } from '../src/views/panels.js';
import { describeError, type Log } from './bench-tfjs.js';

export interface ViewsResult {
  name: 'views';
  ok: boolean;
  error?: string;
  size: { width: number; height: number };
  /** Zero-copy views drawn back to back (each frame waits for the GPU). */
  framesPerSecondAlone: number;
  /** Training samples/s for the same steps, views off and on (views asked for a frame every 16 ms). */
  stepsPerChunk: number;
  trainSamplesPerSecondViewsOff: number;
  trainSamplesPerSecondViewsOn: number;
  framesPerSecondWhileTraining: number;
  /** Read back + Canvas 2D, drawn back to back. */
  naiveFramesPerSecond: number;
}

const WIDTH = 1280;
const HALF_HEIGHT = 400;
const SECONDS = 5;

function addCanvas(): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = WIDTH;
  canvas.height = HALF_HEIGHT;
  canvas.style.cssText = `width:${WIDTH}px;height:${HALF_HEIGHT}px;display:block`;
  document.body.append(canvas);
  return canvas;
}

/** The naive peer: every frame reads each panel's values back and paints its cells with fillRect. */
async function drawNaively(device: GPUDevice, panels: readonly PanelSpec[], context: CanvasRenderingContext2D, ranges: [number, number][]) {
  const data = panels.filter((p) => p.legendOf === undefined);
  const arrays = await readRanges(device, data.map((p) => p.source));
  context.fillStyle = '#fff';
  context.fillRect(0, 0, WIDTH, HALF_HEIGHT);
  data.forEach((spec, i) => {
    const values = arrays[i];
    const [low, high] = ranges[panels.indexOf(spec)];
    const grid = panelGrid(spec);
    for (let tile = 0; tile < grid.tiles; tile++) {
      const [tx, ty] = [tile % spec.columns, Math.floor(tile / spec.columns)];
      for (let cell = 0; cell < grid.tileWidth * grid.tileHeight; cell++) {
        const value = values[elementIndex(spec, tile, cell)];
        const [r, g, b] = colormapColor(spec.colormap as ColormapName, high > low ? (value - low) / (high - low) : 0.5);
        context.fillStyle = `rgb(${r},${g},${b})`;
        const x = spec.rect.x + tx * grid.pitchX + (cell % grid.tileWidth) * grid.cellWidth;
        const y = spec.rect.y + ty * grid.pitchY + Math.floor(cell / grid.tileWidth) * grid.cellHeight;
        context.fillRect(x, y, Math.ceil(grid.cellWidth), Math.ceil(grid.cellHeight));
      }
    }
  });
}

export async function runViews(options: EngineOptions, data: Dataset, log: Log): Promise<ViewsResult> {
  const result: ViewsResult = {
    name: 'views', ok: false, stepsPerChunk: options.stepsPerChunk ?? 32, size: { width: WIDTH, height: 2 * HALF_HEIGHT },
    framesPerSecondAlone: 0, trainSamplesPerSecondViewsOff: 0, trainSamplesPerSecondViewsOn: 0, framesPerSecondWhileTraining: 0, naiveFramesPerSecond: 0,
  };
  const engine = await createEngine(options);
  const views: CanvasView[] = [];
  try {
    engine.setData(data);
    const device = engine.device;
    views.push(await LayerStripsView.create(device, addCanvas(), engine.dictionary, engine.config, { classNames: data.classNames }));
    views.push(await WeightsView.create(device, addCanvas(), engine.dictionary, engine.config));
    await engine.step(20); // warm-up: pipelines, first chunks
    const frame = () => views.forEach((view) => view.render());

    let frames = 0;
    let start = performance.now();
    while (performance.now() - start < SECONDS * 1000) {
      frame();
      await Promise.all(views.map((view) => view.idle()));
      frames++;
    }
    result.framesPerSecondAlone = frames / ((performance.now() - start) / 1000);
    log(`views: ${result.framesPerSecondAlone.toFixed(1)} frames/s alone (${WIDTH}×${2 * HALF_HEIGHT}, strips + weights)`);

    const steps = 160;
    const off = await engine.step(steps);
    result.trainSamplesPerSecondViewsOff = off.samples / off.seconds;
    // Views asked for a frame every 16 ms; each draws only when its last frame is done.
    let training = true;
    const drawnBefore = views[1].frames;
    start = performance.now();
    const paced = (async () => {
      while (training) {
        frame();
        await new Promise((resolve) => setTimeout(resolve, 16));
      }
    })();
    const on = await engine.step(steps);
    training = false;
    await paced;
    result.framesPerSecondWhileTraining = (views[1].frames - drawnBefore) / ((performance.now() - start) / 1000);
    result.trainSamplesPerSecondViewsOn = on.samples / on.seconds;
    log(`views: training ${result.trainSamplesPerSecondViewsOff.toFixed(0)} samples/s with views off, ${result.trainSamplesPerSecondViewsOn.toFixed(0)} with views on ` +
      `(${(result.trainSamplesPerSecondViewsOn / result.trainSamplesPerSecondViewsOff).toFixed(2)}×) at ${result.framesPerSecondWhileTraining.toFixed(1)} frames/s`);

    const canvases = [addCanvas(), addCanvas()].map((c) => c.getContext('2d')!);
    const ranges = await Promise.all(views.map((view) => view.readRanges()));
    frames = 0;
    start = performance.now();
    while (performance.now() - start < SECONDS * 1000) {
      await Promise.all(views.map((view, i) => drawNaively(device, view.panelSpecs, canvases[i], ranges[i])));
      frames++;
    }
    result.naiveFramesPerSecond = frames / ((performance.now() - start) / 1000);
    log(`views: naive read-back + Canvas 2D ${result.naiveFramesPerSecond.toFixed(1)} frames/s; zero-copy / naive ${(result.framesPerSecondAlone / result.naiveFramesPerSecond).toFixed(2)}×`);
    result.ok = true;
  } catch (error) {
    result.error = describeError(error);
    log(`views: FAILED: ${result.error}`);
  } finally {
    views.forEach((view) => view.destroy());
    engine.destroy();
  }
  return result;
}
