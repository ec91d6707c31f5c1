/**
 * The file readers under mutated files: IDX and NumPy (.npz, .npy) data sets, parameter files and
 * history files. Each input must load correctly or be refused with the reader's own error
 * (IdxFormatError — the same class as DataFormatError —, DataFormatError, SafetensorsError)
 * naming the file, within a second and without allocating much; a refused file must leave the
 * engine's model and history as they were. The seed is fixed, so every run (and CI) sees the same inputs;
 * FUZZ_SEED=n tries others (FUZZ_SEED=random draws one and prints it).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { deflateRawSync, gzipSync } from 'node:zlib';
import { nodeDevice } from '../../scripts/dawn.js';
import { createEngine, type Engine } from '../../src/engine/engine.js';
import { mulberry32 } from '../../src/engine/random.js';
import { shapeText } from '../../src/data/dataset.js';
import { idxDatasetFromBytes, IdxFormatError, type IdxFileNames } from '../../src/data/idx.js';
import { DataFormatError, type DataFile } from '../../src/data/check.js';
import { datasetFromFiles } from '../../src/data/load.js';
import { historyFromSafetensors, historyTensorNames, type HistoryFile } from '../../src/io/history-file.js';
import { parametersFromSafetensors } from '../../src/io/parameters-file.js';
import { decodeSafetensors, SafetensorsError } from '../../src/io/safetensors.js';
import { syntheticDataset } from '../shared/reference-run.js';
import { generatedSet, idxFile, npyFile, numbers, stringsNpy, zipFile, type GeneratedSet } from '../shared/data-files.js';

const SEED = process.env.FUZZ_SEED === 'random' ? Math.floor(Math.random() * 2 ** 32) : Number(process.env.FUZZ_SEED ?? 20261130) >>> 0;
console.log(`fuzz seed ${SEED} (replay: FUZZ_SEED=${SEED})`);
const COUNTS = { idx: 1000, numpy: 600, parameters: 1000, history: 300 };
const TIME_LIMIT_MS = 1000;
/** Far below what a huge claimed dimension would take if it were allocated. */
const MEMORY_LIMIT = 256 * 2 ** 20;

const device = await nodeDevice();
after(() => device.destroy());

// ── randomness ───────────────────────────────────────────────────────────────────────────────────

type Random = ReturnType<typeof randomSource>;

