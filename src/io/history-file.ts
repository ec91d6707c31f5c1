/**
 * A recorded training history as a safetensors file. Snapshot i, layer l, entry name is the F32
 * tensor `history.{i}.layers.{l}.{name}`: weights-shaped entries have the weights' shape ([inputs,
 * outputs], or [k, k, inputs, filters] for a conv), bias-shaped ones [outputs] (the same shapes as
 * `layers.{l}.weights` / `.biases` in a parameters file). The `__metadata__` holds
 * `format: nnscope-history`, `sizes` ('784,128,128,10'), `layers` ('128, 128, 10'), `optimizer`
 * ('sgd' | 'adam'; Adam histories add weightCache and biasCache), `every`, `budgetBytes`,
 * `thinning` (the policy in words) and `snapshots`, a JSON array of { step, epoch, stepInEpoch, loss? }
 * (loss: the training loss over the steps before the snapshot, when the run knew it).
 * Reading checks everything before returning, so a bad file never half-replaces a history. Values
 * are not checked for being finite: a run that diverged recorded NaN and ∞, and replays them as they were.
 */
import type { LayerTensorName } from '../engine/dictionary.js';
import { networkName, shapesOf, type NetworkOf, type NetworkShapes } from '../engine/layers.js';
import { decodeSafetensors, encodeSafetensors, SafetensorsError, type Tensor } from './safetensors.js';

/** The per-layer entries a history records: all but the batch outputs. */
export type HistoryTensorName = Exclude<LayerTensorName, 'rawOutputs' | 'outputs' | 'pooled'>;

/** The recorded entries in file order; the caches exist for Adam only. */
export const HISTORY_TENSORS = [
  'weights', 'biases', 'dweights', 'dbiases', 'weightMomentums', 'biasMomentums', 'weightCache', 'biasCache',
] as const satisfies readonly HistoryTensorName[];

/** One layer of one snapshot, like `dictionary.read()`'s entries (caches undefined for SGD). */
export type HistoryLayer = { [K in HistoryTensorName]: K extends 'weightCache' | 'biasCache' ? Float32Array | undefined : Float32Array };

/** Where in the run a snapshot was taken. */
export interface SnapshotPosition {
  /** Updates applied (engine.stepCount). */
  readonly step: number;
  readonly epoch: number;
  readonly stepInEpoch: number;
  /** The training loss over the steps just before it (the curves' interval ending here), when known. */
  readonly loss?: number;
}

/** A whole history in host memory: what the file holds. */
export interface HistoryFile {
  /** The network: MLP widths, input to output (e.g. [784, 128, 128, 10]), or its file shapes (networkShapes). */
  network: NetworkOf;
  /** The image shape the network was built for, e.g. '28×28×1' (absent in older files). */
  input?: string;
  optimizer: 'sgd' | 'adam';
  /** The recording interval when written (after any thinning). */
  every: number;
  budgetBytes: number;
  /** Oldest first. */
  snapshots: (SnapshotPosition & { layers: HistoryLayer[] })[];
}

export const HISTORY_FORMAT = 'nnscope-history';

/** The thinning policy in words, written into every file. */
export const THINNING_POLICY =
  'When a snapshot would exceed the budget, keep the first snapshot and those at multiples of twice `every`, ' +
  'then double `every` (for a history started at step 0: every second snapshot, indices 0, 2, 4, …).';

const isCache = (name: HistoryTensorName) => name === 'weightCache' || name === 'biasCache';
const isBias = (name: HistoryTensorName) => name.startsWith('bias') || name === 'dbiases';

/** The names recorded with this optimizer. */
export function historyTensorNames(optimizer: 'sgd' | 'adam'): HistoryTensorName[] {
  return HISTORY_TENSORS.filter((name) => optimizer === 'adam' || !isCache(name));
}

/** The shape of entry `name` of layer `l`. */
function shapeOf(network: NetworkShapes, l: number, name: HistoryTensorName): number[] {
  const layer = network.layers[l]!;
  return isBias(name) ? [layer.biases] : [...layer.weights];
}

/**
 * The safetensors bytes of a history.
 * @example const bytes = historyToSafetensors({ network: [784, 10], optimizer: 'sgd', every: 50, budgetBytes: 1 << 20, snapshots });
 */
export function historyToSafetensors(file: HistoryFile): Uint8Array<ArrayBuffer> {
  const names = historyTensorNames(file.optimizer);
  const network = shapesOf(file.network);
  const tensors = new Map<string, Tensor>();
  file.snapshots.forEach((snapshot, i) =>
    snapshot.layers.forEach((layer, l) => {
      for (const name of names) tensors.set(`history.${i}.layers.${l}.${name}`, { shape: shapeOf(network, l, name), data: layer[name]! });
    }),
  );
  return encodeSafetensors(tensors, {
    format: HISTORY_FORMAT,
    sizes: network.sizes.join(','),
    layers: network.text,
    ...(file.input ? { input: file.input } : {}),
    optimizer: file.optimizer,
    every: String(file.every),
    budgetBytes: String(file.budgetBytes),
    thinning: THINNING_POLICY,
    snapshots: JSON.stringify(file.snapshots.map(({ step, epoch, stepInEpoch, loss }) => ({ step, epoch, stepInEpoch, ...(Number.isFinite(loss) ? { loss } : {}) }))),
  });
}

