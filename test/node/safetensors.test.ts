/** The safetensors codec and the parameter and history files built on it (pure TypeScript, no GPU). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeSafetensors, encodeSafetensors, SafetensorsError, type Tensor } from '../../src/io/safetensors.js';
import { historyFromSafetensors, historyToSafetensors } from '../../src/io/history-file.js';
import { compareModulePaths, parametersFromSafetensors, parametersToSafetensors } from '../../src/io/parameters-file.js';

/** A safetensors file written by hand, as another library would write it. */
function handMade(header: object, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const f32 = (values: number[]) => new Uint8Array(Float32Array.from(values).buffer);

test('encode → decode round-trips bit-exactly, NaN payloads and −0 included, with metadata; data is 8-byte aligned', () => {
  const weird = new Float32Array(new Uint32Array([0x7fc00001, 0x80000000, 0x00000001, 0x7f7fffff]).buffer);
  const tensors = new Map<string, Tensor>([
    ['a', { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) }],
    ['weird', { shape: [4], data: weird }],
    ['empty', { shape: [0, 5], data: new Float32Array(0) }],
  ]);
  const bytes = encodeSafetensors(tensors, { note: 'hi' });
  const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal((8 + headerLength) % 8, 0);
  const decoded = decodeSafetensors(bytes, 'x.safetensors');
  assert.deepEqual([...decoded.tensors.keys()], ['a', 'weird', 'empty']);
  assert.deepEqual(decoded.metadata, { note: 'hi' });
  assert.deepEqual(decoded.tensors.get('a')!.shape, [2, 3]);
  assert.deepEqual(new Uint32Array(decoded.tensors.get('weird')!.data.buffer), new Uint32Array(weird.buffer));
  assert.deepEqual(Array.from(decoded.tensors.get('a')!.data), [1, 2, 3, 4, 5, 6]);
});

test('F64, F16 and BF16 tensors are read as float32', () => {
  const f64 = new Uint8Array(Float64Array.from([0.1, -2.5]).buffer);
  const f16 = new Uint8Array(new Uint16Array([0x3c00, 0xc000, 0x3555, 0x0001, 0x7c00]).buffer); // 1, −2, ≈1/3, 2⁻²⁴, ∞
  const bf16 = new Uint8Array(new Uint16Array([0x3f80, 0xc0a0]).buffer); // 1, −5
  const data = new Uint8Array([...f64, ...f16, ...bf16, 0, 0]);
  const file = handMade({
    d: { dtype: 'F64', shape: [2], data_offsets: [0, 16] },
    h: { dtype: 'F16', shape: [5], data_offsets: [16, 26] },
    b: { dtype: 'BF16', shape: [2], data_offsets: [26, 30] },
  }, data);
  const { tensors } = decodeSafetensors(file, 'mixed.safetensors');
  assert.deepEqual(Array.from(tensors.get('d')!.data), [Math.fround(0.1), -2.5]);
  const h = Array.from(tensors.get('h')!.data);
  assert.deepEqual([h[0], h[1], h[3], h[4]], [1, -2, 2 ** -24, Infinity]);
  assert.ok(Math.abs(h[2] - 1 / 3) < 1e-3);
  assert.deepEqual(Array.from(tensors.get('b')!.data), [1, -5]);
});

