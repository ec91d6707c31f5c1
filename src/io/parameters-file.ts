/**
 * Network parameters as a safetensors file. nnscope writes `layers.{l}.weights` ([inputs, outputs],
 * or [k, k, inputs, filters] for a conv: NHWC, conv-common.wgsl) and `layers.{l}.biases`. It reads
 * those, or a PyTorch state dict of an `nn.Sequential` of Linear, Conv2d, ReLU, MaxPool2d and
 * Flatten modules: the parameter modules are the `<prefix>.weight` tensors of 2 dimensions (Linear,
 * [outputs, inputs]: transposed) or 4 (Conv2d, [filters, inputs, kh, kw]: to [kh, kw, inputs,
 * filters]); the first Linear after a Conv2d also has its inputs reordered from PyTorch's flatten
 * order (channel, y, x) to nnscope's (y, x, channel). The safetensors library writes tensors sorted
 * by name, so the file order is not the model's: layers are ordered by module path, numbers as
 * numbers (`2` before `10`, `fc2` before `fc10`). Everything is checked before anything is
 * returned, so a bad file never half-replaces a model.
 */
import { networkName, shapesOf, type LayerShapes, type NetworkOf } from '../engine/layers.js';
import { decodeSafetensors, encodeSafetensors, SafetensorsError, type Tensor } from './safetensors.js';

export interface Parameters {
  weights: Float32Array[];
  biases: Float32Array[];
}


/** The safetensors bytes of the parameters of `network`: MLP widths such as [784, 128, 128, 10], or networkShapes(engine.config.layers, inputWidth). */
export function parametersToSafetensors({ weights, biases }: Parameters, network: NetworkOf, metadata: Record<string, string> = {}): Uint8Array<ArrayBuffer> {
  const shapes = shapesOf(network);
  const tensors = new Map<string, Tensor>();
  weights.forEach((w, l) => {
    tensors.set(`layers.${l}.weights`, { shape: [...shapes.layers[l]!.weights], data: w });
    tensors.set(`layers.${l}.biases`, { shape: [shapes.layers[l]!.biases], data: biases[l] });
  });
  return encodeSafetensors(tensors, { format: 'nnscope', sizes: shapes.sizes.join(','), layers: shapes.text, ...metadata });
}

/**
 * Reads parameters for `network` from safetensors bytes; a clear SafetensorsError otherwise.
 * `input` ('28×28×1'), when given, must match the image shape an nnscope file was trained on (its
 * metadata `input`): the same input count may be another image (16×49, or 28×28 RGB versus 28×84 grey).
 */