/** A seeded source; `stream` separates the tests, so each one replays alone. */
function randomSource(stream: number) {
  const next = mulberry32((SEED ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0);
  const int = (n: number) => Math.floor(next() * n);
  return {
    int,
    chance: (p: number) => next() < p,
    pick: <T>(list: readonly T[]): T => list[int(list.length)],
    bytes: (n: number) => Uint8Array.from({ length: n }, () => int(256)),
  };
}

/** What a mutation must give: refused, loaded, or either (it depends on which byte was hit). */
type Expect = 'refuse' | 'load' | 'either';

interface Mutant {
  bytes: Uint8Array;
  /** What was done, for failure messages and the tally. */
  label: string;
  expect: Expect;
  /** Loading must give exactly the original's values (the mutation changed nothing that matters). */
  same?: boolean;
}

/** Mutations anywhere in the bytes; `headerEnd` bounds the "header" flips; `gzipped` says what the reader does with a gzipped valid file. */
function mutateBytes(bytes: Uint8Array, random: Random, headerEnd: number, gzipped: Expect): Mutant {
  const at = random.int(bytes.length);
  const splice = (insert: Uint8Array, remove: number) => new Uint8Array([...bytes.subarray(0, at), ...insert, ...bytes.subarray(at + remove)]);
  const flip = (limit: number) => {
    const out = bytes.slice();
    for (let k = 1 + random.int(3); k > 0; k--) out[random.int(limit)] ^= 1 << random.int(8);
    return out;
  };
  const gzipNoise = () => new Uint8Array([0x1f, 0x8b, random.pick([8, 0, 255]), ...random.bytes(random.int(600))]);
  const cases: (() => Mutant)[] = [
    () => ({ bytes: bytes.slice(0, at), label: 'truncated', expect: 'refuse' }),
    () => ({ bytes: flip(Math.min(headerEnd, bytes.length)), label: 'flipped header bits', expect: 'either' }),
    () => ({ bytes: flip(bytes.length), label: 'flipped bits', expect: 'either' }),
    () => ({ bytes: splice(random.bytes(1 + random.int(8)), 0), label: 'inserted bytes', expect: 'either' }),
    () => ({ bytes: splice(new Uint8Array(), 1 + random.int(8)), label: 'deleted bytes', expect: 'either' }),
    () => ({ bytes: new Uint8Array([...bytes, ...random.bytes(1 + random.int(64))]), label: 'appended bytes', expect: 'either' }),
    () => ({ bytes: random.bytes(random.int(3000)), label: 'noise', expect: 'refuse' }),
    () => ({ bytes: gzipNoise(), label: 'gzip-looking noise', expect: 'refuse' }),
    () => ({ bytes: new Uint8Array(gzipSync(bytes)), label: 'gzipped', expect: gzipped }),
  ];
  return random.pick(cases)();
}

// ── checks shared by every kind of file ──────────────────────────────────────────────────────────

interface Tally {
  loaded: number;
  refused: number;
  slowest: number;
  peakMemory: number;
  labels: Map<string, number>;
}
const tally = (): Tally => ({ loaded: 0, refused: 0, slowest: 0, peakMemory: 0, labels: new Map() });

/**
 * Runs `load` on one mutant and checks the outcome: the reader's error class and the file name in
 * its message when refused, what `expect` says, the time taken and the memory held afterwards.
 */
async function attempt<T>(mutant: Mutant, fileName: string, errorClass: new (...args: never[]) => Error, t: Tally, where: string, load: () => T | Promise<T>): Promise<{ ok: true; value: T } | { ok: false }> {
  const context = `${where}: ${mutant.label} (seed ${SEED})`;
  const start = performance.now();
  let outcome: { ok: true; value: T } | { ok: false };
  try {
    outcome = { ok: true, value: await load() };
  } catch (error) {
    if (!(error instanceof errorClass)) assert.fail(`${context}: threw ${(error as Error)?.stack ?? error}, not a ${errorClass.name}`);
    assert.ok(error.message.includes(fileName), `${context}: the message does not name ${fileName}: ${error.message}`);
    outcome = { ok: false };
  }
  const ms = performance.now() - start;
  assert.ok(ms < TIME_LIMIT_MS, `${context}: took ${ms.toFixed(0)} ms`);
  const memory = process.memoryUsage().arrayBuffers;
  assert.ok(memory < MEMORY_LIMIT, `${context}: ${memory} bytes of ArrayBuffers held afterwards`);
  if (mutant.expect !== 'either') assert.equal(outcome.ok ? 'load' : 'refuse', mutant.expect, `${context}: expected the file to ${mutant.expect === 'load' ? 'load' : 'be refused'}`);
  t.slowest = Math.max(t.slowest, ms);
  t.peakMemory = Math.max(t.peakMemory, memory);
  if (outcome.ok) t.loaded++;
  else t.refused++;
  const key = `${mutant.label}: ${outcome.ok ? 'loaded' : 'refused'}`;
  t.labels.set(key, (t.labels.get(key) ?? 0) + 1);
  return outcome;
}

function report(what: string, t: Tally, started: number): void {
  const labels = [...t.labels].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, n]) => `${k} ${n}`).join(', ');
  console.log(`${what}: ${t.loaded + t.refused} inputs, ${t.loaded} loaded, ${t.refused} refused; slowest ${t.slowest.toFixed(1)} ms, ` +
    `peak ArrayBuffers ${(t.peakMemory / 2 ** 20).toFixed(1)} MiB, ${((performance.now() - started) / 1000).toFixed(1)} s in all\n  ${labels}`);
}

// ── IDX ──────────────────────────────────────────────────────────────────────────────────────────

const IDX_NAMES: IdxFileNames = {
  trainImages: 'fuzz-train-images-idx3-ubyte', trainLabels: 'fuzz-train-labels-idx1-ubyte',
  testImages: 'fuzz-t10k-images-idx3-ubyte', testLabels: 'fuzz-t10k-labels-idx1-ubyte',
};

