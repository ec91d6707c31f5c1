/**
 * The algorithmic reference of the MLP: naive float64 loops, no dependencies, no DOM, no Node APIs.
 * The WGSL kernels are tested against these functions, so their semantics are the specification.
 * Layout: a dense layer's weights are [inputs, outputs] row-major (w[i * outputs + o]), biases [outputs];
 * batch matrices are row-major [rows, width].
 */

export type ActivationKind = 'relu' | 'sigmoid' | 'tanh' | 'linear';
export type HiddenActivation = 'relu' | 'sigmoid' | 'tanh';
type Numbers = ArrayLike<number>;

/** Label value of a padding row: excluded from loss, accuracy, count and gradients. */
export const INVALID_LABEL = 0xffffffff;

/** z = x·w + b: x [rows, inputs], w [inputs, outputs], b [outputs] → z [rows, outputs]. */
export function matmulForward(x: Numbers, w: Numbers, b: Numbers, rows: number, inputs: number, outputs: number): Float64Array {
  const z = new Float64Array(rows * outputs);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outputs; o++) {
      let sum = b[o];
      for (let i = 0; i < inputs; i++) sum += x[r * inputs + i] * w[i * outputs + o];
      z[r * outputs + o] = sum;
    }
  }
  return z;
}

/** Elementwise activation a = f(z): relu max(0, z), sigmoid 1/(1+e^−z), tanh, linear identity. */
export function activate(z: Numbers, kind: ActivationKind): Float64Array {
  const f = { relu: (v: number) => (v > 0 ? v : 0), sigmoid: (v: number) => 1 / (1 + Math.exp(-v)), tanh: Math.tanh, linear: (v: number) => v }[kind];
  return Float64Array.from(z, f);
}

/** Elementwise f'(z), from z and a = f(z): relu 1 where z > 0 else 0; sigmoid a(1−a); tanh 1−a²; linear 1. */
export function activationGradient(z: Numbers, a: Numbers, kind: ActivationKind): Float64Array {
  const g = new Float64Array(z.length);
  for (let k = 0; k < z.length; k++) {
    g[k] = kind === 'relu' ? (z[k] > 0 ? 1 : 0) : kind === 'sigmoid' ? a[k] * (1 - a[k]) : kind === 'tanh' ? 1 - a[k] * a[k] : 1;
  }
  return g;
}

/** Result of {@link softmaxCrossEntropy}. */
export interface SoftmaxCrossEntropy {
  /** Softmax per row [rows, classes], padding rows included. */
  probabilities: Float64Array;
  /** Σ over valid rows of −log(clip(p[label], 1e−7, 1 − 1e−7)). */
  lossSum: number;
  /** Valid rows whose argmax (first maximum of the logits) is the label. */
  correct: number;
  /** Valid rows. */
  count: number;
  /** d(lossSum / count)/d logits = (p − onehot(label)) / count on valid rows (p unclipped), 0 on padding rows. */
  dlogits: Float64Array;
}

/** Index of the first maximum of row r of a [rows, classes] matrix. */
export function argmaxRow(m: Numbers, r: number, classes: number): number {
  let best = 0;
  for (let c = 1; c < classes; c++) if (m[r * classes + c] > m[r * classes + best]) best = c;
  return best;
}

/** Softmax of every row of logits [rows, classes], stable: exp(z − row max) / Σ exp(z − row max). */
export function softmax(logits: Numbers, rows: number, classes: number): Float64Array {
  const p = new Float64Array(rows * classes);
  for (let r = 0; r < rows; r++) {
    const base = r * classes;
    const max = logits[base + argmaxRow(logits, r, classes)];
    let total = 0;
    for (let c = 0; c < classes; c++) total += Math.exp(logits[base + c] - max);
    for (let c = 0; c < classes; c++) p[base + c] = Math.exp(logits[base + c] - max) / total;
  }
  return p;
}

