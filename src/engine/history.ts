/**
 * The training dictionary over time: snapshots of every layer's weights, biases, gradients and
 * optimizer state, copied GPU-side (copyBufferToBuffer, no read-back) while training runs, and
 * bindable for views and for replaying the forward pass exactly as the live tensors are.
 */
import { shapeText } from '../data/dataset.js';
import { BufferOwner, storageUsage } from '../gpu/buffers.js';
import { readRanges, type BufferRange } from '../gpu/readback.js';
import {
  historyTensorNames, historyToSafetensors, type HistoryFile, type HistoryLayer, type HistoryTensorName, type SnapshotPosition,
} from '../io/history-file.js';
import type { TensorView, TrainingDictionary } from './dictionary.js';

export type { HistoryLayer, SnapshotPosition } from '../io/history-file.js';

/** The dictionary's flat buffers a snapshot copies. */
export type HistoryGroup = 'parameters' | 'gradients' | 'momentums' | 'caches';

export interface HistorySnapshot extends SnapshotPosition {
  /**
   * Each flat group, laid out exactly like the dictionary's flat buffer of that name
   * (dictionary.layout), starting at byte `offset` (256-aligned). `caches` only with Adam. A view
   * binds { buffer, offset: offset + tensorView.offset, size: tensorView.size } (see `range`).
   */
  readonly groups: { readonly [G in HistoryGroup]?: { readonly buffer: GPUBuffer; readonly offset: number } };
}

export interface HistoryOptions {
  /** Record every K updates (default 50). */
  every?: number;
  /** Upper bound on GPU memory for snapshots, bytes (default 256 MiB). */
  budgetBytes?: number;
}

const DEFAULT_EVERY = 50;
const DEFAULT_BUDGET = 256 * 2 ** 20;
// STORAGE: views bind snapshot ranges in fragment shaders; COPY_*: recording, replay and read-back.
const GROUP_OF: Record<HistoryTensorName, HistoryGroup> = {
  weights: 'parameters', biases: 'parameters', dweights: 'gradients', dbiases: 'gradients',
  weightMomentums: 'momentums', biasMomentums: 'momentums', weightCache: 'caches', biasCache: 'caches',
};

type Slot = HistorySnapshot['groups'];

const optimizerOf = (dictionary: TrainingDictionary) => (dictionary.caches ? 'adam' : 'sgd');
const groupsOf = (dictionary: TrainingDictionary): HistoryGroup[] =>
  dictionary.caches ? ['parameters', 'gradients', 'momentums', 'caches'] : ['parameters', 'gradients', 'momentums'];
/** One snapshot: every group is as large as the dictionary's flat buffers (a multiple of 256 bytes). */
const snapshotBytes = (dictionary: TrainingDictionary) => groupsOf(dictionary).length * dictionary.parameters.size;

/**
 * Snapshots of the training dictionary every `every` updates, kept on the GPU. Create one with
 * `engine.recordHistory()`; the engine records into it (an imported history is only replayed).
 *
 * Memory and thinning: GPU memory for snapshots never exceeds `budgetBytes`. Slots (one buffer each,
 * the groups back to back at 256-aligned offsets; split over several buffers only where one would
 * pass the device's maxBufferSize) are allocated lazily, up to `capacity`. When a new snapshot would
 * exceed `capacity`, the history is thinned: it keeps the first snapshot (the initialisation) and
 * those at multiples of twice `every`, and `every` doubles. For a history started at step 0 that
 * drops every second snapshot (indices 0, 2, 4, … stay), so coverage of the whole run stays uniform,
 * the first epoch included; the dropped slots are reused for later snapshots. Snapshots are thus
 * always the first one and the multiples of `every` after it. Replaying (engine.forward with a
 * snapshot) adds one parameters-sized scratch buffer, outside the budget.
 *
 * A dropped snapshot's buffers are reused: take snapshots from `snapshots` when you need them.
 * @example
 * const history = engine.recordHistory({ every: 50 });
 * await engine.trainEpoch();
 * const [first, last] = [history.snapshots[0], history.snapshots.at(-1)!];
 * await engine.forward([0, 1, 2], { snapshot: first });
 */
