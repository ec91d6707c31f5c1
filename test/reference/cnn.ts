/**
 * The algorithmic reference of the convolution and pooling layers (issue #13): naive float64 loops,
 * no dependencies, no DOM, no Node APIs. The conv and pool kernels (shaders/conv-*.wgsl,
 * pool-*.wgsl) are tested against these functions, so their semantics are the specification.
 *
 * Layout, everywhere: NHWC, row-major.
 *   activations  [rows, height, width, channels]  x[((r·H + y)·W + x)·C + c]
 *   conv weights [k, k, inputs, filters]           w[((ky·k + kx)·Cin + c)·F + f]
 *   conv biases  [filters]
 * Convolutions: stride 1, "same" padding (k odd, pad = (k − 1)/2, zeros outside the image), so the
 * output is H × W × F. Pooling: 2×2 max, stride 2, output floor(H/2) × floor(W/2) (an odd last row
 * or column is dropped); ties go to the first maximum in window order (0,0), (0,1), (1,0), (1,1).
 */
import { activate, activationGradient, matmulForward, softmaxCrossEntropy, backwardInput, backwardWeights, type ActivationKind } from './mlp.js';

type Numbers = ArrayLike<number>;

/** A conv layer's shape: `rows` images of height × width × inputs, `filters` k × k filters. */
export interface ConvShape {
  rows: number;
  height: number;
  width: number;
  inputs: number;
  filters: number;
  kernel: number;
}

/** z = conv(x, w) + b: x [rows, H, W, Cin], w [k, k, Cin, F], b [F] → z [rows, H, W, F]. */
export function convForward(x: Numbers, w: Numbers, b: Numbers, { rows, height, width, inputs, filters, kernel }: ConvShape): Float64Array {
  const pad = (kernel - 1) / 2;
  const z = new Float64Array(rows * height * width * filters);
  for (let r = 0; r < rows; r++) {
    for (let y = 0; y < height; y++) {
      for (let xx = 0; xx < width; xx++) {
        const out = ((r * height + y) * width + xx) * filters;
        for (let f = 0; f < filters; f++) z[out + f] = b[f];
        for (let ky = 0; ky < kernel; ky++) {
          const iy = y + ky - pad;
          if (iy < 0 || iy >= height) continue;
          for (let kx = 0; kx < kernel; kx++) {
            const ix = xx + kx - pad;
            if (ix < 0 || ix >= width) continue;
            for (let c = 0; c < inputs; c++) {
              const v = x[((r * height + iy) * width + ix) * inputs + c];
              const wBase = ((ky * kernel + kx) * inputs + c) * filters;
              for (let f = 0; f < filters; f++) z[out + f] += v * w[wBase + f];
            }
          }
        }
      }
    }
  }
  return z;
}

/**
 * dx = d loss / d x for z = conv(x, w) + b, from dz = d loss / d z [rows, H, W, F]:
 * dx[r, y, x, c] = Σ_{ky, kx, f} dz[r, y − ky + pad, x − kx + pad, f] · w[ky, kx, c, f] (the transpose:
 * each input pixel gathers from the outputs whose window covered it).
 */
export function convBackwardInput(dz: Numbers, w: Numbers, { rows, height, width, inputs, filters, kernel }: ConvShape): Float64Array {
  const pad = (kernel - 1) / 2;
  const dx = new Float64Array(rows * height * width * inputs);
  for (let r = 0; r < rows; r++) {
    for (let y = 0; y < height; y++) {
      for (let xx = 0; xx < width; xx++) {
        for (let c = 0; c < inputs; c++) {
          let sum = 0;
          for (let ky = 0; ky < kernel; ky++) {
            const oy = y - ky + pad;
            if (oy < 0 || oy >= height) continue;
            for (let kx = 0; kx < kernel; kx++) {
              const ox = xx - kx + pad;
              if (ox < 0 || ox >= width) continue;
              const g = ((r * height + oy) * width + ox) * filters;
              const wBase = ((ky * kernel + kx) * inputs + c) * filters;
              for (let f = 0; f < filters; f++) sum += dz[g + f] * w[wBase + f];
            }
          }
          dx[((r * height + y) * width + xx) * inputs + c] = sum;
        }
      }
    }
  }
  return dx;
}

