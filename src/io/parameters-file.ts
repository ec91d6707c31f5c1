/**
 * Network parameters as a safetensors file. nnscope writes `layers.{l}.weights` [inputs, outputs]
 * and `layers.{l}.biases` [outputs]. It reads those, or a PyTorch MLP's state dict
 * (`<prefix>.weight` [outputs, inputs] and `<prefix>.bias`, e.g. nn.Sequential's `0.weight`,
 * `2.weight`, …, `10.weight`), transposing the weights. The safetensors library writes tensors sorted
 * by name, so the file order is not the model's: layers are ordered by module path, numbers as
 * numbers (`2` before `10`, `fc2` before `fc10`). Everything is checked before anything is
 * returned, so a bad file never half-replaces a model.
 */
import { decodeSafetensors, encodeSafetensors, SafetensorsError, type Tensor } from './safetensors.js';

export interface Parameters {
  weights: Float32Array[];
  biases: Float32Array[];
}

/** The safetensors bytes of the parameters of a network with layer sizes `sizes` (e.g. [784, 128, 128, 10]). */
export function parametersToSafetensors({ weights, biases }: Parameters, sizes: readonly number[], metadata: Record<string, string> = {}): Uint8Array<ArrayBuffer> {
  const tensors = new Map<string, Tensor>();
  weights.forEach((w, l) => {
    tensors.set(`layers.${l}.weights`, { shape: [sizes[l], sizes[l + 1]], data: w });
    tensors.set(`layers.${l}.biases`, { shape: [sizes[l + 1]], data: biases[l] });
  });
  return encodeSafetensors(tensors, { format: 'nnscope', sizes: sizes.join(','), ...metadata });
}

/**
 * Reads parameters for a network of `sizes` from safetensors bytes; a clear SafetensorsError
 * otherwise. `input` ('28×28×1'), when given, must match the image shape an nnscope file was
 * trained on (its metadata `input`): the same input count may be another image (16×49, or 28×28 RGB
 * versus 28×84 grey).
 */
export function parametersFromSafetensors(bytes: Uint8Array, sizes: readonly number[], fileName: string, input?: string): Parameters & { format: 'nnscope' | 'pytorch' } {
  const { tensors, metadata } = decodeSafetensors(bytes, fileName);
  if (input && metadata.input && metadata.input !== input) {
    throw new SafetensorsError(`${fileName} was trained on ${metadata.input} images; this network takes ${input}. Load it into a network built for that data.`);
  }
  const layers = sizes.length - 1;
  const expectShape = (name: string, tensor: Tensor | undefined, shape: number[]) => {
    if (!tensor) throw new SafetensorsError(`${fileName} has no tensor ${name}; this network (${sizes.join('-')}) needs it.`);
    if (tensor.shape.join() !== shape.join()) {
      throw new SafetensorsError(`${fileName}: ${name} has shape [${tensor.shape}], this network (${sizes.join('-')}) needs [${shape}].`);
    }
    const bad = tensor.data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new SafetensorsError(`${fileName}: ${name}[${bad}] is ${tensor.data[bad]}; parameters must be finite (was the file saved from a diverged run?).`);
    return tensor.data;
  };
  if (tensors.has('layers.0.weights')) {
    if (tensors.has(`layers.${layers}.weights`)) {
      throw new SafetensorsError(`${fileName} has layers.${layers}.weights, more layers than this network (${sizes.join('-')}) has; load it into a network with the same layers.`);
    }
    return {
      format: 'nnscope',
      weights: Array.from({ length: layers }, (_, l) => expectShape(`layers.${l}.weights`, tensors.get(`layers.${l}.weights`), [sizes[l], sizes[l + 1]])),
      biases: Array.from({ length: layers }, (_, l) => expectShape(`layers.${l}.biases`, tensors.get(`layers.${l}.biases`), [sizes[l + 1]])),
    };
  }
  // PyTorch: the 2-D `.weight` tensors, in module order, are the linear layers.
  const prefixes = [...tensors.keys()]
    .filter((name) => name.endsWith('.weight') && tensors.get(name)!.shape.length === 2)
    .map((name) => name.slice(0, -'.weight'.length))
    .sort(compareModulePaths);
  if (prefixes.length === 0) {
    throw new SafetensorsError(`${fileName} has neither nnscope tensors (layers.0.weights, …) nor PyTorch linear layers (0.weight, 0.bias, …); its tensors: ${[...tensors.keys()].slice(0, 8).join(', ')}.`);
  }
  if (prefixes.length !== layers) {
    throw new SafetensorsError(`${fileName} holds ${prefixes.length} linear layers (${prefixes.join(', ')}); this network (${sizes.join('-')}) has ${layers}.`);
  }
  const weights = prefixes.map((prefix, l) => transpose(expectShape(`${prefix}.weight`, tensors.get(`${prefix}.weight`), [sizes[l + 1], sizes[l]]), sizes[l + 1], sizes[l]));
  const biases = prefixes.map((prefix, l) => expectShape(`${prefix}.bias`, tensors.get(`${prefix}.bias`), [sizes[l + 1]]));
  return { format: 'pytorch', weights, biases };
}

/**
 * Orders module paths as PyTorch numbers its modules: segment by segment, runs of digits compared as
 * numbers ('2' < '10', 'fc2' < 'fc10', 'layers.2.fc' < 'layers.10.fc'), the rest as text.
 */
export function compareModulePaths(a: string, b: string): number {
  const [as, bs] = [a.split('.'), b.split('.')];
  for (let i = 0; i < Math.min(as.length, bs.length); i++) {
    const order = compareNatural(as[i], bs[i]);
    if (order !== 0) return order;
  }
  return as.length - bs.length;
}

function compareNatural(a: string, b: string): number {
  const [as, bs] = [a.split(/(\d+)/), b.split(/(\d+)/)]; // text, digits, text, digits, …
  for (let i = 0; i < Math.min(as.length, bs.length); i++) {
    const [x, y] = [as[i], bs[i]];
    if (x === y) continue;
    if (i % 2 === 1) {
      // Numbers of any length: more digits is larger, equal lengths compare as text.
      const [u, v] = [x.replace(/^0+(?=\d)/, ''), y.replace(/^0+(?=\d)/, '')];
      if (u.length !== v.length) return u.length - v.length;
      if (u !== v) return u < v ? -1 : 1;
      return x.length - y.length; // '02' after '2'
    }
    return x < y ? -1 : 1;
  }
  return as.length - bs.length;
}

/** rows × cols row-major → cols × rows row-major. */
function transpose(m: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(m.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = m[r * cols + c];
  return out;
}