export class TrainingHistory {
  readonly budgetBytes: number;
  readonly bytesPerSnapshot: number;
  /** Snapshots that fit the budget: floor(budgetBytes / bytesPerSnapshot). */
  readonly capacity: number;
  /** Current interval in updates; doubles at each thinning. */
  every: number;
  /** True for a history read from a file: the engine replays it and records nothing into it. */
  readonly imported: boolean;

  private readonly owner: BufferOwner;
  private readonly groupNames: HistoryGroup[];
  /** Bytes of one group: the dictionary's flat buffer size (a multiple of 256). */
  private readonly groupBytes: number;
  private readonly initialEvery: number;
  private entries: HistorySnapshot[] = [];
  private readonly free: Slot[] = [];
  private slotCount = 0;
  private stash?: GPUBuffer;
  private destroyed = false;

  /** Usually made by `engine.recordHistory(options)`; throws a RangeError for bad options. */
  constructor(private readonly device: GPUDevice, private readonly dictionary: TrainingDictionary, options: HistoryOptions = {}, imported = false) {
    const every = options.every ?? DEFAULT_EVERY;
    if (!Number.isInteger(every) || every < 1) throw new RangeError(`History 'every' must be a whole number of updates ≥ 1, got ${every}.`);
    this.groupNames = groupsOf(dictionary);
    this.groupBytes = dictionary.parameters.size;
    this.bytesPerSnapshot = snapshotBytes(dictionary);
    const budget = options.budgetBytes ?? DEFAULT_BUDGET;
    if (!(budget >= 2 * this.bytesPerSnapshot) || !Number.isFinite(budget)) {
      throw new RangeError(
        `History budgetBytes must hold at least 2 snapshots: one takes ${this.bytesPerSnapshot} bytes for this network, ` +
          `so give at least ${2 * this.bytesPerSnapshot}; got ${budget}.`,
      );
    }
    this.budgetBytes = budget;
    this.capacity = Math.floor(budget / this.bytesPerSnapshot);
    this.every = this.initialEvery = every;
    this.imported = imported;
    this.owner = new BufferOwner(device, 'TrainingHistory');
  }

  /** A frozen history holding a file's snapshots (uploaded once); see io/history-file.ts. */
  static fromFile(device: GPUDevice, dictionary: TrainingDictionary, file: HistoryFile): TrainingHistory {
    const budgetBytes = Math.max(2, file.snapshots.length) * snapshotBytes(dictionary);
    const history = new TrainingHistory(device, dictionary, { every: file.every, budgetBytes }, true);
    const names = historyTensorNames(optimizerOf(dictionary));
    const flat = new Float32Array(dictionary.layout.length);
    for (const { layers, ...position } of file.snapshots) {
      const groups = history.allocate();
      for (const group of history.groupNames) {
        flat.fill(0); // the alignment gaps, as in the dictionary
        dictionary.layers.forEach((views, l) => {
          for (const name of names) if (GROUP_OF[name] === group) flat.set(layers[l][name]!, views[name]!.offset / 4);
        });
        device.queue.writeBuffer(groups[group]!.buffer, groups[group]!.offset, flat);
      }
      history.entries.push(Object.freeze({ ...position, groups }));
    }
    return history;
  }

  /** Oldest first. */
  get snapshots(): readonly HistorySnapshot[] {
    return this.entries;
  }

  get length(): number {
    return this.entries.length;
  }

  /** GPU memory held for snapshots now (≤ budgetBytes). */
  get allocatedBytes(): number {
    return this.slotCount * this.bytesPerSnapshot;
  }

  /** Whether `snapshot` is one of this history's current snapshots. */
  has(snapshot: HistorySnapshot): boolean {
    return this.entries.includes(snapshot);
  }