/** Mutations that know the IDX layout: dimensions, rank, type and magic bytes, labels. */
function mutateIdx(file: Uint8Array, labels: boolean, random: Random): Mutant {
  const rank = file[3];
  const out = file.slice();
  const view = new DataView(out.buffer);
  const choice = random.int(6);
  if (choice < 2) {
    const k = random.int(rank);
    const old = view.getUint32(4 + 4 * k, false);
    const [label, value] = random.pick([
      ['zero dimension', 0], ['huge dimension', 0xffffffff], ['huge dimension', 2 ** 31 - 1], ['huge dimension', 1 << 24],
      ['negative dimension', 0x80000000], ['negative dimension', 0xfffffffe], ['dimension off by one', old + 1], ['dimension off by one', old - 1],
    ] as const);
    view.setUint32(4 + 4 * k, value, false);
    return { bytes: out, label, expect: value === old ? 'load' : 'refuse' };
  }
  if (choice === 2) {
    out[3] = random.pick([0, 1, 2, 3, 4, 255].filter((r) => r !== rank));
    return { bytes: out, label: 'wrong rank', expect: 'refuse' };
  }
  if (choice === 3) {
    out[2] = random.pick([0x09, 0x0b, 0x0c, 0x0d, 0x0e, 0x00, 0xff]);
    return { bytes: out, label: 'wrong dtype', expect: 'refuse' };
  }
  if (choice === 4) {
    out[random.int(2)] = 1 + random.int(255);
    return { bytes: out, label: 'wrong magic', expect: 'refuse' };
  }
  if (!labels) return mutateBytes(file, random, 4 + 4 * rank, 'load');
  out[4 + 4 * rank + random.int(out.length - 4 - 4 * rank)] = 10 + random.int(246);
  return { bytes: out, label: 'label out of range', expect: 'refuse' };
}

test(`IDX: ${COUNTS.idx} mutated files, raw and gzipped, load or are refused with an IdxFormatError naming the file`, async () => {
  const random = randomSource(1);
  const started = performance.now();
  const images = (count: number) => idxFile([count, 28, 28], random.bytes(count * 784));
  // Every class has a training image (the first ten), and the names say there are ten classes.
  const labels = (count: number) => idxFile([count], Uint8Array.from({ length: count }, (_, i) => (i < 10 ? i : random.int(10))));
  const classNames = { names: Array.from({ length: 10 }, (_, k) => String(k)), source: 'the ten class names' };
  const valid: Record<keyof IdxFileNames, Uint8Array> = { trainImages: images(12), trainLabels: labels(12), testImages: images(5), testLabels: labels(5) };
  const keys = Object.keys(valid) as (keyof IdxFileNames)[];
  const t = tally();
  for (let i = 0; i < COUNTS.idx; i++) {
    const key = random.pick(keys);
    const isLabels = key.endsWith('Labels');
    let mutant = random.chance(0.6) ? mutateIdx(valid[key], isLabels, random) : mutateBytes(valid[key], random, isLabels ? 8 : 16, 'load');
    if (random.chance(0.3)) {
      // The same mutation inside a valid gzip stream (which is transparent, but a gzip in a gzip is not unpacked twice).
      mutant = { bytes: new Uint8Array(gzipSync(mutant.bytes)), label: `gzip(${mutant.label})`, expect: mutant.label === 'gzipped' ? 'refuse' : mutant.expect };
    } else if (random.chance(0.2)) {
      // A valid gzip stream, mutated itself.
      const inner = mutateBytes(new Uint8Array(gzipSync(valid[key])), random, 10, 'refuse');
      mutant = { ...inner, label: `${inner.label} gzip`, expect: inner.label === 'truncated' || inner.label === 'gzipped' ? 'refuse' : 'either' };
    }
    const bytes = { ...valid, [key]: mutant.bytes };
    const result = await attempt(mutant, IDX_NAMES[key], IdxFormatError, t, `IDX #${i} (${IDX_NAMES[key]})`, () => idxDatasetFromBytes(bytes, IDX_NAMES, classNames));
    if (result.ok) {
      // Loaded: a consistent data set of 28×28 images and labels 0–9.
      for (const set of [result.value.train, result.value.test]) {
        assert.equal(set.images.length, set.count * 784, `IDX #${i}: ${mutant.label}`);
        assert.equal(set.labels.length, set.count);
        assert.ok(set.labels.every((label) => label < 10));
      }
    }
  }
  report('IDX', t, started);
  assert.ok(t.loaded > 0 && t.refused > 0, 'both outcomes occur');
});

// ── NumPy ────────────────────────────────────────────────────────────────────────────────────────

/** The .npy files of a small RGB set: uint8 images [N, 8, 8, 3], int64 labels, four class names. */
function npyFiles(train: GeneratedSet, test: GeneratedSet): DataFile[] {
  const x = (set: GeneratedSet) => npyFile('|u1', [set.count, set.rows, set.cols, set.channels], set.images);
  const y = (set: GeneratedSet) => npyFile('<i8', [set.count], numbers('<i8', set.labels));
  return [
    { name: 'x_train.npy', bytes: x(train) }, { name: 'y_train.npy', bytes: y(train) },
    { name: 'x_test.npy', bytes: x(test) }, { name: 'y_test.npy', bytes: y(test) },
    { name: 'class_names.npy', bytes: stringsNpy(['red', 'green', 'blue', 'grey']) },
  ];
}