/**
 * Reads a history for `network` (MLP widths, or file shapes) trained with `optimizer`; a
 * SafetensorsError naming `fileName` and the problem otherwise.
 * @example const file = historyFromSafetensors(bytes, [784, 128, 10], 'sgd', 'run.safetensors');
 */
export function historyFromSafetensors(bytes: Uint8Array, networkOf: HistoryFile['network'], optimizer: 'sgd' | 'adam', fileName: string, input?: string): HistoryFile {
  const shapes = shapesOf(networkOf);
  const { sizes } = shapes;
  const { tensors, metadata } = decodeSafetensors(bytes, fileName);
  const fail = (problem: string): never => {
    throw new SafetensorsError(`${fileName}: ${problem}`);
  };
  if (metadata.format !== HISTORY_FORMAT) {
    fail(`its format is ${JSON.stringify(metadata.format ?? null)}, not an nnscope training history ('${HISTORY_FORMAT}'); load parameter files with importParameters().`);
  }
  const network = networkName(shapes);
  if (metadata.sizes === undefined) fail(`its metadata has no 'sizes' (the layer sizes, such as '784,128,10'); it is not a complete nnscope history.`);
  if (metadata.sizes !== sizes.join(',')) {
    const recorded = /^\d+(,\d+)+$/.test(metadata.sizes) ? `a ${metadata.sizes.replaceAll(',', '-')} network` : `layer sizes ${JSON.stringify(metadata.sizes)}`;
    fail(`it was recorded for ${recorded}; this one is ${network}. Create an engine with the same layers to replay it.`);
  }
  // Older files have no 'layers' (they are MLPs, which their sizes tell apart).
  if (metadata.layers !== undefined && metadata.layers !== shapes.text) {
    fail(`it was recorded for the layers '${metadata.layers}'; this one has '${shapes.text}'. Create an engine with the same layers to replay it.`);
  }
  if (input && metadata.input && metadata.input !== input) fail(`it was recorded on ${metadata.input} images; this network takes ${input}. Create an engine for that data to replay it.`);
  if (metadata.optimizer === undefined) fail(`its metadata has no 'optimizer' ('sgd' or 'adam'); it is not a complete nnscope history.`);
  if (metadata.optimizer !== optimizer) fail(`it was recorded with ${metadata.optimizer}; this engine uses ${optimizer}. Create an engine with the same optimizer to replay it.`);
  const every = Number(metadata.every);
  if (!Number.isSafeInteger(every) || every < 1) fail(`its 'every' is ${JSON.stringify(metadata.every ?? null)}, not a whole number from 1 to 2⁵³.`);
  const positions = parsePositions(metadata.snapshots, fail);
  const names = historyTensorNames(optimizer);
  const snapshots = positions.map((position, i) => ({
    ...position,
    layers: shapes.layers.map((_, l) => {
      const layer = { weightCache: undefined, biasCache: undefined } as Partial<HistoryLayer>;
      for (const name of names) {
        const key = `history.${i}.layers.${l}.${name}`;
        const tensor = tensors.get(key) ?? fail(`it has no tensor ${key}, which its ${positions.length} snapshots need (truncated or edited file).`);
        const shape = shapeOf(shapes, l, name);
        if (tensor.shape.join() !== shape.join()) fail(`${key} has shape [${tensor.shape}], this network (${network}) needs [${shape}].`);
        layer[name] = tensor.data;
      }
      return layer as HistoryLayer;
    }),
  }));
  const budgetBytes = Number(metadata.budgetBytes);
  return { network: shapes, input: metadata.input, optimizer, every, budgetBytes: Number.isFinite(budgetBytes) ? budgetBytes : 0, snapshots };
}

/** The `snapshots` metadata: a non-empty JSON array of positions with increasing steps. */
function parsePositions(text: string | undefined, fail: (problem: string) => never): SnapshotPosition[] {
  let list: unknown;
  try {
    list = JSON.parse(text ?? '');
  } catch {
    return fail(`its 'snapshots' metadata is ${text === undefined ? 'missing' : 'not JSON'}; it should list { step, epoch, stepInEpoch } per snapshot.`);
  }
  if (!Array.isArray(list) || list.length === 0) return fail(`its 'snapshots' metadata is not a non-empty list.`);
  const whole = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
  return list.map((entry, i) => {
    const { step, epoch, stepInEpoch, loss } = (entry ?? {}) as Record<string, unknown>;
    if (!whole(step) || !whole(epoch) || !whole(stepInEpoch)) fail(`snapshot ${i}'s position ${JSON.stringify(entry)} needs whole numbers step, epoch and stepInEpoch.`);
    if (i > 0 && (step as number) <= (list[i - 1] as SnapshotPosition).step) fail(`snapshot ${i} is at step ${step}, not after snapshot ${i - 1}'s step ${(list[i - 1] as SnapshotPosition).step}.`);
    if (loss !== undefined && !Number.isFinite(loss)) fail(`snapshot ${i}'s loss ${JSON.stringify(loss)} is not a number.`);
    return { step, epoch, stepInEpoch, ...(loss !== undefined ? { loss } : {}) } as SnapshotPosition;
  });
}
