/**
 * The benchmark page (driven by scripts/bench.mjs; `npm run bench`): nnscope and TensorFlow.js
 * (webgpu and wasm backends) train the same reference MLP on the same Fashion-MNIST arrays in this
 * one page, one after the other, then the nnfs preset runs; the cnn workloads do the same with the
 * CNN preset's network on a subset of the data. Progress goes to the console as
 * "[bench] …" lines; the result goes to `window.benchDone(result)` and `window.benchResult`.
 * Options come as JSON in the `config` query parameter (see BenchConfig).
 */
import { createEngine, loadFashionMnist, presets, type Dataset, type Engine, type EngineOptions, type ImageSet } from '../src/index.js';
import { runViews, type ViewsResult } from './bench-views.js';
import { runApp, type AppResult } from './bench-app.js';
import { cnnFlopsPerSample, inferenceFlopsPerSample, runProbe, trainingFlopsPerSample, type ProbeResult } from './bench-probe.js';
import { requestDevice } from '../src/gpu/device.js';
import { resolveConfig } from '../src/engine/config.js';
import { describeError, jsHeapMiB, median, runTfjs, summarizeTraining, type EpochRecord, type Log, type RunResult } from './bench-tfjs.js';

export const WORKLOADS = ['probe', 'nnscope', 'augment', 'tfjs-webgpu', 'tfjs-wasm', 'nnfs', 'views', 'app', 'cnn', 'tfjs-webgpu-cnn', 'tfjs-wasm-cnn'] as const;
/** The `augment` workload's default: the reference workload with every kind of GPU augmentation on (issue #14). */
export const BENCH_AUGMENT = 'shift 2, flip, rotate 10, noise 0.1, cutout 8';
export type Workload = (typeof WORKLOADS)[number];

export interface BenchConfig {
  /** Epochs of the reference workload (nnscope, tfjs-webgpu, tfjs-wasm). */
  epochs: number;
  /** Epochs of the nnfs preset. */
  nnfsEpochs: number;
  /** Train on the first N training images only (null: all 60,000). The test set is always whole. */
  trainSubset: number | null;
  only: Workload[];
  /** Timed passes over the test set after training; their median is the inference figure. */
  inferenceRepeats: number;
  yieldEvery: 'auto' | 'batch' | 'epoch' | 'never';
  seed: number;
  /** XNNPACK threads of TF.js's wasm backend; null: its default. */
  wasmThreads: number | null;
  /** Epochs of the CNN workloads (cnn, tfjs-webgpu-cnn, tfjs-wasm-cnn). */
  cnnEpochs: number;
  /** The CNN workloads train on the first N training images (convolutions are slow on a CPU adapter). */
  cnnSubset: number;
  /** …and test on the first N test images: the epoch's test accuracy and the timed inference passes. */
  cnnTestSubset: number;
  /** The `augment` workload's augment text. */
  augment: string;
}

const DEFAULTS: BenchConfig = {
  epochs: 5,
  nnfsEpochs: presets.nnfs.epochs,
  trainSubset: null,
  only: [...WORKLOADS],
  inferenceRepeats: 3,
  yieldEvery: 'auto',
  seed: 1,
  wasmThreads: null,
  cnnEpochs: 1,
  cnnSubset: 5000,
  cnnTestSubset: 2000,
  augment: BENCH_AUGMENT,
};

declare global {
  interface Window {
    benchDone?: (result: unknown) => Promise<void>;
    benchResult?: unknown;
  }
}

const logElement = document.getElementById('log');
const log: Log = (line) => {
  console.log(`[bench] ${line}`);
  if (logElement) logElement.textContent += line + '\n';
};

/** With views on, smaller chunks let frames in between (a frame waits for the chunks queued before it). */
const VIEWS_STEPS_PER_CHUNK = 8;

/** The reference workload in nnscope's terms. */
function referenceOptions(seed: number): EngineOptions {
  return {
    layers: [128, 128],
    activation: 'relu',
    optimizer: { type: 'sgd', learningRate: 0.01, momentum: 0.9, decay: 0 },
    batchSize: 128,
    seed,
    init: 'glorot',
    inputScale: 'unit',
  };
}

function subset(set: ImageSet, count: number | null): ImageSet {
  if (count === null || count >= set.count) return set;
  const pixels = set.rows * set.cols;
  return { images: set.images.subarray(0, count * pixels), labels: set.labels.subarray(0, count), count, rows: set.rows, cols: set.cols };
}

