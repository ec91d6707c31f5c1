/** Mirrors an engine's training on the CPU reference: same initial parameters, orders and batches. */
import type { Dataset, ImageSet } from '../../src/data/dataset.js';
import type { Engine } from '../../src/engine/engine.js';
import { deriveSeed, shuffledOrder } from '../../src/engine/random.js';
import { createOptimizerState, mulberry32, scaleInputs, trainStep, type ReferenceMlp } from '../reference/mlp.js';

/** Random images whose classes differ a little (a bright band per class), `seed`-determined. */
export function syntheticDataset(trainCount: number, testCount: number, seed: number): Dataset {
  const rng = mulberry32(seed);
  const split = (count: number): ImageSet => {
    const images = new Uint8Array(count * 784);
    const labels = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      const label = Math.floor(rng() * 10);
      labels[i] = label;
      for (let p = 0; p < 784; p++) {
        const band = Math.floor(p / 78.4) === label ? 120 : 0;
        images[i * 784 + p] = Math.min(255, band + Math.floor(rng() * 136));
      }
    }
    return { images, labels, count, rows: 28, cols: 28 };
  };
  return { train: split(trainCount), test: split(testCount), classNames: [] };
}

/** Starts a reference run from the engine's current parameters (the engine must be at step 0). */
export async function referenceRun(engine: Engine, data: Dataset) {
  const { config } = engine;
  const initial = await engine.readTrainingDictionary();
  const net: ReferenceMlp = {
    sizes: [...config.sizes],
    hiddenActivation: config.activation,
    layers: initial.map((l) => ({ weights: Float64Array.from(l.weights), biases: Float64Array.from(l.biases) })),
  };
  const state = createOptimizerState(net, config.optimizer.type);
  const train = data.train;
  const inputs = scaleInputs(train.images, config.inputScale);
  const batch = config.batchSize;
  const stepsPerEpoch = Math.ceil(train.count / batch);
  let t = 0;
  let order: Uint32Array = new Uint32Array();
  let lastGradients: { dweights: Float64Array; dbiases: Float64Array }[] = [];
  return {
    net,
    step(n: number) {
      for (let k = 0; k < n; k++, t++) {
        const inEpoch = t % stepsPerEpoch;
        if (inEpoch === 0) order = shuffledOrder(train.count, deriveSeed(config.seed, 1000 + t / stepsPerEpoch));
        const picks = order.subarray(inEpoch * batch, Math.min((inEpoch + 1) * batch, train.count));
        const x = new Float64Array(picks.length * 784);
        picks.forEach((sample, r) => x.set(inputs.subarray(sample * 784, (sample + 1) * 784), r * 784));
        const labels = Array.from(picks, (sample) => train.labels[sample]);
        lastGradients = trainStep(net, state, x, labels, picks.length, config.optimizer, t).perLayer;
      }
    },
    /** The reference's value of a dictionary entry, or undefined where it has none. */
    tensor(l: number, name: string): ArrayLike<number> | undefined {
      const layer = net.layers[l];
      const opt = state.layers[l] as Record<string, Float64Array | undefined>;
      switch (name) {
        case 'weights': return layer.weights;
        case 'biases': return layer.biases;
        case 'dweights': return lastGradients[l]?.dweights;
        case 'dbiases': return lastGradients[l]?.dbiases;
        default: return opt[name];
      }
    },
  };
}
