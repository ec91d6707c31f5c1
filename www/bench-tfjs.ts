/**
 * The TensorFlow.js half of the benchmark (see www/bench.ts and scripts/bench.mjs): the reference
 * MLP or the CNN preset's network as a `tf.sequential`, trained with `model.fit` one epoch at a
 * time on tensors created once, on the `webgpu` or the `wasm` backend.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { ImageSet } from '../src/index.js';

/** Served by scripts/bench.mjs from node_modules/@tensorflow/tfjs-backend-wasm/dist/. */
setWasmPaths('/tfjs-wasm/');

/** One epoch of training followed by one pass over the test set. */
export interface EpochRecord {
  /** From 1. */
  epoch: number;
  samples: number;
  trainSeconds: number;
  trainSamplesPerSecond: number;
  trainLoss: number;
  trainAccuracy: number;
  testAccuracy: number;
  /** Mean test cross-entropy where the framework reports it (nnscope), else null. */
  testLoss: number | null;
  evalSeconds: number;
  evalSamplesPerSecond: number;
  /** Diagnostics after the epoch: live TF.js tensors, and the page's JS heap (Chromium only). */
  liveTensors?: number;
  jsHeapMiB?: number;
}

/** Chromium's non-standard performance.memory, in MiB (undefined elsewhere). */
export function jsHeapMiB(): number | undefined {
  const memory = (performance as Performance & { memory?: { usedJSHeapSize: number } }).memory;
  return memory ? Math.round(memory.usedJSHeapSize / 2 ** 20) : undefined;
}

/** Everything measured for one framework/backend. */
export interface RunResult {
  name: string;
  ok: boolean;
  error?: string;
  /** Model/engine creation, data upload and (TF.js) warm-up, not in any throughput. */
  setupSeconds: number;
  epochs: EpochRecord[];
  train: { firstEpochSamplesPerSecond: number; medianSamplesPerSecond: number; meanSamplesPerSecond: number } | null;
  /** Timed passes over the whole test set after the last epoch; samplesPerSecond is their median. */
  inference: { samples: number; seconds: number[]; samplesPerSecond: number } | null;
  /** Test accuracy keyed by epoch (1-based). */
  testAccuracy: Record<number, number>;
  info: Record<string, unknown>;
}

export interface WorkloadOptions {
  /** 'mlp': the reference 784-128-128-10 network; 'cnn': the same network as nnscope's presets.cnn. */
  model: ModelKind;
  epochs: number;
  inferenceRepeats: number;
  /** TF.js `fit` option (its default is 'auto': yield to the event loop every 125 ms). */
  yieldEvery: 'auto' | 'batch' | 'epoch' | 'never';
  seed: number;
  /** XNNPACK threads of the wasm backend; null: TF.js's default. */
  wasmThreads: number | null;
}

export type Log = (line: string) => void;

export const CLASSES = 10;
/** Rows per `predict` batch; nnscope's evaluate() uses the same (evaluationBatchSize). */
export const PREDICT_BATCH = 1000;

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export function summarizeTraining(epochs: EpochRecord[]): RunResult['train'] {
  if (epochs.length === 0) return null;
  const rates = epochs.map((e) => e.trainSamplesPerSecond);
  return {
    firstEpochSamplesPerSecond: rates[0],
    medianSamplesPerSecond: median(rates),
    meanSamplesPerSecond: epochs.reduce((s, e) => s + e.samples, 0) / epochs.reduce((s, e) => s + e.trainSeconds, 0),
  };
}

export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // Chromium's stack starts with "Name: message".
  return error.stack?.includes(error.message) ? error.stack : `${error.name}: ${error.message}\n${error.stack ?? ''}`.trim();
}

/** Pixels x/255 as float32, the reference input scaling. */
function unitFloats(set: ImageSet): Float32Array {
  const out = new Float32Array(set.images.length);
  for (let i = 0; i < out.length; i++) out[i] = set.images[i] / 255;
  return out;
}

export type ModelKind = 'mlp' | 'cnn';

/** What differs between the two networks: one sample's tensor shape, the batch, the layers and optimizer. */
interface ModelSpec {
  inputShape: (set: ImageSet) => number[];
  batchSize: number;
  build: (seed: number, inputShape: number[]) => tf.Sequential;
}

/** Glorot-uniform kernels seeded per layer, zero biases: as nnscope's 'glorot' init. */
const seeded = (seed: number, layer: number) => ({ kernelInitializer: tf.initializers.glorotUniform({ seed: seed + layer }), biasInitializer: 'zeros' as const });