test(`NumPy: ${COUNTS.numpy} mutated .npz archives and .npy files load or are refused with a DataFormatError naming the file`, async () => {
  const random = randomSource(4);
  const started = performance.now();
  const shape = { rows: 8, cols: 8, channels: 3 as const, classes: 4 };
  const files = npyFiles(generatedSet(12, shape, 1), generatedSet(5, shape, 2));
  // np.savez stores, np.savez_compressed deflates: the images stored, the rest deflated.
  const npz = zipFile(files.map(({ name, bytes }) => ({ name, data: bytes, deflated: name.startsWith('x_') ? undefined : new Uint8Array(deflateRawSync(bytes)) })));
  const t = tally();
  for (let i = 0; i < COUNTS.numpy; i++) {
    const archive = random.chance(0.5);
    const target = archive ? undefined : random.pick(files);
    const mutant = mutateBytes(archive ? npz : target!.bytes, random, archive ? 64 : 128, 'refuse');
    const name = archive ? 'fuzz.npz' : target!.name;
    const input = archive ? [{ name, bytes: mutant.bytes }] : files.map((f) => (f === target ? { name, bytes: mutant.bytes } : f));
    const result = await attempt(mutant, name, DataFormatError, t, `NumPy #${i} (${name})`, () => datasetFromFiles(input));
    if (result.ok) {
      // Loaded: consistent 8×8 RGB splits with labels below the four classes.
      for (const set of [result.value.train, result.value.test]) {
        assert.equal(set.images.length, set.count * 8 * 8 * 3, `NumPy #${i}: ${mutant.label}`);
        assert.ok(set.labels.every((label) => label < result.value.classNames.length));
      }
    }
  }
  report('NumPy', t, started);
  assert.ok(t.loaded > 0 && t.refused > 0, 'both outcomes occur');
});

// ── safetensors ──────────────────────────────────────────────────────────────────────────────────

interface Entry {
  name: string;
  dtype: string;
  shape: number[];
  bytes: Uint8Array;
}

/** The header of entries laid out back to back in the given order. */
function headerOf(entries: Entry[], metadata: unknown): Record<string, unknown> {
  const json: Record<string, unknown> = metadata === undefined ? {} : { __metadata__: metadata };
  let offset = 0;
  for (const entry of entries) {
    json[entry.name] = { dtype: entry.dtype, shape: entry.shape, data_offsets: [offset, offset + entry.bytes.length] };
    offset += entry.bytes.length;
  }
  return json;
}

/** A safetensors file of `entries` in that order; `header` may turn the header into other (raw) text. */
function build(entries: Entry[], metadata: unknown, { header, pad = 0 }: { header?: (json: Record<string, unknown>) => string; pad?: number } = {}): Uint8Array {
  const json = headerOf(entries, metadata);
  const offset = entries.reduce((sum, e) => sum + e.bytes.length, 0);
  const text = new TextEncoder().encode((header ? header(json) : JSON.stringify(json)) + ' '.repeat(pad));
  const out = new Uint8Array(8 + text.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8);
  let at = 8 + text.length;
  for (const entry of entries) {
    out.set(entry.bytes, at);
    at += entry.bytes.length;
  }
  return out;
}

/** The entries (raw bytes, F32) and metadata of a valid file. */
function entriesOf(file: Uint8Array): { entries: Entry[]; metadata: Record<string, string> } {
  const { tensors, metadata } = decodeSafetensors(file, 'base');
  const entries = [...tensors].map(([name, { shape, data }]) => ({ name, dtype: 'F32', shape, bytes: new Uint8Array(data.slice().buffer) }));
  return { entries, metadata };
}

/** Float32 values as another dtype's bytes (BF16 by truncation, F16 rounded: near enough for fuzzing). */
function convert(bytes: Uint8Array, dtype: 'F64' | 'F16' | 'BF16'): Uint8Array {
  const values = new Float32Array(bytes.slice().buffer);
  if (dtype === 'F64') return new Uint8Array(Float64Array.from(values).buffer);
  const bits = new Uint32Array(values.buffer);
  if (dtype === 'BF16') return new Uint8Array(Uint16Array.from(bits, (b) => b >>> 16).buffer);
  return new Uint8Array(Uint16Array.from(values, toHalf).buffer);
}

