/**
 * The app benchmark (workload "app" of `npm run bench`): training inside a full `<nn-scope>` — the
 * views, the test-image animation at 2 per second, per-chunk weight change, history recording,
 * checkpoints — against the bare engine with the same settings, in the same page and run. It
 * reports training throughput and the page's frames per second while training, for:
 *   the bare engine (chunks of 16, nothing drawn);
 *   <nn-scope view="none"> (no views: chunks of 16);
 *   <nn-scope> with every view, chunks of 16 (the pacing before issue #10);
 *   <nn-scope> with every view, paced chunks (sized from the measured GPU time per step).
 * Every configuration runs the same number of steps.
 */
import { createEngine, type Dataset } from '../src/index.js';
import '../src/elements/index.js';
import { describeError, type Log } from './bench-tfjs.js';

export interface AppRun {
  label: string;
  samplesPerSecond: number;
  /** requestAnimationFrame callbacks per second while training: the page's frame rate. */
  pageFramesPerSecond: number;
  /** Frames the weights view drew per second while training (0 where it is not shown). */
  weightsFramesPerSecond: number;
  /** Frames each view drew while training (views drawn from results draw only on change). */
  framesPerView: Record<string, number>;
  samplesShown: number;
  /** Longest gap between two page frames, in ms. */
  longestFrameGapMs: number;
  /** GPU time per step the engine measured, ms. */
  msPerStep?: number;
}

export interface AppResult {
  name: 'app';
  ok: boolean;
  error?: string;
  steps: number;
  runs: AppRun[];
}

const STEPS = 320;

/** Counts animation frames until stopped: the page's frame rate while something else runs. */
function frameCounter() {
  let frames = 0;
  let last = performance.now();
  let longest = 0;
  let id = 0;
  const tick = (now: number) => {
    frames++;
    longest = Math.max(longest, now - last);
    last = now;
    id = requestAnimationFrame(tick);
  };
  id = requestAnimationFrame(tick);
  return { stop: () => (cancelAnimationFrame(id), { frames, longest }) };
}

async function runBare(data: Dataset, seed: number): Promise<AppRun> {
  const engine = await createEngine({ seed, stepsPerChunk: 16 });
  try {
    engine.setData(data);
    await engine.step(16); // warm-up
    const counter = frameCounter();
    const stats = await engine.step(STEPS);
    const { frames, longest } = counter.stop();
    return { label: 'bare engine', samplesPerSecond: stats.samples / stats.seconds, pageFramesPerSecond: frames / stats.seconds, weightsFramesPerSecond: 0, framesPerView: {}, samplesShown: 0, longestFrameGapMs: longest, msPerStep: engine.msPerStep };
  } finally {
    engine.destroy();
  }
}

async function runScope(data: Dataset, seed: number, label: string, { view, pacing }: { view: string; pacing: boolean }): Promise<AppRun> {
  const scope = document.createElement('nn-scope');
  try {
    scope.setAttribute('seed', String(seed));
    scope.setAttribute('sample-rate', '2');
    scope.setAttribute('view', view);
    scope.style.cssText = 'display:block; width:1240px';
    scope.data = data;
    const ready = new Promise((resolve) => scope.addEventListener('nn-ready', resolve, { once: true }));
    document.body.append(scope);
    await ready;
    const session = await scope.whenReady();
    session.pacing = pacing;
    await scope.step(16); // warm-up: pipelines of every view, a first measure of the step time
    const parts = ['nn-strips', 'nn-weights', 'nn-confusion', 'nn-class-means']
      .map((tag) => scope.shadowRoot!.querySelector(tag) as unknown as { localName: string; view?: { frames: number } } | null)
      .filter((part) => part !== null);
    const before = parts.map((part) => part.view?.frames ?? 0);
    let shown = 0;
    session.addEventListener('sample', () => shown++);
    const counter = frameCounter();
    const start = performance.now();
    const stepBefore = session.engine.stepCount;
    await scope.step(STEPS);
    const seconds = (performance.now() - start) / 1000;
    const { frames, longest } = counter.stop();
    const framesPerView = Object.fromEntries(parts.map((part, i) => [part.localName, (part.view?.frames ?? 0) - before[i]]));
    return {
      label, samplesPerSecond: ((session.engine.stepCount - stepBefore) * session.engine.config.batchSize) / seconds,
      pageFramesPerSecond: frames / seconds, weightsFramesPerSecond: (framesPerView['nn-weights'] ?? 0) / seconds,
      framesPerView, samplesShown: shown, longestFrameGapMs: longest, msPerStep: session.engine.msPerStep,
    };
  } finally {
    scope.remove();
  }
}

export async function runApp(data: Dataset, seed: number, log: Log): Promise<AppResult> {
  const result: AppResult = { name: 'app', ok: false, steps: STEPS, runs: [] };
  const report = (run: AppRun) => {
    result.runs.push(run);
    log(`app: ${run.label}: ${run.samplesPerSecond.toFixed(0)} samples/s, page ${run.pageFramesPerSecond.toFixed(1)} frames/s ` +
      `(longest gap ${run.longestFrameGapMs.toFixed(0)} ms), weights view ${run.weightsFramesPerSecond.toFixed(1)} frames/s, ${run.samplesShown} test images shown`);
  };
  try {
    report(await runBare(data, seed));
    report(await runScope(data, seed, '<nn-scope view="none">', { view: 'none', pacing: true }));
    report(await runScope(data, seed, '<nn-scope>, every view, chunks of 16 (before)', { view: 'all', pacing: false }));
    report(await runScope(data, seed, '<nn-scope>, every view, paced chunks', { view: 'all', pacing: true }));
    result.ok = true;
  } catch (error) {
    result.error = describeError(error);
    log(`app: FAILED: ${result.error}`);
  }
  return result;
}