/** Softmax + categorical cross-entropy; labels equal to 0xFFFFFFFF mark padding rows. */
export function softmaxCrossEntropy(logits: Numbers, labels: Numbers, rows: number, classes: number): SoftmaxCrossEntropy {
  const probabilities = softmax(logits, rows, classes);
  const dlogits = new Float64Array(rows * classes);
  let lossSum = 0, correct = 0, count = 0;
  for (let r = 0; r < rows; r++) if (labels[r] !== INVALID_LABEL) count++;
  for (let r = 0; r < rows; r++) {
    const base = r * classes;
    const label = labels[r];
    if (label === INVALID_LABEL) continue;
    lossSum += -Math.log(Math.min(Math.max(probabilities[base + label], 1e-7), 1 - 1e-7));
    if (argmaxRow(logits, r, classes) === label) correct++;
    for (let c = 0; c < classes; c++) dlogits[base + c] = (probabilities[base + c] - (c === label ? 1 : 0)) / count;
  }
  return { probabilities, lossSum, correct, count, dlogits };
}

/** dx = dz·wᵀ: dz [rows, outputs], w [inputs, outputs] → dx [rows, inputs]. */
export function backwardInput(dz: Numbers, w: Numbers, rows: number, inputs: number, outputs: number): Float64Array {
  const dx = new Float64Array(rows * inputs);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < inputs; i++) {
      let sum = 0;
      for (let o = 0; o < outputs; o++) sum += dz[r * outputs + o] * w[i * outputs + o];
      dx[r * inputs + i] = sum;
    }
  }
  return dx;
}

/** dweights = xᵀ·dz [inputs, outputs]; dbiases = column sums of dz [outputs]. */
export function backwardWeights(x: Numbers, dz: Numbers, rows: number, inputs: number, outputs: number): { dweights: Float64Array; dbiases: Float64Array } {
  const dweights = new Float64Array(inputs * outputs);
  const dbiases = new Float64Array(outputs);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outputs; o++) {
      dbiases[o] += dz[r * outputs + o];
      for (let i = 0; i < inputs; i++) dweights[i * outputs + o] += x[r * inputs + i] * dz[r * outputs + o];
    }
  }
  return { dweights, dbiases };
}

export interface SgdConfig { learningRate: number; momentum: number; decay: number }
export interface AdamConfig { learningRate: number; beta1: number; beta2: number; epsilon: number; decay: number }
export type OptimizerConfig = ({ type: 'sgd' } & SgdConfig) | ({ type: 'adam' } & AdamConfig);

/** SGD with momentum, in place; t = updates already applied: update = μ·m − lr_t·g; param += update; m = update. */
export function sgdMomentumUpdate(param: Float64Array, grad: Numbers, momentum: Float64Array, config: SgdConfig, t: number): void {
  const lr = config.learningRate / (1 + config.decay * t);
  for (let k = 0; k < param.length; k++) {
    const update = config.momentum * momentum[k] - lr * grad[k];
    param[k] += update;
    momentum[k] = update;
  }
}

/** Adam, in place (the book's form, ε outside the sqrt); t = updates already applied, so bias correction uses t + 1. */
export function adamUpdate(param: Float64Array, grad: Numbers, m: Float64Array, v: Float64Array, config: AdamConfig, t: number): void {
  const { beta1, beta2, epsilon } = config;
  const lr = config.learningRate / (1 + config.decay * t);
  for (let k = 0; k < param.length; k++) {
    m[k] = beta1 * m[k] + (1 - beta1) * grad[k];
    v[k] = beta2 * v[k] + (1 - beta2) * grad[k] * grad[k];
    const mHat = m[k] / (1 - beta1 ** (t + 1));
    const vHat = v[k] / (1 - beta2 ** (t + 1));
    param[k] -= (lr * mHat) / (Math.sqrt(vHat) + epsilon);
  }
}

/** An MLP: sizes input → … → classes; layers[l] maps sizes[l] to sizes[l + 1]. */
export interface ReferenceMlp {
  sizes: number[];
  hiddenActivation: HiddenActivation;
  layers: { weights: Float64Array; biases: Float64Array }[];
}

/** Per-layer optimiser state (zeros at first); weightCache/biasCache exist for Adam only. */
export interface OptimizerState {
  layers: { weightMomentums: Float64Array; biasMomentums: Float64Array; weightCache?: Float64Array; biasCache?: Float64Array }[];
}

/** Zeroed optimiser state for `net`: momentums for both types, caches for Adam. */
export function createOptimizerState(net: ReferenceMlp, type: 'sgd' | 'adam'): OptimizerState {
  return {
    layers: net.layers.map(({ weights, biases }) => ({
      weightMomentums: new Float64Array(weights.length),
      biasMomentums: new Float64Array(biases.length),
      ...(type === 'adam' ? { weightCache: new Float64Array(weights.length), biasCache: new Float64Array(biases.length) } : {}),
    })),
  };
}