function adapterSummary(info: GPUAdapterInfo | undefined) {
  return info ? { vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description } : null;
}

async function runNnscope(name: string, options: EngineOptions, epochs: number, data: Dataset, config: BenchConfig): Promise<RunResult> {
  const result: RunResult = { name, ok: false, setupSeconds: 0, epochs: [], train: null, inference: null, testAccuracy: {}, info: {} };
  const setupStart = performance.now();
  let engine: Engine | undefined;
  try {
    engine = await createEngine(options);
    engine.setData(data);
    await engine.device.queue.onSubmittedWorkDone();
    result.setupSeconds = (performance.now() - setupStart) / 1000;
    result.info = { adapter: adapterSummary(engine.device.adapterInfo), config: engine.config, stepsPerEpoch: engine.stepsPerEpoch };
    log(`${name}: engine ready in ${result.setupSeconds.toFixed(1)} s, ${engine.stepsPerEpoch} steps per epoch, ${JSON.stringify(engine.config)}`);

    for (let epoch = 1; epoch <= epochs; epoch++) {
      const start = performance.now();
      let lastLog = start;
      const stats = await engine.trainEpoch({
        onProgress: (p) => {
          const now = performance.now();
          if (now - lastLog < 10_000) return;
          lastLog = now;
          log(`${name} epoch ${epoch}/${epochs}: step ${p.stepInEpoch}/${p.stepsPerEpoch}, ${p.samplesPerSecond.toFixed(0)} samples/s, loss ${p.loss.toFixed(4)}`);
        },
      });
      const trainSeconds = (performance.now() - start) / 1000;
      const evalStart = performance.now();
      const evaluation = await engine.evaluate();
      const evalSeconds = (performance.now() - evalStart) / 1000;
      const record: EpochRecord & { engineSamplesPerSecond: number } = {
        epoch,
        samples: stats.samples,
        trainSeconds,
        trainSamplesPerSecond: stats.samples / trainSeconds,
        engineSamplesPerSecond: stats.samplesPerSecond,
        trainLoss: stats.loss,
        trainAccuracy: stats.accuracy,
        testAccuracy: evaluation.accuracy,
        testLoss: evaluation.loss,
        evalSeconds,
        evalSamplesPerSecond: data.test.count / evalSeconds,
        jsHeapMiB: jsHeapMiB(),
      };
      result.epochs.push(record);
      result.testAccuracy[epoch] = record.testAccuracy;
      log(
        `${name} epoch ${epoch}/${epochs}: ${record.trainSamplesPerSecond.toFixed(0)} samples/s (${trainSeconds.toFixed(1)} s), ` +
          `loss ${record.trainLoss.toFixed(4)}, train acc ${(record.trainAccuracy * 100).toFixed(2)}%, ` +
          `test acc ${(record.testAccuracy * 100).toFixed(2)}%, test loss ${evaluation.loss.toFixed(4)}`,
      );
    }
    result.train = summarizeTraining(result.epochs);

    const seconds: number[] = [];
    for (let r = 0; r < config.inferenceRepeats; r++) {
      const start = performance.now();
      await engine.evaluate();
      seconds.push((performance.now() - start) / 1000);
    }
    result.inference = { samples: data.test.count, seconds, samplesPerSecond: data.test.count / median(seconds) };
    log(`${name}: inference ${result.inference.samplesPerSecond.toFixed(0)} samples/s (median of ${seconds.length} evaluate() calls over ${data.test.count})`);
    result.ok = true;
  } catch (error) {
    result.error = describeError(error);
    log(`${name}: FAILED: ${result.error}`);
  } finally {
    engine?.destroy();
  }
  return result;
}

function readConfig(): BenchConfig {
  const raw = new URLSearchParams(location.search).get('config');
  const config = { ...DEFAULTS, ...(raw ? (JSON.parse(raw) as Partial<BenchConfig>) : {}) };
  const unknown = config.only.filter((w) => !WORKLOADS.includes(w));
  if (unknown.length) throw new Error(`unknown workload(s) ${unknown.join(', ')}; choose from ${WORKLOADS.join(', ')}`);
  return config;
}