export function parametersFromSafetensors(bytes: Uint8Array, network: NetworkOf, fileName: string, input?: string): Parameters & { format: 'nnscope' | 'pytorch' } {
  const shapes = shapesOf(network);
  const { tensors, metadata } = decodeSafetensors(bytes, fileName);
  if (input && metadata.input && metadata.input !== input) {
    throw new SafetensorsError(`${fileName} was trained on ${metadata.input} images; this network takes ${input}. Load it into a network built for that data.`);
  }
  const name = networkName(shapes);
  const layers = shapes.layers.length;
  const expectShape = (tensorName: string, tensor: Tensor | undefined, shape: readonly number[]) => {
    if (!tensor) throw new SafetensorsError(`${fileName} has no tensor ${tensorName}; this network (${name}) needs it.`);
    if (tensor.shape.join() !== shape.join()) {
      throw new SafetensorsError(`${fileName}: ${tensorName} has shape [${tensor.shape}], this network (${name}) needs [${shape}].`);
    }
    const bad = tensor.data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new SafetensorsError(`${fileName}: ${tensorName}[${bad}] is ${tensor.data[bad]}; parameters must be finite (was the file saved from a diverged run?).`);
    return tensor.data;
  };
  if (tensors.has('layers.0.weights')) {
    if (tensors.has(`layers.${layers}.weights`)) {
      throw new SafetensorsError(`${fileName} has layers.${layers}.weights, more layers than this network (${name}) has; load it into a network with the same layers.`);
    }
    const weights = shapes.layers.map((layer, l) => expectShape(`layers.${l}.weights`, tensors.get(`layers.${l}.weights`), layer.weights));
    const biases = shapes.layers.map((layer, l) => expectShape(`layers.${l}.biases`, tensors.get(`layers.${l}.biases`), [layer.biases]));
    // Same shapes may still be other layers (a pool moved between convs); older files have no 'layers'.
    if (metadata.layers !== undefined && metadata.layers !== shapes.text) {
      throw new SafetensorsError(`${fileName} holds the layers '${metadata.layers}'; this network has '${shapes.text}'. Load it into a network with the same layers.`);
    }
    return { format: 'nnscope', weights, biases };
  }
  // PyTorch: the 2-D (Linear) and 4-D (Conv2d) `.weight` tensors, in module order, are the layers.
  const prefixes = [...tensors.keys()]
    .filter((key) => key.endsWith('.weight') && [2, 4].includes(tensors.get(key)!.shape.length))
    .map((key) => key.slice(0, -'.weight'.length))
    .sort(compareModulePaths);
  if (prefixes.length === 0) {
    throw new SafetensorsError(`${fileName} has neither nnscope tensors (layers.0.weights, …) nor PyTorch Linear or Conv2d layers (0.weight, 0.bias, …); its tensors: ${[...tensors.keys()].slice(0, 8).join(', ')}.`);
  }
  const kinds = (list: readonly number[]) => list.map((d) => (d === 4 ? 'Conv2d' : 'Linear')).join(', ');
  const fileKinds = prefixes.map((prefix) => tensors.get(`${prefix}.weight`)!.shape.length);
  const ourKinds = shapes.layers.map((layer) => layer.weights.length);
  if (prefixes.length !== layers || fileKinds.join() !== ourKinds.join()) {
    const linearOnly = fileKinds.every((d) => d === 2) && ourKinds.every((d) => d === 2);
    throw new SafetensorsError(linearOnly
      ? `${fileName} holds ${prefixes.length} linear layers (${prefixes.join(', ')}); this network (${name}) has ${layers}.`
      : `${fileName} holds ${prefixes.length} layers (${prefixes.map((p, i) => `${p}: ${kinds([fileKinds[i]!])}`).join(', ')}); this network (${name}) has ${layers} (${kinds(ourKinds)}).`);
  }
  const weights = prefixes.map((prefix, l) => fromPytorch(shapes.layers[l]!, (shape) => expectShape(`${prefix}.weight`, tensors.get(`${prefix}.weight`), shape)));
  const biases = prefixes.map((prefix, l) => expectShape(`${prefix}.bias`, tensors.get(`${prefix}.bias`), [shapes.layers[l]!.biases]));
  return { format: 'pytorch', weights, biases };
}

/** One layer's weights from PyTorch's layout to nnscope's; `read(shape)` gets the tensor, checked to have that PyTorch shape. */
function fromPytorch(layer: LayerShapes, read: (shape: number[]) => Float32Array): Float32Array {
  if (layer.weights.length === 4) {
    const [k, , inputs, filters] = layer.weights as [number, number, number, number];
    const torch = read([filters, inputs, k, k]); // [out, in, kh, kw]
    const out = new Float32Array(torch.length);
    for (let f = 0; f < filters; f++) for (let c = 0; c < inputs; c++) for (let ky = 0; ky < k; ky++) for (let kx = 0; kx < k; kx++) {
      out[((ky * k + kx) * inputs + c) * filters + f] = torch[((f * inputs + c) * k + ky) * k + kx]!;
    }
    return out;
  }
  const [inputs, outputs] = layer.weights as [number, number];
  const torch = read([outputs, inputs]); // [out, in], in ordered (c, y, x) after a Flatten
  const map = layer.flattens;
  // nnscope's input row i = (y·W + x)·C + c reads PyTorch's column c·H·W + y·W + x.
  const column = map
    ? (i: number) => (i % map.channels) * map.height * map.width + Math.floor(i / map.channels)
    : (i: number) => i;
  const out = new Float32Array(torch.length);
  for (let i = 0; i < inputs; i++) {
    const from = column(i);
    for (let o = 0; o < outputs; o++) out[i * outputs + o] = torch[o * inputs + from]!;
  }
  return out;
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