test('each kind of bad file is rejected with its own message naming the file', () => {
  const good = handMade({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, f32([1, 2]));
  const cases: [Uint8Array, RegExp][] = [
    [new Uint8Array(5), /bad\.st is not a usable safetensors file: it has 5 bytes, fewer than the 8-byte header length/],
    [good.subarray(0, 12), /the header claims \d+ bytes but the file has 4 after the length/],
    [handMade({}, new Uint8Array()).map((b, i) => (i === 8 ? 0x7b : i === 9 ? 0x78 : b)), /its header is not JSON/],
    [handMade([1, 2] as unknown as object, new Uint8Array()), /its header is not a JSON object/],
    [handMade({ w: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8)), /tensor w has dtype "I64"; nnscope reads F32, F64, F16 and BF16/],
    [handMade({ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, new Uint8Array(4)), /tensor w has shape \[-1\], not a list of sizes/],
    [handMade({ w: { dtype: 'F32', shape: [2], data_offsets: [8, 0] } }, new Uint8Array(8)), /tensor w has data_offsets \[8,0\], not \[begin, end\]/],
    [handMade({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8)), /tensor w of shape \[3\] and dtype F32 needs 12 bytes, its offsets span 8/],
    [good.subarray(0, good.length - 4), /tensor w ends at byte 8 of the data, which has only 4 \(truncated file\)/],
  ];
  for (const [bytes, message] of cases) {
    assert.throws(() => decodeSafetensors(bytes, 'bad.st'), (e: Error) => e instanceof SafetensorsError && message.test(e.message), String(message));
  }
});

const sizes = [4, 3, 2];
const params = {
  weights: [Float32Array.from({ length: 12 }, (_, i) => i / 10), Float32Array.from({ length: 6 }, (_, i) => -i)],
  biases: [Float32Array.from([0.5, 0.25, 0]), Float32Array.from([9, 8])],
};

test('nnscope parameter files round-trip; PyTorch state dicts are transposed into place', () => {
  const back = parametersFromSafetensors(parametersToSafetensors(params, sizes), sizes, 'mine.safetensors');
  assert.equal(back.format, 'nnscope');
  assert.deepEqual(back.weights, params.weights);
  assert.deepEqual(back.biases, params.biases);

  // PyTorch nn.Sequential(Linear(4,3), ReLU(), Linear(3,2)): 0.weight [3,4], 2.weight [2,3].
  const transpose = (m: Float32Array, rows: number, cols: number) => Float32Array.from({ length: m.length }, (_, k) => m[(k % rows) * cols + Math.floor(k / rows)]);
  const torch = encodeSafetensors(new Map<string, Tensor>([
    ['0.weight', { shape: [3, 4], data: transpose(params.weights[0], 4, 3) }],
    ['0.bias', { shape: [3], data: params.biases[0] }],
    ['2.weight', { shape: [2, 3], data: transpose(params.weights[1], 3, 2) }],
    ['2.bias', { shape: [2], data: params.biases[1] }],
  ]));
  const fromTorch = parametersFromSafetensors(torch, sizes, 'model.safetensors');
  assert.equal(fromTorch.format, 'pytorch');
  assert.deepEqual(fromTorch.weights, params.weights);
  assert.deepEqual(fromTorch.biases, params.biases);
});

test('parameter files for another network, incomplete or non-finite ones are refused', () => {
  const file = parametersToSafetensors(params, sizes);
  assert.throws(() => parametersFromSafetensors(file, [4, 5, 2], 'mine.st'), /mine\.st: layers\.0\.weights has shape \[4,3\], this network \(4-5-2\) needs \[4,5\]/);
  assert.throws(() => parametersFromSafetensors(file, [4, 3, 2, 2], 'mine.st'), /mine\.st has no tensor layers\.2\.weights; this network \(4-3-2-2\) needs it/);
  const torch = encodeSafetensors(new Map<string, Tensor>([['fc.weight', { shape: [2, 4], data: new Float32Array(8) }], ['fc.bias', { shape: [2], data: new Float32Array(2) }]]));
  assert.throws(() => parametersFromSafetensors(torch, sizes, 't.st'), /t\.st holds 1 linear layers \(fc\); this network \(4-3-2\) has 2/);
  const other = encodeSafetensors(new Map<string, Tensor>([['embedding', { shape: [2], data: new Float32Array(2) }]]));
  assert.throws(() => parametersFromSafetensors(other, sizes, 'o.st'), /o\.st has neither nnscope tensors .* its tensors: embedding/);
  const nan = { weights: params.weights, biases: [Float32Array.from([0, NaN, 0]), params.biases[1]] };
  assert.throws(() => parametersFromSafetensors(parametersToSafetensors(nan, sizes), sizes, 'n.st'), /n\.st: layers\.0\.biases\[1\] is NaN; parameters must be finite/);
});

test('bad headers the fuzz test found gaps for: inherited dtype names, non-object entries, overlaps, unsafe sizes, non-string metadata', () => {
  const cases: [Uint8Array, RegExp][] = [
    [handMade({ w: { dtype: 'toString', shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4)), /tensor w has dtype "toString"; nnscope reads F32/],
    [handMade({ w: 5 }, new Uint8Array()), /tensor w is 5, not \{ dtype, shape, data_offsets \}/],
    [handMade({ w: { dtype: 'F32', shape: [2 ** 53], data_offsets: [0, 4] } }, new Uint8Array(4)), /tensor w has shape \[9007199254740992\], not a list of sizes/],
    [handMade({
      a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
      b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
    }, new Uint8Array(12)), /tensors a \(bytes 0–8\) and b \(bytes 4–12\) overlap; each tensor needs bytes of its own/],
    [handMade({ __metadata__: { format: 5 } }, new Uint8Array()), /its __metadata__ entry "format" is 5, not a string/],
    [handMade({ __metadata__: [] }, new Uint8Array()), /its __metadata__ is \[\], not an object of strings/],
  ];
  for (const [bytes, message] of cases) {
    assert.throws(() => decodeSafetensors(bytes, 'bad.st'), (e: Error) => e instanceof SafetensorsError && e.message.startsWith('bad.st ') && message.test(e.message), String(message));
  }
  // Null metadata is no metadata, as the safetensors library reads it; empty tensors may share an offset.
  const decoded = decodeSafetensors(handMade({ __metadata__: null, e: { dtype: 'F32', shape: [0], data_offsets: [0, 0] }, w: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, f32([3])), 'ok.st');
  assert.deepEqual(decoded.metadata, {});
  assert.deepEqual(Array.from(decoded.tensors.get('w')!.data), [3]);
});

test('a history file whose __metadata__ is null (or lacks fields) is refused with a SafetensorsError naming the file', () => {
  const tensors = handMade({ __metadata__: null, w: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, f32([1]));
  assert.throws(() => historyFromSafetensors(tensors, [4, 2], 'sgd', 'run.safetensors'),
    (e: Error) => e instanceof SafetensorsError && /^run\.safetensors: its format is null, not an nnscope training history/.test(e.message));
  const partial = handMade({ __metadata__: { format: 'nnscope-history', sizes: '4,2' } }, new Uint8Array());
  assert.throws(() => historyFromSafetensors(partial, [4, 2], 'sgd', 'run.safetensors'),
    (e: Error) => e instanceof SafetensorsError && /^run\.safetensors: its metadata has no 'optimizer'/.test(e.message));
});

test('a PyTorch nn.Sequential with 10 or more children, written with names sorted as text, loads in module order', () => {
  // Sequential(Linear, ReLU, Linear, ReLU, …, Linear): the linear layers are children 0, 2, …, 14.
  const widths = [5, 4, 6, 3, 5, 4, 6, 3, 2];
  const layers = widths.length - 1;
  const weights = Array.from({ length: layers }, (_, l) => Float32Array.from({ length: widths[l] * widths[l + 1] }, (_, k) => l + k / 1000));
  const biases = Array.from({ length: layers }, (_, l) => Float32Array.from({ length: widths[l + 1] }, (_, k) => -l - k / 1000));
  const transpose = (m: Float32Array, rows: number, cols: number) => Float32Array.from({ length: m.length }, (_, k) => m[(k % rows) * cols + Math.floor(k / rows)]);
  const entries: [string, Tensor][] = weights.flatMap((w, l): [string, Tensor][] => [
    [`${2 * l}.weight`, { shape: [widths[l + 1], widths[l]], data: transpose(w, widths[l], widths[l + 1]) }],
    [`${2 * l}.bias`, { shape: [widths[l + 1]], data: biases[l] }],
  ]);
  entries.sort(([a], [b]) => (a < b ? -1 : 1)); // 0.bias, 0.weight, 10.bias, 10.weight, 12.bias, …, 2.bias, …
  assert.equal(entries[2][0], '10.bias');
  const loaded = parametersFromSafetensors(encodeSafetensors(new Map(entries)), widths, 'deep.safetensors');
  assert.equal(loaded.format, 'pytorch');
  assert.deepEqual(loaded.weights, weights);
  assert.deepEqual(loaded.biases, biases);
});

test('module paths sort as PyTorch numbers modules: numbers as numbers, segment by segment', () => {
  const sorted = ['fc10', 'fc2', 'fc1', 'net.10.0', 'net.2.0', 'net.2', '10', '9', 'head', '010'].sort(compareModulePaths);
  assert.deepEqual(sorted, ['9', '10', '010', 'fc1', 'fc2', 'fc10', 'head', 'net.2', 'net.2.0', 'net.10.0']);
});

test('an nnscope parameter file with more layers than the network is refused', () => {
  const file = parametersToSafetensors(params, sizes);
  assert.throws(() => parametersFromSafetensors(file, [4, 3], 'mine.st'), /mine\.st has layers\.1\.weights, more layers than this network \(4-3\) has/);
});

test('a parameter file records the image shape it was trained on; another shape of the same input count is refused', () => {
  const sizes = [12, 3, 2];
  const parameters = { weights: [new Float32Array(36).fill(0.5), new Float32Array(6).fill(-0.5)], biases: [new Float32Array(3), new Float32Array(2)] };
  const bytes = parametersToSafetensors(parameters, sizes, { input: '2×2×3' });
  assert.deepEqual(Array.from(parametersFromSafetensors(bytes, sizes, 'p.safetensors', '2×2×3').weights[1]!), Array.from(parameters.weights[1]!));
  assert.throws(() => parametersFromSafetensors(bytes, sizes, 'p.safetensors', '3×4×1'), (e: Error) =>
    e instanceof SafetensorsError && e.message === 'p.safetensors was trained on 2×2×3 images; this network takes 3×4×1. Load it into a network built for that data.');
  // Files without the record (older ones, PyTorch's) load by their tensor shapes alone.
  assert.doesNotThrow(() => parametersFromSafetensors(parametersToSafetensors(parameters, sizes), sizes, 'old.safetensors', '3×4×1'));
});

test('a history file records the image shape it was recorded on; replaying it in a network for another shape is refused', () => {
  const sizes = [12, 2];
  const layer = { weights: new Float32Array(24), biases: new Float32Array(2), dweights: new Float32Array(24), dbiases: new Float32Array(2), weightMomentums: new Float32Array(24), biasMomentums: new Float32Array(2), weightCache: undefined, biasCache: undefined };
  const bytes = historyToSafetensors({ network: sizes, input: '2×2×3', optimizer: 'sgd', every: 16, budgetBytes: 1 << 20, snapshots: [{ step: 0, epoch: 0, stepInEpoch: 0, layers: [layer] }] });
  assert.equal(historyFromSafetensors(bytes, sizes, 'sgd', 'run.safetensors', '2×2×3').input, '2×2×3');
  assert.throws(() => historyFromSafetensors(bytes, sizes, 'sgd', 'run.safetensors', '3×4×1'), (e: Error) =>
    e instanceof SafetensorsError && e.message === 'run.safetensors: it was recorded on 2×2×3 images; this network takes 3×4×1. Create an engine for that data to replay it.');
});