async function main() {
  const started = performance.now();
  const config = readConfig();
  const result: Record<string, unknown> & { runs: Record<string, RunResult | ViewsResult | AppResult | ProbeResult> } = {
    benchmark: 'nnscope vs TensorFlow.js on Fashion-MNIST: 784-128-128-10 MLP, and the CNN preset',
    startedAt: new Date().toISOString(),
    config,
    userAgent: navigator.userAgent,
    hardwareConcurrency: navigator.hardwareConcurrency,
    crossOriginIsolated: globalThis.crossOriginIsolated,
    runs: {},
  };
  const adapter = await navigator.gpu?.requestAdapter({ powerPreference: 'high-performance' });
  result.adapter = adapter
    ? {
        ...adapterSummary(adapter.info),
        isFallbackAdapter: (adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter,
        features: [...adapter.features].sort(),
        limits: {
          maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
          maxBufferSize: adapter.limits.maxBufferSize,
          maxComputeInvocationsPerWorkgroup: adapter.limits.maxComputeInvocationsPerWorkgroup,
          maxComputeWorkgroupStorageSize: adapter.limits.maxComputeWorkgroupStorageSize,
          maxStorageBuffersPerShaderStage: adapter.limits.maxStorageBuffersPerShaderStage,
        },
      }
    : null;
  log(`user agent: ${navigator.userAgent}`);
  log(`adapter: ${JSON.stringify(adapterSummary(adapter?.info))}`);

  const loadStart = performance.now();
  const full = await loadFashionMnist('/data/');
  const data: Dataset = { ...full, train: subset(full.train, config.trainSubset) };
  result.data = { train: data.train.count, test: data.test.count, loadSeconds: (performance.now() - loadStart) / 1000 };
  log(`data: ${data.train.count} train / ${data.test.count} test images loaded in ${((performance.now() - loadStart) / 1000).toFixed(1)} s`);
  const cnnData: Dataset = { ...full, train: subset(full.train, config.cnnSubset), test: subset(full.test, config.cnnTestSubset) };
  result.cnnData = { train: cnnData.train.count, test: cnnData.test.count };

  const workload = { model: 'mlp' as const, epochs: config.epochs, inferenceRepeats: config.inferenceRepeats, yieldEvery: config.yieldEvery, seed: config.seed, wasmThreads: config.wasmThreads };
  const cnnWorkload = { ...workload, model: 'cnn' as const, epochs: config.cnnEpochs };
  for (const name of WORKLOADS) {
    if (!config.only.includes(name)) continue;
    log(`── ${name} ──`);
    let run: RunResult | ViewsResult | AppResult | ProbeResult;
    if (name === 'probe') {
      const device = await requestDevice();
      run = await runProbe(device, log);
      device.destroy();
    } else if (name === 'app') run = await runApp(data, config.seed, log);
    else if (name === 'views') run = await runViews({ ...referenceOptions(config.seed), stepsPerChunk: VIEWS_STEPS_PER_CHUNK }, data, log);
    else if (name === 'nnscope') run = await runNnscope(name, referenceOptions(config.seed), config.epochs, data, config);
    else if (name === 'augment') run = await runNnscope(name, { ...referenceOptions(config.seed), augment: config.augment }, config.epochs, data, config);
    else if (name === 'nnfs') run = await runNnscope(name, { ...presets.nnfs, seed: config.seed }, config.nnfsEpochs, data, config);
    else if (name === 'cnn') run = await runNnscope(name, { ...presets.cnn, seed: config.seed }, config.cnnEpochs, cnnData, config);
    else if (name === 'tfjs-webgpu-cnn' || name === 'tfjs-wasm-cnn') {
      run = await runTfjs(name === 'tfjs-webgpu-cnn' ? 'webgpu' : 'wasm', cnnData.train, cnnData.test, cnnWorkload, log);
    } else run = await runTfjs(name === 'tfjs-webgpu' ? 'webgpu' : 'wasm', data.train, data.test, workload, log);
    result.runs[name] = run;
  }
  // The reference network's work per sample, for GFLOP/s (three products per layer in training).
  const { sizes } = resolveConfig(referenceOptions(config.seed));
  result.flopsPerSample = { training: trainingFlopsPerSample(sizes), inference: inferenceFlopsPerSample(sizes) };
  result.augment = config.augment;
  result.cnnFlopsPerSample = { training: cnnFlopsPerSample(resolveConfig(presets.cnn).layers) };
  result.finishedAt = new Date().toISOString();
  result.totalSeconds = (performance.now() - started) / 1000;
  return result;
}

main()
  .catch((error) => ({ fatal: describeError(error) }))
  .then(async (result) => {
    window.benchResult = result;
    await window.benchDone?.(result);
  });