function toHalf(v: number): number {
  const sign = v < 0 || Object.is(v, -0) ? 0x8000 : 0;
  const a = Math.abs(v);
  if (a < 2 ** -24) return sign;
  if (a < 2 ** -14) return sign | Math.round(a / 2 ** -24);
  const exponent = Math.min(30, Math.floor(Math.log2(a)));
  const fraction = Math.min(1023, Math.round((a / 2 ** exponent - 1) * 1024));
  return sign | ((exponent + 15) << 10) | fraction;
}

const NON_FINITE = [0x7fc00000, 0x7f800000, 0xff800000, 0x7f800001]; // NaN, ∞, −∞, a signalling NaN

/**
 * Mutations that know the safetensors layout. `nonFinite` and `nullMetadata` say what the reader
 * does with those ('refuse' or 'load'); `metadataEdits` are reader-specific bad metadata values.
 */
function mutateSafetensors(file: Uint8Array, random: Random, rules: { nonFinite: Expect; nullMetadata: Expect; metadataEdits: [string, string | undefined, Expect][] }): Mutant {
  const { entries, metadata } = entriesOf(file);
  const copy = (): Entry[] => entries.map((e) => ({ ...e, bytes: e.bytes.slice() }));
  const k = random.int(entries.length);
  const name = entries[k].name;
  const begins = entries.reduce((list, e) => [...list, list.at(-1)! + e.bytes.length], [0]); // and the end of the data
  /** Edits one tensor's header entry after layout. */
  const tamper = (edit: (entry: Record<string, unknown>, json: Record<string, unknown>) => void, label: string, expect: Expect = 'refuse'): Mutant => ({
    bytes: build(entries, metadata, { header: (json) => (edit(json[name] as Record<string, unknown>, json), JSON.stringify(json)) }),
    label,
    expect,
  });
  const headerText = JSON.stringify(headerOf(entries, metadata));
  const cases: (() => Mutant)[] = [
    () => tamper((e) => (e.dtype = random.pick(['I64', 'U8', 'F32 ', 'f32', 7, null, 'toString', '__proto__', 'constructor', 'F64', 'F16', 'BF16', ['F32']])), 'wrong dtype'),
    () => tamper((e) => delete e.dtype, 'missing dtype'),
    () => {
      const dtype = random.pick(['F64', 'F16', 'BF16'] as const);
      const converted = copy();
      converted[k] = { ...converted[k], dtype, bytes: convert(converted[k].bytes, dtype) };
      return { bytes: build(converted, metadata), label: `tensor as ${dtype}`, expect: 'load', same: dtype === 'F64' };
    },
    () => {
      const shape = entries[k].shape;
      const value = random.pick<unknown>([[-1], [0], [2 ** 53], [1e20], [2 ** 32, 2 ** 32], [], 'abc', [1.5], [null], [...shape].reverse(), [shape[0] + 1, ...shape.slice(1)], [...shape, 1], null]);
      return tamper((e) => (e.shape = value), 'bad shape', JSON.stringify(value) === JSON.stringify(shape) ? 'load' : 'refuse');
    },
    () => {
      const begin = begins[k];
      const span = entries[k].bytes.length;
      const total = begins[entries.length];
      const otherBegin = begins[(k + 1 + random.int(entries.length - 1)) % entries.length];
      // A shifted last tensor runs off the end; a shifted other one overlaps its neighbour.
      const [label, offsets] = random.pick<[string, unknown]>([
        ['swapped offsets', [begin + span, begin]], ['offsets shifted', [begin + 4, begin + span + 4]], ['overlapping offsets', [otherBegin, otherBegin + span]],
        ['out-of-range offsets', [total, total + span]], ['negative offsets', [-4, span - 4]], ['fractional offsets', [begin + 0.5, begin + span + 0.5]],
        ['three offsets', [begin, begin + span, 0]], ['string offsets', [String(begin), String(begin + span)]], ['huge offsets', [0, 2 ** 64]], ['null offsets', null],
      ]);
      return tamper((e) => (e.data_offsets = offsets), label);
    },
    () => tamper((_, json) => delete json[name], 'missing tensor'),
    () => tamper((e, json) => ((json[`${name}x`] = e), delete json[name]), 'renamed tensor'),
    () => {
      const extra = { name: `extra.buffer${random.int(100)}`, dtype: 'F32', shape: [2], bytes: new Uint8Array(8) };
      const mixed = copy();
      mixed.splice(random.int(mixed.length + 1), 0, extra);
      return { bytes: build(mixed, metadata), label: 'extra tensor', expect: 'load', same: true };
    },
    () => {
      const shuffled = copy();
      for (let i = shuffled.length - 1; i > 0; i--) {
        const j = random.int(i + 1);
        [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
      }
      return { bytes: build(shuffled, metadata, { pad: random.int(16) }), label: 'reordered and padded', expect: 'load', same: true };
    },
    () => {
      const value = random.pick<unknown>([null, 5, 'text', [], true, { a: {} }, { a: 1 }, { a: null }]);
      return { bytes: build(entries, value), label: `__metadata__ ${JSON.stringify(value)}`, expect: value === null ? rules.nullMetadata : 'refuse', same: value === null };
    },
    () => {
      const [field, value, expect] = random.pick(rules.metadataEdits);
      const edited: Record<string, string> = { ...metadata };
      if (value === undefined) delete edited[field];
      else edited[field] = value;
      return { bytes: build(entries, edited), label: `metadata ${field}=${JSON.stringify(value ?? null)}`, expect };
    },
    () => {
      // Broken or odd JSON text, the header length kept right.
      const at = random.int(headerText.length);
      const text = random.pick([
        headerText.slice(0, at),
        headerText.slice(0, at) + headerText.slice(at + 1),
        headerText.slice(0, at) + random.pick(['{', '}', '"', ',', '\\', '\u0000', 'é', '\ud800', ']', ':']) + headerText.slice(at),
      ]);
      return { bytes: build(entries, metadata, { header: () => text }), label: 'broken JSON', expect: 'either' };
    },
    () => {
      // A key given twice: JSON.parse keeps the last one, so the file loads or not depending on which it is.
      const twice = `"${name}":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}`;
      const last = random.chance(0.5);
      const text = last ? `${headerText.slice(0, -1)},${twice}}` : headerText.replace('{', `{${twice},`);
      return { bytes: build(entries, metadata, { header: () => text }), label: 'duplicate key', expect: last ? 'refuse' : 'load' };
    },
    () => {
      const bytes = build(entries, metadata);
      const length = new DataView(bytes.buffer).getBigUint64(0, true);
      const value = random.pick([0n, 1n, length - 1n, length + 1n, 2n ** 63n, 2n ** 64n - 1n, BigInt(bytes.length), 2n ** 53n + 1n]);
      new DataView(bytes.buffer).setBigUint64(0, value, true);
      return { bytes, label: 'wrong header length', expect: value === 0n || value + 8n > BigInt(bytes.length) ? 'refuse' : 'either' };
    },
    () => {
      const poisoned = copy();
      const target = poisoned[k];
      new DataView(target.bytes.buffer).setUint32(4 * random.int(target.bytes.length / 4), random.pick(NON_FINITE), true);
      return { bytes: build(poisoned, metadata), label: 'non-finite value', expect: rules.nonFinite };
    },
    () => mutateBytes(file, random, 8 + Number(new DataView(file.buffer, file.byteOffset).getBigUint64(0, true)), 'refuse'),
  ];
  return random.pick(cases)();
}

const bits = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);