/** dw [k, k, Cin, F] and db [F] for z = conv(x, w) + b, from dz [rows, H, W, F]: sums over every image and position. */
export function convBackwardWeights(x: Numbers, dz: Numbers, { rows, height, width, inputs, filters, kernel }: ConvShape): { dweights: Float64Array; dbiases: Float64Array } {
  const pad = (kernel - 1) / 2;
  const dweights = new Float64Array(kernel * kernel * inputs * filters);
  const dbiases = new Float64Array(filters);
  for (let r = 0; r < rows; r++) {
    for (let y = 0; y < height; y++) {
      for (let xx = 0; xx < width; xx++) {
        const g = ((r * height + y) * width + xx) * filters;
        for (let f = 0; f < filters; f++) dbiases[f] += dz[g + f];
        for (let ky = 0; ky < kernel; ky++) {
          const iy = y + ky - pad;
          if (iy < 0 || iy >= height) continue;
          for (let kx = 0; kx < kernel; kx++) {
            const ix = xx + kx - pad;
            if (ix < 0 || ix >= width) continue;
            for (let c = 0; c < inputs; c++) {
              const v = x[((r * height + iy) * width + ix) * inputs + c];
              const wBase = ((ky * kernel + kx) * inputs + c) * filters;
              for (let f = 0; f < filters; f++) dweights[wBase + f] += v * dz[g + f];
            }
          }
        }
      }
    }
  }
  return { dweights, dbiases };
}

/** A pool's shape: `rows` images of height × width × channels. */
export interface PoolShape {
  rows: number;
  height: number;
  width: number;
  channels: number;
}

/**
 * 2×2 max pooling, stride 2: pooled [rows, ⌊H/2⌋, ⌊W/2⌋, C] and argmax, the flat index into x of
 * each maximum (the first one in window order on ties).
 */
export function maxPoolForward(x: Numbers, { rows, height, width, channels }: PoolShape): { pooled: Float64Array; argmax: Uint32Array } {
  const oh = Math.floor(height / 2);
  const ow = Math.floor(width / 2);
  const pooled = new Float64Array(rows * oh * ow * channels);
  const argmax = new Uint32Array(pooled.length);
  for (let r = 0; r < rows; r++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        for (let c = 0; c < channels; c++) {
          let best = -Infinity;
          let at = -1;
          for (let w = 0; w < 4; w++) {
            const i = ((r * height + 2 * oy + (w >> 1)) * width + 2 * ox + (w & 1)) * channels + c;
            if (at < 0 || x[i] > best) { best = x[i]; at = i; }
          }
          const o = ((r * oh + oy) * ow + ox) * channels + c;
          pooled[o] = best;
          argmax[o] = at;
        }
      }
    }
  }
  return { pooled, argmax };
}

/** dx [rows, H, W, C] from dpooled: each pooled gradient goes to its argmax; every other element (and a dropped row or column) gets 0. */
export function maxPoolBackward(dpooled: Numbers, argmax: Numbers, { rows, height, width, channels }: PoolShape): Float64Array {
  const dx = new Float64Array(rows * height * width * channels);
  for (let o = 0; o < dpooled.length; o++) dx[argmax[o]] += dpooled[o];
  return dx;
}

/** A small CNN: conv layers, each followed by a 2×2 max pool (unless `pool: false`), then dense layers (the last one the classes' logits). */
export interface CnnShape {
  rows: number;
  height: number;
  width: number;
  channels: number;
  /** Per conv layer: filters and kernel size; each is followed by a pool unless `pool` is false. */
  convs: readonly { filters: number; kernel: number; pool?: boolean }[];
  /** Widths of the dense layers after the implicit flatten (NHWC order), the last being the classes. */
  dense: readonly number[];
  activation: ActivationKind;
}

/** Parameters of a {@link CnnShape}: conv weights/biases then dense weights/biases, in layer order. */
export interface CnnParameters {
  weights: Float64Array[];
  biases: Float64Array[];
}

/** Shapes of each layer's tensors: conv layers, then dense (inputs, outputs). */
export function cnnLayers(shape: CnnShape) {
  let { height, width, channels } = shape;
  const convs = shape.convs.map(({ filters, kernel, pool: pooled = true }) => {
    const conv: ConvShape = { rows: shape.rows, height, width, inputs: channels, filters, kernel };
    const pool: PoolShape | undefined = pooled ? { rows: shape.rows, height, width, channels: filters } : undefined;
    if (pooled) {
      height = Math.floor(height / 2);
      width = Math.floor(width / 2);
    }
    channels = filters;
    return { conv, pool };
  });
  const widths = [height * width * channels, ...shape.dense];
  return { convs, dense: shape.dense.map((outputs, l) => ({ inputs: widths[l]!, outputs })) };
}

