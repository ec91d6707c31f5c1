/**
 * The app benchmark (workload "app" of `npm run bench`): training throughput inside a full
 * `<nn-scope>` — all views drawing, the test-image animation at 2 per second, per-chunk weight
 * change, history recording, checkpoints — against the bare engine with the same settings, in the
 * same page and run. Both run the same number of steps from the same seed.
 */
import { createEngine, type Dataset } from '../src/index.js';
import type { NnScope } from '../src/elements/index.js';
import '../src/elements/index.js';
import { describeError, type Log } from './bench-tfjs.js';

export interface AppResult {
  name: 'app';
  ok: boolean;
  error?: string;
  steps: number;
  stepsPerChunk: number;
  engineSamplesPerSecond: number;
  appSamplesPerSecond: number;
  /** Frames each view drew while the app trained (views drawn from results draw only on change). */
  framesPerView: Record<string, number>;
  samplesShown: number;
}

const STEPS = 320;

export async function runApp(data: Dataset, seed: number, log: Log): Promise<AppResult> {
  const result: AppResult = { name: 'app', ok: false, steps: STEPS, stepsPerChunk: 16, engineSamplesPerSecond: 0, appSamplesPerSecond: 0, framesPerView: {}, samplesShown: 0 };
  let scope: NnScope | undefined;
  try {
    // The peer: the bare engine, chunks of 16 like the element's, nothing drawn.
    const engine = await createEngine({ seed, stepsPerChunk: 16 });
    try {
      engine.setData(data);
      await engine.step(16); // warm-up
      const bare = await engine.step(STEPS);
      result.engineSamplesPerSecond = bare.samples / bare.seconds;
    } finally {
      engine.destroy();
    }
    log(`app: bare engine ${result.engineSamplesPerSecond.toFixed(0)} samples/s over ${STEPS} steps`);

    scope = document.createElement('nn-scope');
    scope.setAttribute('seed', String(seed));
    scope.setAttribute('sample-rate', '2');
    scope.style.cssText = 'display:block; width:1240px';
    scope.data = data;
    const ready = new Promise((resolve) => scope!.addEventListener('nn-ready', resolve, { once: true }));
    document.body.append(scope);
    await ready;
    const session = await scope.whenReady();
    await scope.step(16); // warm-up: pipelines of every view
    const parts = ['nn-strips', 'nn-weights', 'nn-confusion', 'nn-class-means'].map((tag) => scope!.shadowRoot!.querySelector(tag) as unknown as { localName: string; view?: { frames: number } });
    const before = parts.map((part) => part.view?.frames ?? 0);
    let shown = 0;
    session.addEventListener('sample', () => shown++);
    const start = performance.now();
    const stepBefore = session.engine.stepCount;
    await scope.step(STEPS);
    const seconds = (performance.now() - start) / 1000;
    result.appSamplesPerSecond = ((session.engine.stepCount - stepBefore) * session.engine.config.batchSize) / seconds;
    parts.forEach((part, i) => (result.framesPerView[part.localName] = (part.view?.frames ?? 0) - before[i]));
    result.samplesShown = shown;
    log(`app: <nn-scope> with every view ${result.appSamplesPerSecond.toFixed(0)} samples/s (${(result.appSamplesPerSecond / result.engineSamplesPerSecond).toFixed(2)}× the bare engine); ` +
      `frames while training: ${Object.entries(result.framesPerView).map(([k, v]) => `${k} ${v}`).join(', ')}; ${shown} test images shown`);
    result.ok = true;
  } catch (error) {
    result.error = describeError(error);
    log(`app: FAILED: ${result.error}`);
  } finally {
    scope?.remove();
  }
  return result;
}