  /**
   * Where a dictionary tensor lives in `snapshot`, bindable like the tensor itself.
   * @example pass.setBindGroup(0, device.createBindGroup({ layout, entries: [{ binding: 0, resource: history.range(s, dictionary.layers[0].weights) }] }));
   */
  range(snapshot: HistorySnapshot, tensor: TensorView): BufferRange {
    const d = this.dictionary;
    const group = tensor.buffer === d.parameters ? 'parameters' : tensor.buffer === d.gradients ? 'gradients'
      : tensor.buffer === d.momentums ? 'momentums' : tensor.buffer === d.caches ? 'caches' : undefined;
    const at = group && snapshot.groups[group];
    if (!at) throw new RangeError(`${tensor.name} is not recorded in a history (only weights, biases, gradients and optimizer state are).`);
    return { buffer: at.buffer, offset: at.offset + tensor.offset, size: tensor.size };
  }

  /** Updates from `step` until the next recording is due. */
  stepsUntilDue(step: number): number {
    return this.every - (step % this.every);
  }

  /**
   * Engine use: encodes a copy of the dictionary's state into `encoder` (after the chunk that
   * reached `at.step`) if a snapshot is due there, thinning first when full. Returns whether it did.
   */
  record(encoder: GPUCommandEncoder, at: SnapshotPosition): boolean {
    this.assertRecording();
    if (this.entries.length > 0 && at.step % this.every !== 0) return false;
    if (this.entries.length >= this.capacity) this.thin();
    // After thinning, a step that is no multiple of the doubled interval is skipped (its predecessor stays).
    if (this.entries.length > 0 && at.step % this.every !== 0) return false;
    const groups = this.allocate();
    for (const name of this.groupNames) {
      const source = this.dictionary[name]!;
      encoder.copyBufferToBuffer(source, 0, groups[name]!.buffer, groups[name]!.offset, this.groupBytes);
    }
    this.entries.push(Object.freeze({ step: at.step, epoch: at.epoch, stepInEpoch: at.stepInEpoch, groups }));
    return true;
  }

  /** Engine use: forgets every snapshot, restores the first interval, and records the state at `at` now. */
  restart(at: SnapshotPosition): void {
    this.assertRecording();
    this.free.push(...this.entries.map((s) => s.groups));
    this.entries = [];
    this.every = this.initialEvery;
    const encoder = this.device.createCommandEncoder({ label: 'TrainingHistory.restart' });
    this.record(encoder, at);
    this.device.queue.submit([encoder.finish()]);
  }

  /** Engine use: drops snapshots recorded after `step` (training halted there; later ones hold no real state). */
  dropAfter(step: number): void {
    this.assertRecording();
    const kept = this.entries.filter((s) => s.step <= step);
    for (const s of this.entries) if (s.step > step) this.free.push(s.groups);
    this.entries = kept;
  }

  /**
   * Engine use: encodes `body` (a forward pass) so that it sees `snapshot`'s parameters: stash the
   * live parameters, copy the snapshot's in, run, copy the stash back — queue-ordered, so the live
   * parameters are the same before and after.
   */
  encodeWithParameters(encoder: GPUCommandEncoder, snapshot: HistorySnapshot, body: () => void): void {
    if (!this.has(snapshot)) throw new Error('This snapshot is not in this history (thinning may have dropped it); take one from history.snapshots.');
    const live = this.dictionary.parameters;
    this.stash ??= this.owner.create('stash', this.groupBytes, storageUsage());
    const at = snapshot.groups.parameters!;
    encoder.copyBufferToBuffer(live, 0, this.stash, 0, this.groupBytes);
    encoder.copyBufferToBuffer(at.buffer, at.offset, live, 0, this.groupBytes);
    body();
    encoder.copyBufferToBuffer(this.stash, 0, live, 0, this.groupBytes);
  }

  /** Reads snapshot i back: per layer the same arrays as dictionary.read() (without the batch outputs). */
  async read(i: number): Promise<HistoryLayer[]> {
    this.assertAlive();
    const snapshot = this.entries[i];
    if (!snapshot) throw new RangeError(`Snapshot ${i} does not exist: the history holds ${this.length} (0 to ${this.length - 1}).`);
    const [layers] = await Promise.all(this.readAll([snapshot]));
    return layers;
  }