/**
 * Mean softmax-cross-entropy loss of the CNN on x [rows, H, W, C] with labels, and (with
 * `gradients`) its gradients by backpropagation through dense → pool → conv → … layers. The
 * activation follows every conv and every dense layer but the last; the pool takes the activated
 * map, the first dense layer the last pool's output as [rows, h·w·c] (NHWC flatten, no copy).
 */
export function cnnLoss(shape: CnnShape, params: CnnParameters, x: Numbers, labels: Numbers, gradients = false) {
  const { convs, dense } = cnnLayers(shape);
  const rows = shape.rows;
  const act = shape.activation;
  let input: Numbers = x;
  const convTrace = convs.map(({ conv, pool }, l) => {
    const layerInput = input;
    const raw = convForward(layerInput, params.weights[l]!, params.biases[l]!, conv);
    const activated = activate(raw, act);
    const { pooled, argmax } = pool ? maxPoolForward(activated, pool) : { pooled: activated, argmax: undefined };
    input = pooled;
    return { input: layerInput, raw, activated, argmax };
  });
  const denseTrace = dense.map(({ inputs, outputs }, l) => {
    const layerInput = input;
    const p = convs.length + l;
    const raw = matmulForward(layerInput, params.weights[p]!, params.biases[p]!, rows, inputs, outputs);
    const activated = l === dense.length - 1 ? raw : activate(raw, act);
    input = activated;
    return { input: layerInput, raw, activated };
  });
  const classes = dense[dense.length - 1]!.outputs;
  const result = softmaxCrossEntropy(input, labels, rows, classes);
  const loss = result.lossSum / result.count;
  if (!gradients) return { loss };

  const dweights: Float64Array[] = [];
  const dbiases: Float64Array[] = [];
  let dz: Float64Array = result.dlogits; // d loss / d raw of the current layer
  for (let l = dense.length - 1; l >= 0; l--) {
    const { inputs, outputs } = dense[l]!;
    const trace = denseTrace[l]!;
    const g = backwardWeights(trace.input, dz, rows, inputs, outputs);
    dweights[convs.length + l] = g.dweights;
    dbiases[convs.length + l] = g.dbiases;
    const dInput = backwardInput(dz, params.weights[convs.length + l]!, rows, inputs, outputs);
    if (l > 0) {
      const prev = denseTrace[l - 1]!;
      const grad = activationGradient(prev.raw, prev.activated, act);
      dz = dInput.map((v, i) => v * grad[i]!);
    } else {
      dz = dInput; // d loss / d (last pool's output)
    }
  }
  for (let l = convs.length - 1; l >= 0; l--) {
    const { conv, pool } = convs[l]!;
    const trace = convTrace[l]!;
    const dActivated = pool ? maxPoolBackward(dz, trace.argmax!, pool) : dz;
    const grad = activationGradient(trace.raw, trace.activated, act);
    const dRaw = dActivated.map((v, i) => v * grad[i]!);
    const g = convBackwardWeights(trace.input, dRaw, conv);
    dweights[l] = g.dweights;
    dbiases[l] = g.dbiases;
    if (l > 0) dz = convBackwardInput(dRaw, params.weights[l]!, conv);
  }
  return { loss, dweights, dbiases };
}

/**
 * The CNN's logits [rows, classes] on x [rows, H, W, C]: the forward half of {@link cnnLoss} (the
 * activation after every conv and every dense layer but the last, each pool on the activated map).
 * Saliency is checked against finite differences of these.
 */
export function cnnLogits(shape: CnnShape, params: CnnParameters, x: Numbers): Float64Array {
  const { convs, dense } = cnnLayers(shape);
  let input: Numbers = x;
  convs.forEach(({ conv, pool }, l) => {
    const activated = activate(convForward(input, params.weights[l]!, params.biases[l]!, conv), shape.activation);
    input = pool ? maxPoolForward(activated, pool).pooled : activated;
  });
  dense.forEach(({ inputs, outputs }, l) => {
    const p = convs.length + l;
    const raw = matmulForward(input, params.weights[p]!, params.biases[p]!, shape.rows, inputs, outputs);
    input = l === dense.length - 1 ? raw : activate(raw, shape.activation);
  });
  return Float64Array.from(input);
}