const MODELS: Record<ModelKind, ModelSpec> = {
  mlp: {
    inputShape: (set) => [set.rows * set.cols],
    batchSize: 128,
    build(seed, inputShape) {
      const model = tf.sequential();
      model.add(tf.layers.dense({ inputShape, units: 128, activation: 'relu', ...seeded(seed, 0) }));
      model.add(tf.layers.dense({ units: 128, activation: 'relu', ...seeded(seed, 1) }));
      model.add(tf.layers.dense({ units: CLASSES, activation: 'softmax', ...seeded(seed, 2) }));
      model.compile({ optimizer: tf.train.momentum(0.01, 0.9), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
      return model;
    },
  },
  // presets.cnn: 'conv 3x3 16, pool 2, conv 3x3 32, pool 2, 64', ReLU, Adam, batch 64; NHWC like nnscope.
  cnn: {
    inputShape: (set) => [set.rows, set.cols, 1],
    batchSize: 64,
    build(seed, inputShape) {
      const model = tf.sequential();
      model.add(tf.layers.conv2d({ inputShape, filters: 16, kernelSize: 3, padding: 'same', activation: 'relu', ...seeded(seed, 0) }));
      model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
      model.add(tf.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu', ...seeded(seed, 1) }));
      model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
      model.add(tf.layers.flatten());
      model.add(tf.layers.dense({ units: 64, activation: 'relu', ...seeded(seed, 2) }));
      model.add(tf.layers.dense({ units: CLASSES, activation: 'softmax', ...seeded(seed, 3) }));
      model.compile({ optimizer: tf.train.adam(0.001, 0.9, 0.999, 1e-7), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
      return model;
    },
  },
};

/** Forces every queued update to finish: reads the output layer's 10 biases back. */
async function finishWork(model: tf.Sequential): Promise<void> {
  const weights = model.getWeights();
  await weights[weights.length - 1].data();
}

/** Predicts the whole test set in batches and reads the argmax back (work finished). */
async function predictClasses(model: tf.Sequential, x: tf.Tensor): Promise<{ seconds: number; classes: Int32Array }> {
  const start = performance.now();
  const predicted = tf.tidy(() => (model.predict(x, { batchSize: PREDICT_BATCH }) as tf.Tensor).argMax(-1));
  const classes = (await predicted.data()) as Int32Array;
  const seconds = (performance.now() - start) / 1000;
  predicted.dispose();
  return { seconds, classes };
}

function accuracyOf(classes: Int32Array, labels: Uint8Array): number {
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (classes[i] === labels[i]) correct++;
  return correct / labels.length;
}

/** Backend facts: proves which backend and adapter actually ran. */
async function backendInfo(backend: 'webgpu' | 'wasm'): Promise<Record<string, unknown>> {
  const info: Record<string, unknown> = { tfjsVersion: tf.version.tfjs, activeBackend: tf.getBackend() };
  if (backend === 'webgpu') {
    const b = tf.backend() as unknown as { device?: GPUDevice };
    const a = b.device?.adapterInfo;
    info.adapter = a ? { vendor: a.vendor, architecture: a.architecture, device: a.device, description: a.description } : null;
    info.flags = {
      WEBGPU_CPU_FORWARD: tf.env().getBool('WEBGPU_CPU_FORWARD'),
      WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE: tf.env().getNumber('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE'),
    };
  } else {
    info.simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    info.multithread = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
    info.crossOriginIsolated = globalThis.crossOriginIsolated;
    info.threads = getThreadsCount();
    info.binary = info.simd ? (info.multithread ? 'tfjs-backend-wasm-threaded-simd.wasm' : 'tfjs-backend-wasm-simd.wasm') : 'tfjs-backend-wasm.wasm';
  }
  return info;
}

/**
 * Trains `options.model` for `epochs` epochs on `train`, evaluating on `test` after each, then
 * times `inferenceRepeats` more passes over the test set. Leaves no tensors and removes the backend.
 */
export async function runTfjs(
  backend: 'webgpu' | 'wasm',
  train: ImageSet,
  test: ImageSet,
  options: WorkloadOptions,
  log: Log,
): Promise<RunResult> {
  const name = `tfjs-${backend}${options.model === 'cnn' ? '-cnn' : ''}`;
  const spec = MODELS[options.model];
  const batch = spec.batchSize;
  const inputShape = spec.inputShape(train);
  const result: RunResult = { name, ok: false, setupSeconds: 0, epochs: [], train: null, inference: null, testAccuracy: {}, info: {} };
  // TF.js 4.22's wasm backend registers no Conv2DBackpropFilter kernel: it can run a CNN, not train one.
  const untrainable = backend === 'wasm' && options.model === 'cnn' ? "TF.js's wasm backend has no Conv2DBackpropFilter kernel (it cannot train a CNN): inference only, untrained weights" : undefined;
  const setupStart = performance.now();
  const tensors: tf.Tensor[] = [];
  const keep = <T extends tf.Tensor>(t: T) => (tensors.push(t), t);
  let model: tf.Sequential | undefined;
  let ticker: ReturnType<typeof setInterval> | undefined;
  try {
    if (backend === 'wasm' && options.wasmThreads !== null) setThreadsCount(options.wasmThreads);
    if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed (see the console for the reason)`);
    await tf.ready();
    if (tf.getBackend() !== backend) throw new Error(`TF.js is running on '${tf.getBackend()}', not '${backend}'`);
    result.info = await backendInfo(backend);
    log(`${name}: backend ${tf.getBackend()} ready ${JSON.stringify(result.info)}`);

    const xTrain = keep(tf.tensor(unitFloats(train), [train.count, ...inputShape]));
    const yTrain = keep(tf.tidy(() => tf.oneHot(tf.tensor1d(Int32Array.from(train.labels), 'int32'), CLASSES).toFloat()));
    const xTest = keep(tf.tensor(unitFloats(test), [test.count, ...inputShape]));

    // Warm-up on a throwaway model: compiles the shaders/kernels for every shape the timed run
    // meets (full batch, the epoch's partial last batch, the predict batch), as nnscope compiles
    // its pipelines in createEngine().
    {
      const warmRows = 2 * batch + (train.count % batch);
      const warm = spec.build(options.seed + 100, inputShape);
      // A number slices the first axis only (whole samples).
      const [wx, wy] = [xTrain.slice(0, warmRows), yTrain.slice(0, warmRows)];
      if (!untrainable) await warm.fit(wx, wy, { batchSize: batch, epochs: 1, shuffle: true, verbose: 0 });
      const wt = xTest.slice(0, Math.min(PREDICT_BATCH, test.count));
      await predictClasses(warm, wt);
      tf.dispose([wx, wy, wt]);
      warm.optimizer.dispose();
      warm.dispose();
    }
    model = spec.build(options.seed, inputShape);
    await finishWork(model);
    result.setupSeconds = (performance.now() - setupStart) / 1000;
    log(`${name}: setup (upload + warm-up) ${result.setupSeconds.toFixed(1)} s; tensors ${tf.memory().numTensors}`);

    if (untrainable) {
      result.info.trainingUnavailable = untrainable;
      log(`${name}: ${untrainable}`);
    }
    for (let epoch = 1; epoch <= (untrainable ? 0 : options.epochs); epoch++) {
      const start = performance.now();
      ticker = setInterval(() => log(`${name} epoch ${epoch}/${options.epochs}: training… ${((performance.now() - start) / 1000).toFixed(0)} s`), 10_000);
      const history = await model.fit(xTrain, yTrain, { batchSize: batch, epochs: 1, shuffle: true, verbose: 0, yieldEvery: options.yieldEvery });
      await finishWork(model);
      const trainSeconds = (performance.now() - start) / 1000;
      clearInterval(ticker);
      const { seconds: evalSeconds, classes } = await predictClasses(model, xTest);
      const accHistory = history.history.acc ?? history.history.accuracy;
      const record: EpochRecord = {
        epoch,
        samples: train.count,
        trainSeconds,
        trainSamplesPerSecond: train.count / trainSeconds,
        trainLoss: Number(history.history.loss[0]),
        trainAccuracy: Number(accHistory?.[0] ?? NaN),
        testAccuracy: accuracyOf(classes, test.labels),
        testLoss: null,
        evalSeconds,
        evalSamplesPerSecond: test.count / evalSeconds,
        liveTensors: tf.memory().numTensors,
        jsHeapMiB: jsHeapMiB(),
      };
      result.epochs.push(record);
      result.testAccuracy[epoch] = record.testAccuracy;
      log(
        `${name} epoch ${epoch}/${options.epochs}: ${record.trainSamplesPerSecond.toFixed(0)} samples/s (${trainSeconds.toFixed(1)} s), ` +
          `loss ${record.trainLoss.toFixed(4)}, train acc ${(record.trainAccuracy * 100).toFixed(2)}%, test acc ${(record.testAccuracy * 100).toFixed(2)}%`,
      );
    }
    result.train = summarizeTraining(result.epochs);

    const seconds: number[] = [];
    for (let r = 0; r < options.inferenceRepeats; r++) seconds.push((await predictClasses(model, xTest)).seconds);
    result.inference = { samples: test.count, seconds, samplesPerSecond: test.count / median(seconds) };
    log(`${name}: inference ${result.inference.samplesPerSecond.toFixed(0)} samples/s (median of ${seconds.length} passes over ${test.count})`);
    if (backend === 'webgpu') result.info.memory = tf.memory();
    result.ok = true;
  } catch (error) {
    result.error = describeError(error);
    log(`${name}: FAILED: ${result.error}`);
  } finally {
    clearInterval(ticker);
    model?.optimizer.dispose();
    model?.dispose();
    tf.dispose(tensors);
    result.info.leakedTensors = tf.memory().numTensors;
    // Frees the backend's device/buffers (or wasm heap) before the next workload runs.
    if (tf.findBackend(backend)) tf.removeBackend(backend);
  }
  return result;
}
