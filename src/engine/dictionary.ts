/**
 * The training dictionary: every tensor the engine keeps on the GPU, declared in one table and
 * allocated in one place. Parameters, gradients and optimizer state of all layers each live in
 * one flat buffer (so one optimizer dispatch updates the whole network); each layer's tensors are
 * 256-byte-aligned ranges of it that compute and render pipelines bind directly.
 */
import type { DataShape } from '../data/dataset.js';
import { BufferOwner, storageUsage } from '../gpu/buffers.js';
import { readRanges, type BufferRange } from '../gpu/readback.js';
import type { EngineConfig } from './config.js';
import { mapDims, networkShapes, outputShape, pooledMap, weightMatrix, weightShape, type Layer, type NetworkShapes } from './layers.js';

/** A named tensor: a range of a GPU buffer, bindable as `{ buffer, offset, size }`. */
export interface TensorView extends BufferRange {
  /** e.g. 'layers.0.weights'. */
  readonly name: string;
  /** Row-major shape, e.g. [784, 128] for weights (inputs × outputs) or [rows, 128] for outputs. */
  readonly shape: readonly number[];
}

/** The per-layer entries; `weightCache`/`biasCache` exist for Adam only, `pooled` for conv layers followed by a pool. */
export const LAYER_TENSORS = [
  'weights', 'biases', 'dweights', 'dbiases', 'weightMomentums', 'biasMomentums',
  'weightCache', 'biasCache', 'rawOutputs', 'outputs', 'pooled',
] as const;
export type LayerTensorName = (typeof LAYER_TENSORS)[number];
type OptionalTensor = 'weightCache' | 'biasCache' | 'pooled';
export type LayerTensors<T> = { [K in LayerTensorName]: K extends OptionalTensor ? T | undefined : T };

const ALIGN_FLOATS = 64; // 256 bytes: WebGPU's minimum storage-buffer offset alignment

/** Offsets (in floats) of each layer's weights and biases in the flat parameter buffers, and their shapes. */
export function parameterLayout(layers: readonly Layer[]) {
  const align = (n: number) => Math.ceil(n / ALIGN_FLOATS) * ALIGN_FLOATS;
  let at = 0;
  const entries = layers.map((layer) => {
    const { rows, columns } = weightMatrix(layer);
    const weights = at;
    const biases = align(weights + rows * columns);
    at = align(biases + columns);
    return { weights, biases, weightCount: rows * columns, biasCount: columns, weightShape: weightShape(layer) };
  });
  return { layers: entries, length: at };
}

/** Values per row of an activation tensor ([rows, width] or [rows, height, width, channels]). */
export function rowWidth(view: TensorView): number {
  return view.shape.slice(1).reduce((a, b) => a * b, 1);
}

/** Rows the probe's buffers hold: the most samples one engine.forward() takes. */
export const PROBE_ROWS = 256;

/** One layer's outputs for a block of rows; a pooled conv also has its pooled map and the pool's argmax (u32, flat indices into `outputs`). */
export interface LayerActivations {
  readonly rawOutputs: TensorView;
  readonly outputs: TensorView;
  readonly pooled?: TensorView;
  readonly argmax?: GPUBuffer;
}

/** What the next layer reads of `layer`: its pooled map where there is one. */
export function passedOn(layer: LayerActivations): TensorView {
  return layer.pooled ?? layer.outputs;
}

/** What a forward pass writes for a block of rows: the gathered inputs and every layer's outputs. */
export interface Activations {
  /** The gathered inputs [rows, inputs], scaled: what the first layer saw. */
  readonly input: TensorView;
  /** Their labels [rows] as u32 (0xffffffff marks padding rows). */
  readonly labels: GPUBuffer;
  /** Per layer, raw and activated outputs [rows, …] (softmax probabilities for the output layer), and pooled maps. */
  readonly layers: readonly LayerActivations[];
}

/** A tensor of `rows` rows of `shape`, named `${prefix}${path}`, in a storage buffer of its own. */
function allocateTensor(owner: BufferOwner, prefix: string, path: string, rows: number, shape: number[]): TensorView {
  // Buffers hold whole vec4s: the conv kernels bind maps (and a first layer's 1- or 3-channel input) as array<vec4f>.
  const size = rows * shape.reduce((a, b) => a * b) * 4;
  return { name: `${prefix}${path}`, shape: [rows, ...shape], offset: 0, size, buffer: owner.create(`${prefix}${path}`, Math.ceil(size / 16) * 16, storageUsage()) };
}

/** Buffers for the gathered inputs and labels of `rows` rows, named `${prefix}input`, `${prefix}labels`. */
export function allocateInputs(owner: BufferOwner, prefix: string, config: EngineConfig, rows: number): Pick<Activations, 'input' | 'labels'> {
  return { input: allocateTensor(owner, prefix, 'input', rows, [config.sizes[0]!]), labels: owner.create(`${prefix}labels`, rows * 4, storageUsage()) };
}