/** FNV-1a over the bits of every array. */
function hash(arrays: Float32Array[]): number {
  let h = 0x811c9dc5;
  for (const array of arrays) for (const word of bits(array)) h = Math.imul(h ^ word, 0x01000193);
  return h >>> 0;
}

/** A small trained engine: 784-6-10, SGD with momentum, a few steps in (so momentums are not zero). */
async function smallEngine(): Promise<Engine> {
  const engine = await createEngine({ device, layers: [6], batchSize: 8, seed: 3, stepsPerChunk: 4, optimizer: { type: 'sgd', learningRate: 0.05, momentum: 0.9 } });
  engine.setData(syntheticDataset(32, 8, 2));
  return engine;
}

/** The model's state: parameters and optimizer state (what a half-applied import would change). */
async function modelHash(engine: Engine): Promise<number> {
  const layers = await engine.readTrainingDictionary();
  return hash(layers.flatMap((l) => [l.weights, l.biases, l.weightMomentums, l.biasMomentums]));
}

/** Refusals between read-backs of the model (each read-back waits for the GPU). */
const CHECK_EVERY = 16;

test(`parameter files: ${COUNTS.parameters} mutated nnscope and PyTorch files load or are refused, and a refused one changes nothing`, async () => {
  const random = randomSource(2);
  const started = performance.now();
  const engine = await smallEngine();
  try {
    const sizes = engine.config.sizes;
    engine.recordHistory({ every: 2 });
    await engine.step(5);
    const nnscope = await engine.exportParameters();
    const base = parametersFromSafetensors(nnscope, sizes, 'base');
    // The same parameters as a PyTorch nn.Sequential state dict, names sorted as the safetensors library writes them.
    const torch = build(['0.bias', '0.weight', '2.bias', '2.weight'].map((name) => {
      const l = Number(name[0]) / 2;
      const data = name.endsWith('bias') ? base.biases[l] : transpose(base.weights[l], sizes[l], sizes[l + 1]);
      return { name, dtype: 'F32', shape: name.endsWith('bias') ? [sizes[l + 1]] : [sizes[l + 1], sizes[l]], bytes: new Uint8Array(data.slice().buffer) };
    }), undefined);
    const rules = { nonFinite: 'refuse' as const, nullMetadata: 'load' as const, metadataEdits: [['format', 'pytorch', 'load'], ['sizes', undefined, 'load'], ['step', 'x', 'load']] as [string, string | undefined, Expect][] };

    let expected = await modelHash(engine);
    let unchecked = 0;
    const t = tally();
    for (let i = 0; i < COUNTS.parameters; i++) {
      const fileName = `fuzz-${i}.safetensors`;
      const mutant = mutateSafetensors(random.chance(0.7) ? nnscope : torch, random, rules);
      // The parser alone says whether the engine should take it; before a load, check the refusals so far.
      let predicted: ReturnType<typeof parametersFromSafetensors> | undefined;
      try {
        predicted = parametersFromSafetensors(mutant.bytes, engine.dictionary.network, fileName, shapeText(engine.config.shape)); // as the engine reads it
      } catch {
        // checked below, through the engine
      }
      if (predicted && unchecked > 0) {
        assert.equal(await modelHash(engine), expected, `the model changed after refused files before parameters #${i} (seed ${SEED})`);
        unchecked = 0;
      }
      const [history, length, stepCount] = [engine.history, engine.history?.length, engine.stepCount];
      const result = await attempt(mutant, fileName, SafetensorsError, t, `parameters #${i}`, () => engine.importParameters(mutant.bytes, fileName));
      assert.equal(result.ok, predicted !== undefined, `parameters #${i}: ${mutant.label}: the engine and the parser disagree (seed ${SEED})`);
      assert.equal(engine.stepCount, stepCount);
      assert.equal(engine.history, history, `parameters #${i}: ${mutant.label}: the history was replaced`);
      if (result.ok) {
        // Loaded: the engine holds exactly what the file says (and the original's values where nothing that matters changed).
        const layers = await engine.readTrainingDictionary();
        layers.forEach((layer, l) => {
          assert.deepEqual(bits(layer.weights), bits(predicted!.weights[l]), `parameters #${i}: ${mutant.label}: layer ${l} weights`);
          assert.deepEqual(bits(layer.biases), bits(predicted!.biases[l]), `parameters #${i}: ${mutant.label}: layer ${l} biases`);
          if (mutant.same) assert.deepEqual(bits(layer.weights), bits(base.weights[l]), `parameters #${i}: ${mutant.label}: not the original's weights`);
        });
        expected = await modelHash(engine);
      } else {
        assert.equal(engine.history?.length, length, `parameters #${i}: ${mutant.label}: the history changed`);
        if (++unchecked >= CHECK_EVERY) {
          assert.equal(await modelHash(engine), expected, `the model changed after refused files up to parameters #${i} (seed ${SEED})`);
          unchecked = 0;
        }
      }
    }
    assert.equal(await modelHash(engine), expected, 'the model after the last refused files');
    report('parameter files', t, started);
    assert.ok(t.loaded > 0 && t.refused > 0, 'both outcomes occur');
  } finally {
    engine.destroy();
  }
});