  /**
   * The whole history as a safetensors file (see io/history-file.ts for names and metadata), with
   * each snapshot's training loss where it has one or `lossAt(step)` knows it.
   * @example const bytes = await engine.history!.exportSafetensors(); // save as run.history.safetensors
   */
  async exportSafetensors(lossAt: (step: number) => number | undefined = () => undefined): Promise<Uint8Array<ArrayBuffer>> {
    this.assertAlive();
    const snapshots = [...this.entries];
    const every = this.every;
    const layers = await Promise.all(this.readAll(snapshots));
    return historyToSafetensors({
      network: this.dictionary.network,
      input: shapeText(this.dictionary.shape),
      optimizer: optimizerOf(this.dictionary),
      every,
      budgetBytes: this.budgetBytes,
      snapshots: snapshots.map(({ step, epoch, stepInEpoch, loss }, i) => ({ step, epoch, stepInEpoch, loss: loss ?? lossAt(step), layers: layers[i] })),
    });
  }

  /** Frees every buffer of the history. */
  destroy(): void {
    this.destroyed = true;
    this.entries = [];
    this.free.length = 0;
    this.slotCount = 0;
    this.stash = undefined;
    this.owner.destroy();
  }

  /**
   * Starts reading all `snapshots` now (copies submitted before anything awaits, so later recording
   * or thinning cannot change what is read), one staging buffer per snapshot.
   */
  private readAll(snapshots: readonly HistorySnapshot[]): Promise<HistoryLayer[]>[] {
    const names = historyTensorNames(optimizerOf(this.dictionary));
    return snapshots.map(async (snapshot) => {
      const ranges = this.dictionary.layers.flatMap((views) => names.map((name) => this.range(snapshot, views[name]!)));
      const arrays = await readRanges(this.device, ranges);
      return this.dictionary.layers.map((_, l) => {
        const layer = { weightCache: undefined, biasCache: undefined } as Partial<HistoryLayer>;
        names.forEach((name, k) => (layer[name] = arrays[l * names.length + k]));
        return layer as HistoryLayer;
      });
    });
  }

  /** Keeps the first snapshot and those at multiples of the doubled interval, until one slot is free. */
  private thin(): void {
    while (this.entries.length >= this.capacity) {
      this.every *= 2;
      const kept: HistorySnapshot[] = [];
      this.entries.forEach((s, i) => (i === 0 || s.step % this.every === 0 ? kept.push(s) : this.free.push(s.groups)));
      this.entries = kept;
    }
  }

  /** A free slot, or a new one (callers keep entries ≤ capacity, so at most `capacity` are made). */
  private allocate(): Slot {
    const reused = this.free.pop();
    if (reused) return reused;
    const n = this.slotCount++;
    // Groups back to back in one buffer, unless that would pass maxBufferSize (each group fits: limits.ts).
    const perBuffer = Math.max(1, Math.floor(this.device.limits.maxBufferSize / this.groupBytes));
    const buffers = Math.ceil(this.groupNames.length / perBuffer);
    const groups: { [G in HistoryGroup]?: { buffer: GPUBuffer; offset: number } } = {};
    let buffer!: GPUBuffer;
    this.groupNames.forEach((group, g) => {
      if (g % perBuffer === 0) {
        const count = Math.min(perBuffer, this.groupNames.length - g);
        buffer = this.owner.create(buffers > 1 ? `slot${n}.${g / perBuffer}` : `slot${n}`, count * this.groupBytes, storageUsage());
      }
      groups[group] = Object.freeze({ buffer, offset: (g % perBuffer) * this.groupBytes });
    });
    return Object.freeze(groups);
  }

  private assertAlive(): void {
    if (this.destroyed) throw new Error('This history was destroyed (by engine.stopHistory(), engine.destroy(), or a newer recordHistory() or importHistory()); use engine.history.');
  }

  private assertRecording(): void {
    this.assertAlive();
    if (this.imported) throw new Error('An imported history is replayed only; call engine.recordHistory() to record a new one.');
  }
}