/** Buffers for the inputs and every layer's outputs of `rows` rows, named `${prefix}input`, `${prefix}layers.{l}.…`. */
export function allocateActivations(owner: BufferOwner, prefix: string, config: EngineConfig, rows: number): Activations {
  const tensor = (path: string, shape: number[]) => allocateTensor(owner, prefix, path, rows, shape);
  return {
    ...allocateInputs(owner, prefix, config, rows),
    layers: config.layers.map((layer, l) => {
      const map = pooledMap(layer);
      const pooled = map && tensor(`layers.${l}.pooled`, mapDims(map));
      return {
        rawOutputs: tensor(`layers.${l}.rawOutputs`, outputShape(layer)),
        outputs: tensor(`layers.${l}.outputs`, outputShape(layer)),
        pooled,
        argmax: pooled && owner.create(`${prefix}layers.${l}.argmax`, pooled.size, storageUsage()),
      };
    }),
  };
}

/** Owns every buffer of the dictionary. */
export class TrainingDictionary {
  readonly layout: ReturnType<typeof parameterLayout>;
  /** The layers' shapes as files record them. */
  readonly network: NetworkShapes;
  /** The data the network is built for (files record it). */
  readonly shape: DataShape;
  /** All weights and biases, flat. */
  readonly parameters: GPUBuffer;
  /** Gradients of the last step, flat, same layout. */
  readonly gradients: GPUBuffer;
  /** SGD momentums or Adam first moments, flat. */
  readonly momentums: GPUBuffer;
  /** Adam second moments (cache), flat; absent for SGD. */
  readonly caches: GPUBuffer | undefined;
  /** The gathered evaluation batch [capacity, pixels], scaled (training's is `training.input`). */
  readonly input: TensorView;
  /** The evaluation batch's labels [capacity] as u32 (0xffffffff marks padding rows). */
  readonly inputLabels: GPUBuffer;
  /** d loss / d raw output per layer [batchSize, width]: backward scratch. */
  readonly rawGradients: GPUBuffer[];
  /** d loss / d pooled map per pooled conv layer [batchSize, pooled width] (undefined elsewhere): backward scratch. */
  readonly pooledGradients: (GPUBuffer | undefined)[];
  /** Per layer, every named tensor. */
  readonly layers: LayerTensors<TensorView>[];
  /** Moves whenever the parameters, gradients or optimizer state may have changed (views redraw on it). */
  revision = 0;
  /** The evaluation batch: `input`, `inputLabels` and the layers' outputs, as Activations. */
  readonly batch: Activations;
  /**
   * The training batch: inputs and labels of its own ([batchSize, …]: the last batch trained on, as
   * augmented, stays there while evaluation gathers into `batch`), and `batch`'s layer outputs.
   */
  readonly training: Activations;
  /**
   * The samples of engine.forward() (the strips' sample): buffers of their own, which training and
   * evaluation never write, so a view can bind and redraw them at any time.
   */
  readonly probe: Activations;

  private readonly owner: BufferOwner;

  constructor(device: GPUDevice, config: EngineConfig, capacity: number) {
    const STORAGE = storageUsage();
    this.owner = new BufferOwner(device, 'TrainingDictionary');
    this.layout = parameterLayout(config.layers);
    this.network = networkShapes(config.layers, config.sizes[0]);
    this.shape = config.shape;
    const bytes = this.layout.length * 4;
    this.parameters = this.owner.create('parameters', bytes, STORAGE);
    this.gradients = this.owner.create('gradients', bytes, STORAGE);
    this.momentums = this.owner.create('momentums', bytes, STORAGE);
    this.caches = config.optimizer.type === 'adam' ? this.owner.create('caches', bytes, STORAGE) : undefined;
    this.rawGradients = [];
    this.pooledGradients = [];
    const batch = allocateActivations(this.owner, '', config, capacity);
    this.input = batch.input;
    this.inputLabels = batch.labels;
    this.layers = this.layout.layers.map(({ weights, biases, weightShape, biasCount }, l) => {
      const range = (name: string, buffer: GPUBuffer, offset: number, shape: number[]): TensorView =>
        ({ name: `layers.${l}.${name}`, buffer, offset: offset * 4, size: shape.reduce((a, b) => a * b) * 4, shape });
      const weightsIn = (buffer: GPUBuffer, name: string) => range(name, buffer, weights, weightShape);
      const biasesIn = (buffer: GPUBuffer, name: string) => range(name, buffer, biases, [biasCount]);
      const { rawOutputs, outputs, pooled } = batch.layers[l];
      this.rawGradients.push(this.owner.create(`layers.${l}.rawGradients`, config.batchSize * rowWidth(rawOutputs) * 4, STORAGE));
      this.pooledGradients.push(pooled && this.owner.create(`layers.${l}.pooledGradients`, config.batchSize * rowWidth(pooled) * 4, STORAGE));
      return {
        weights: weightsIn(this.parameters, 'weights'),
        biases: biasesIn(this.parameters, 'biases'),
        dweights: weightsIn(this.gradients, 'dweights'),
        dbiases: biasesIn(this.gradients, 'dbiases'),
        weightMomentums: weightsIn(this.momentums, 'weightMomentums'),
        biasMomentums: biasesIn(this.momentums, 'biasMomentums'),
        weightCache: this.caches && weightsIn(this.caches, 'weightCache'),
        biasCache: this.caches && biasesIn(this.caches, 'biasCache'),
        rawOutputs, outputs, pooled,
      };
    });
    this.batch = batch;
    this.training = { ...allocateInputs(this.owner, 'training.', config, config.batchSize), layers: batch.layers };
    this.probe = allocateActivations(this.owner, 'probe.', config, PROBE_ROWS);
  }