function transpose(m: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(m.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = m[r * cols + c];
  return out;
}

test(`history files: ${COUNTS.history} mutated files load or are refused, and a refused one changes neither the history nor the model`, async () => {
  const random = randomSource(3);
  const started = performance.now();
  const engine = await smallEngine();
  try {
    const { optimizer } = engine.config;
    engine.recordHistory({ every: 2 });
    await engine.step(5);
    const file = await engine.history!.exportSafetensors();
    const positions = JSON.parse(decodeSafetensors(file, 'base').metadata.snapshots) as unknown[];
    const snapshots = (list: unknown[]) => JSON.stringify(list);
    const rules = {
      nonFinite: 'load' as const, // a diverged run recorded NaN and ∞: the history replays them
      nullMetadata: 'refuse' as const,
      metadataEdits: [
        ['format', undefined, 'refuse'], ['format', 'nnscope', 'refuse'], ['sizes', '784,7,10', 'refuse'], ['sizes', undefined, 'refuse'], ['sizes', '784,6,10 ', 'refuse'],
        ['optimizer', 'adam', 'refuse'], ['optimizer', undefined, 'refuse'], ['every', '0', 'refuse'], ['every', '-2', 'refuse'], ['every', '1.5', 'refuse'],
        ['every', '', 'refuse'], ['every', '1e400', 'refuse'], ['every', '9007199254740993', 'refuse'], ['every', undefined, 'refuse'], ['every', '4', 'load'],
        ['snapshots', undefined, 'refuse'], ['snapshots', '', 'refuse'], ['snapshots', '[', 'refuse'], ['snapshots', '[]', 'refuse'], ['snapshots', '{}', 'refuse'],
        ['snapshots', 'null', 'refuse'], ['snapshots', '[1]', 'refuse'], ['snapshots', '[null]', 'refuse'],
        ['snapshots', snapshots([...positions, { step: 99, epoch: 9, stepInEpoch: 0 }]), 'refuse'],
        ['snapshots', snapshots(positions.slice(0, 1)), 'load'],
        ['snapshots', snapshots([{ step: -1, epoch: 0, stepInEpoch: 0 }, ...positions.slice(1)]), 'refuse'],
        ['snapshots', snapshots([{ step: 1e300, epoch: 0, stepInEpoch: 0 }]), 'refuse'],
        ['snapshots', snapshots([positions[0], positions[0]]), 'refuse'],
        ['snapshots', snapshots([{ step: 0.5, epoch: 0, stepInEpoch: 0 }]), 'refuse'],
        ['budgetBytes', 'lots', 'load'], ['thinning', undefined, 'load'],
      ] as [string, string | undefined, Expect][],
    };

    // The last snapshot of the current history stands for all of it (a read-back waits for the GPU).
    const historyHash = async () => hash((await engine.history!.read(engine.history!.length - 1)).flatMap((l) => historyTensorNames(optimizer.type).map((name) => l[name]!)));
    const expectedModel = await modelHash(engine);
    let expectedHistory = await historyHash();
    let unchecked = 0;
    const t = tally();
    for (let i = 0; i < COUNTS.history; i++) {
      const fileName = `fuzz-${i}.history.safetensors`;
      const mutant = mutateSafetensors(file, random, rules);
      let predicted: HistoryFile | undefined;
      try {
        predicted = historyFromSafetensors(mutant.bytes, engine.dictionary.network, optimizer.type, fileName, shapeText(engine.config.shape)); // as the engine reads it
      } catch {
        // checked below, through the engine
      }
      if (predicted && unchecked > 0) {
        assert.equal(await historyHash(), expectedHistory, `the history changed after refused files before history #${i} (seed ${SEED})`);
        unchecked = 0;
      }
      const [history, length] = [engine.history, engine.history!.length];
      const result = await attempt(mutant, fileName, SafetensorsError, t, `history #${i}`, () => engine.importHistory(mutant.bytes, fileName));
      assert.equal(result.ok, predicted !== undefined, `history #${i}: ${mutant.label}: the engine and the parser disagree (seed ${SEED})`);
      if (result.ok) {
        // Loaded: the new history holds the file's positions and, in its last snapshot, the file's tensors.
        const imported = result.value;
        assert.equal(engine.history, imported);
        assert.deepEqual(imported.snapshots.map(({ step, epoch, stepInEpoch }) => ({ step, epoch, stepInEpoch })),
          predicted!.snapshots.map(({ step, epoch, stepInEpoch }) => ({ step, epoch, stepInEpoch })), `history #${i}: ${mutant.label}`);
        const last = imported.length - 1;
        const read = await imported.read(last);
        read.forEach((layer, l) => {
          for (const name of historyTensorNames(optimizer.type)) {
            assert.deepEqual(bits(layer[name]!), bits(predicted!.snapshots[last].layers[l][name]!), `history #${i}: ${mutant.label}: snapshot ${last} layers.${l}.${name}`);
          }
        });
        expectedHistory = await historyHash();
      } else {
        assert.equal(engine.history, history, `history #${i}: ${mutant.label}: the history was replaced`);
        assert.equal(history!.length, length, `history #${i}: ${mutant.label}: the history changed length`);
        if (++unchecked >= CHECK_EVERY) {
          assert.equal(await historyHash(), expectedHistory, `the history changed after refused files up to history #${i} (seed ${SEED})`);
          unchecked = 0;
        }
      }
    }
    assert.equal(await historyHash(), expectedHistory, 'the history after the last refused files');
    assert.equal(await modelHash(engine), expectedModel, 'importing histories never touches the model');
    report('history files', t, started);
    assert.ok(t.loaded > 0 && t.refused > 0, 'both outcomes occur');
  } finally {
    engine.destroy();
  }
});