/** Forward pass: per layer raw z and activated a; hidden layers use the hidden activation, the last layer's a is softmax. */
export function forward(net: ReferenceMlp, x: Numbers, rows: number): { raw: Float64Array; activated: Float64Array }[] {
  const outputs: { raw: Float64Array; activated: Float64Array }[] = [];
  let input: Numbers = x;
  net.layers.forEach((layer, l) => {
    const raw = matmulForward(input, layer.weights, layer.biases, rows, net.sizes[l], net.sizes[l + 1]);
    const last = l === net.layers.length - 1;
    const activated = last ? softmax(raw, rows, net.sizes[l + 1]) : activate(raw, net.hiddenActivation);
    outputs.push({ raw, activated });
    input = activated;
  });
  return outputs;
}

/** Per-layer gradients of the mean loss (lossSum / count) w.r.t. weights, biases and raw output z. */
export interface LayerGradients { dweights: Float64Array; dbiases: Float64Array; dz: Float64Array }

/** Result of {@link lossAndGradients}: batch loss sum, correct and valid rows, the forward outputs and gradients. */
export interface LossAndGradients {
  lossSum: number;
  correct: number;
  count: number;
  outputs: { raw: Float64Array; activated: Float64Array }[];
  perLayer: LayerGradients[];
}

/** Loss, accuracy and backprop gradients of the mean loss over valid rows (labels 0xFFFFFFFF are padding). */
export function lossAndGradients(net: ReferenceMlp, x: Numbers, labels: Numbers, rows: number): LossAndGradients {
  const outputs = forward(net, x, rows);
  const L = net.layers.length;
  const { lossSum, correct, count, dlogits } = softmaxCrossEntropy(outputs[L - 1].raw, labels, rows, net.sizes[L]);
  const perLayer: LayerGradients[] = new Array(L);
  let dz = dlogits;
  for (let l = L - 1; l >= 0; l--) {
    const input = l === 0 ? x : outputs[l - 1].activated;
    perLayer[l] = { ...backwardWeights(input, dz, rows, net.sizes[l], net.sizes[l + 1]), dz };
    if (l > 0) {
      const dx = backwardInput(dz, net.layers[l].weights, rows, net.sizes[l], net.sizes[l + 1]);
      const g = activationGradient(outputs[l - 1].raw, outputs[l - 1].activated, net.hiddenActivation);
      dz = dx.map((v, k) => v * g[k]);
    }
  }
  return { lossSum, correct, count, outputs, perLayer };
}

/** One training step, in place: gradients of the batch first, then the optimiser update of every layer with step index t. */
export function trainStep(net: ReferenceMlp, state: OptimizerState, x: Numbers, labels: Numbers, rows: number, config: OptimizerConfig, t: number): LossAndGradients {
  const result = lossAndGradients(net, x, labels, rows);
  net.layers.forEach((layer, l) => {
    const s = state.layers[l];
    const { dweights, dbiases } = result.perLayer[l];
    if (config.type === 'sgd') {
      sgdMomentumUpdate(layer.weights, dweights, s.weightMomentums, config, t);
      sgdMomentumUpdate(layer.biases, dbiases, s.biasMomentums, config, t);
    } else {
      if (!s.weightCache || !s.biasCache) throw new Error('Adam needs createOptimizerState(net, "adam")');
      adamUpdate(layer.weights, dweights, s.weightMomentums, s.weightCache, config, t);
      adamUpdate(layer.biases, dbiases, s.biasMomentums, s.biasCache, config, t);
    }
  });
  return result;
}

/** Pixel bytes to floats: 'unit' x/255, 'symmetric' (x − 127.5)/127.5. */
export function scaleInputs(bytes: Uint8Array, mode: 'unit' | 'symmetric'): Float64Array {
  return Float64Array.from(bytes, (v) => (mode === 'unit' ? v / 255 : (v - 127.5) / 127.5));
}

/** Seeded PRNG (mulberry32): returns () => float in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let r = Math.imul(a ^ (a >>> 15), a | 1);
    r ^= r + Math.imul(r ^ (r >>> 7), r | 61);
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

/** n floats uniform in [−scale, scale) from rng. */
export function randomArray(n: number, rng: () => number, scale: number): Float64Array {
  return Float64Array.from({ length: n }, () => (rng() * 2 - 1) * scale);
}