  /** Reads every tensor back: one Float32Array per entry and layer (Adam caches only for Adam). */
  async read(): Promise<LayerTensors<Float32Array>[]> {
    const entries = this.layers.flatMap((layer, l) =>
      LAYER_TENSORS.flatMap((name) => (layer[name] ? [{ l, name, view: layer[name]! }] : [])),
    );
    const arrays = await readRanges(this.owner.device, entries.map((e) => e.view));
    const result = this.layers.map(() => ({ weightCache: undefined, biasCache: undefined }) as unknown as LayerTensors<Float32Array>);
    entries.forEach((e, i) => ((result[e.l] as Record<string, Float32Array>)[e.name] = arrays[i]));
    return result;
  }

  /** Reads the training batch's inputs and labels back (the last batch gathered for training). */
  async readTrainingBatch(): Promise<{ input: Float32Array; labels: Uint32Array }> {
    const { input, labels } = this.training;
    const [inputs, labelWords] = await readRanges(this.owner.device, [input, { buffer: labels, offset: 0, size: labels.size }]);
    return { input: inputs, labels: new Uint32Array(labelWords.buffer, labelWords.byteOffset, labelWords.length) };
  }

  /** Reads the first `rows` rows of the probe's buffers back: what the last engine.forward() wrote. */
  async readProbe(rows: number): Promise<{ input: Float32Array; layers: { rawOutputs: Float32Array; outputs: Float32Array; pooled?: Float32Array }[] }> {
    if (!Number.isInteger(rows) || rows < 1 || rows > PROBE_ROWS) throw new RangeError(`readProbe(rows) takes 1 to ${PROBE_ROWS} rows, got ${rows}.`);
    const first = (view: TensorView) => ({ buffer: view.buffer, offset: view.offset, size: rows * rowWidth(view) * 4 });
    const { input, layers } = this.probe;
    const views = layers.map((l) => [l.rawOutputs, l.outputs, ...(l.pooled ? [l.pooled] : [])]);
    const [inputs, ...arrays] = await readRanges(this.owner.device, [input, ...views.flat()].map(first));
    let at = 0;
    return {
      input: inputs,
      layers: views.map((v) => {
        const [rawOutputs, outputs, pooled] = arrays.slice(at, (at += v.length));
        return { rawOutputs, outputs, ...(pooled ? { pooled } : {}) };
      }),
    };
  }

  /** Copies all weights and biases into `into` (a snapshot as large as `parameters`), queue-ordered after submitted training. */
  copyParameters(into: GPUBuffer): void {
    const encoder = this.owner.device.createCommandEncoder({ label: `TrainingDictionary.copyParameters(${into.label})` });
    encoder.copyBufferToBuffer(this.parameters, 0, into, 0, this.parameters.size);
    this.owner.device.queue.submit([encoder.finish()]);
  }

  /** Writes every layer's weights and biases (and zeroes gradients and optimizer state). */
  writeParameters(weights: readonly Float32Array[], biases: readonly Float32Array[]): void {
    const flat = new Float32Array(this.layout.length);
    this.layout.layers.forEach((layer, l) => {
      flat.set(weights[l], layer.weights);
      flat.set(biases[l], layer.biases);
    });
    const queue = this.owner.device.queue;
    this.revision++;
    queue.writeBuffer(this.parameters, 0, flat);
    const zeros = new Float32Array(this.layout.length);
    for (const buffer of [this.gradients, this.momentums, this.caches]) if (buffer) queue.writeBuffer(buffer, 0, zeros);
  }

  destroy(): void {
    this.owner.destroy();
  }
}
