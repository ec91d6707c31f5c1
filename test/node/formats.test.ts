/**
 * The data-set readers on files the test writes (nothing is downloaded): IDX of any size with
 * classes.txt, NumPy .npy/.npz (stored and deflated), CIFAR-10 and CIFAR-100 binary; through
 * datasetFromFiles (drops, the API) and loadDataset (a URL, from a local HTTP server). Every bad
 * input gives a DataFormatError whose message starts with the file's name and says the problem.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deflateRawSync, gzipSync } from 'node:zlib';
import { checkDataset, DataFormatError, type DataFile } from '../../src/data/check.js';
import type { Dataset } from '../../src/data/dataset.js';
import { DataFetchError, type LoadProgress } from '../../src/data/fetch.js';
import { IdxFormatError, loadFashionMnist } from '../../src/data/idx.js';
import { dataFormatOf, datasetFromFiles, loadDataset } from '../../src/data/load.js';
import { npyToBytes, npyToStrings, parseNpy } from '../../src/data/npy.js';
import { readZip } from '../../src/data/zip.js';
import { cifarFile, concat, crc32, generatedSet, idxFile, npyFile, numbers, slice, stringsNpy, zipFile, type GeneratedSet } from '../shared/data-files.js';

const text = (s: string) => new TextEncoder().encode(s);
const file = (name: string, bytes: Uint8Array): DataFile => ({ name, bytes });

/** Expects `work` to throw a DataFormatError (or `type`) whose message matches `pattern`. */
async function refuses(work: () => unknown, pattern: RegExp, type: new (...args: never[]) => Error = DataFormatError): Promise<void> {
  await assert.rejects(async () => work(), (error: Error) => {
    assert.ok(error instanceof type, `expected a ${type.name}, got ${error.stack}`);
    assert.match(error.message, pattern);
    return true;
  });
}

/** Checks a loaded split against the generated one. */
function same(actual: Dataset['train'], expected: GeneratedSet, what: string): void {
  assert.deepEqual([actual.count, actual.rows, actual.cols, actual.channels ?? 1], [expected.count, expected.rows, expected.cols, expected.channels], what);
  assert.deepEqual(actual.labels, expected.labels, `${what}: labels`);
  assert.ok(Buffer.from(actual.images).equals(Buffer.from(expected.images)), `${what}: images`);
}

// ── the generated data sets ──────────────────────────────────────────────────────────────────────

const GREY = { rows: 16, cols: 16, channels: 1 as const, classes: 4 };
const greyTrain = generatedSet(40, GREY, 1);
const greyTest = generatedSet(12, GREY, 2);
const GREY_NAMES = ['top band', 'upper middle', 'lower middle', 'bottom band'];

/** The grey set as IDX files (names as in the official sets), `.gz` or raw, with classes.txt unless `names` is false. */
function idxFiles({ gz = false, names = true, train = greyTrain, test = greyTest } = {}): DataFile[] {
  const pack = (b: Uint8Array) => (gz ? new Uint8Array(gzipSync(b)) : b);
  const suffix = gz ? '.gz' : '';
  return [
    file(`train-images-idx3-ubyte${suffix}`, pack(idxFile([train.count, train.rows, train.cols], train.images))),
    file(`train-labels-idx1-ubyte${suffix}`, pack(idxFile([train.count], train.labels))),
    file(`t10k-images-idx3-ubyte${suffix}`, pack(idxFile([test.count, test.rows, test.cols], test.images))),
    file(`t10k-labels-idx1-ubyte${suffix}`, pack(idxFile([test.count], test.labels))),
    ...(names ? [file('classes.txt', text(`${GREY_NAMES.join('\n')}\n`))] : []),
  ];
}

const RGB = { rows: 32, cols: 32, channels: 3 as const, classes: 10 };
const rgbTrain = generatedSet(50, RGB, 3);
const rgbTest = generatedSet(20, RGB, 4);
const RGB_NAMES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
// One marked pixel: red at row 3, column 5 of training image 0 (and in the planar file, R=255 G=0 B=0).
rgbTrain.images.set([255, 0, 0], (3 * 32 + 5) * 3);

/** The RGB set as CIFAR-10 binary: five training batches of 10, the test batch, batches.meta.txt. */
function cifar10Files({ meta = true } = {}): DataFile[] {
  return [
    ...[0, 1, 2, 3, 4].map((k) => file(`data_batch_${k + 1}.bin`, cifarFile(slice(rgbTrain, 10 * k, 10)))),
    file('test_batch.bin', cifarFile(rgbTest)),
    ...(meta ? [file('batches.meta.txt', text(`${RGB_NAMES.join('\n')}\n\n`))] : []), // the real file ends in blank lines
  ];
}

/** The .npy files of a data set: uint8 images [N, H, W, C], int64 labels [N] (Keras' CIFAR-10: [N, 1]). */
function npyFiles(train: GeneratedSet, test: GeneratedSet, { names = RGB_NAMES as string[] | undefined, column = false } = {}): DataFile[] {
  const x = (set: GeneratedSet) => npyFile('|u1', [set.count, set.rows, set.cols, set.channels], set.images);
  const y = (set: GeneratedSet) => npyFile('<i8', column ? [set.count, 1] : [set.count], numbers('<i8', set.labels));
  const files = [file('x_train.npy', x(train)), file('y_train.npy', y(train)), file('x_test.npy', x(test)), file('y_test.npy', y(test))];
  if (names) files.push(file('class_names.npy', stringsNpy(names)));
  return files;
}

/** An .npz of `files`: the images stored, everything else deflated (np.savez stores, np.savez_compressed deflates). */
function npz(files: DataFile[], deflate = (name: string) => !name.startsWith('x_')): Uint8Array {
  return zipFile(files.map(({ name, bytes }) => ({ name, data: bytes, deflated: deflate(name) ? new Uint8Array(deflateRawSync(bytes)) : undefined })));
}

// ── IDX ──────────────────────────────────────────────────────────────────────────────────────────

test('IDX: a 16×16 grey 4-class set with classes.txt, raw and gzipped', async () => {
  for (const gz of [false, true]) {
    const data = await datasetFromFiles(idxFiles({ gz }));
    same(data.train, greyTrain, `train (gz ${gz})`);
    same(data.test, greyTest, `test (gz ${gz})`);
    assert.deepEqual(data.classNames, GREY_NAMES);
  }
  const unnamed = await datasetFromFiles(idxFiles({ names: false }));
  assert.deepEqual(unnamed.classNames, ['0', '1', '2', '3'], 'without classes.txt: "0" … "K−1", K = the largest label + 1');
  // Dropped files keep their own names: EMNIST-style prefixes are recognised.
  const prefixed = idxFiles().map((f) => (f.name === 'classes.txt' ? f : file(`emnist-letters-${f.name}`, f.bytes)));
  assert.deepEqual((await datasetFromFiles(prefixed)).classNames, GREY_NAMES);
});

test('IDX: bad class names, labels and shapes are refused, naming the file', async () => {
  const withNames = (names: string) => [...idxFiles({ names: false }), file('classes.txt', text(names))];
  await refuses(() => datasetFromFiles(withNames('a\nb\nc\n')), /^train-labels-idx1-ubyte: label 3 at index 3 is out of range \(expected 0–2\): 3 classes from classes\.txt$/);
  await refuses(() => datasetFromFiles(withNames('a\n\nc\nd')), /^classes\.txt: line 2 is blank/);
  await refuses(() => datasetFromFiles(withNames('only one\n')), /^classes\.txt: 1 class name; a data set needs 2–100 classes$/);
  const many = Array.from({ length: 101 }, (_, k) => `c${k}`).join('\n');
  await refuses(() => datasetFromFiles(withNames(many)), /^classes\.txt: 101 class names; a data set needs 2–100 classes$/);

  // K = 1 and K = 101 from the labels themselves.
  const labelled = (train: number[], test: number[]) => {
    const t = { ...slice(greyTrain, 0, train.length), labels: Uint8Array.from(train) };
    const s = { ...slice(greyTest, 0, test.length), labels: Uint8Array.from(test) };
    return datasetFromFiles(idxFiles({ names: false, train: t, test: s }));
  };
  await refuses(() => labelled([0, 0, 0], [0]), /^train-labels-idx1-ubyte: the largest label is 0, so there is 1 class; a data set needs 2–100/);
  const hundredAndOne = Array.from({ length: 101 }, (_, k) => k);
  const big = { ...generatedSet(101, GREY), labels: Uint8Array.from(hundredAndOne) };
  await refuses(() => datasetFromFiles(idxFiles({ names: false, train: big, test: slice(big, 0, 3) })), /^train-labels-idx1-ubyte: the largest label is 100, so there are 101 classes/);

  // An empty class; a test label no training image has.
  await refuses(() => labelled([0, 1, 3, 3], [0]), /^train-labels-idx1-ubyte: class 2 \("2"\) has no training image; every one of the 4 classes needs at least one/);
  await refuses(() => labelled([0, 1, 0, 1], [2]), /^train-labels-idx1-ubyte: class 2 \("2"\) has no training image/);
  await refuses(() => datasetFromFiles([...idxFiles({ names: false, train: { ...slice(greyTrain, 0, 4), labels: Uint8Array.from([0, 1, 3, 3]) } }), file('classes.txt', text(GREY_NAMES.join('\n')))]),
    /^train-labels-idx1-ubyte: class 2 \("lower middle"\) has no training image; every one of the 4 classes needs at least one \(4 classes from classes\.txt\)/);

  // Differing shapes between train and test: the IDX reader's own message (IdxFormatError, its earlier name, is DataFormatError).
  const wide = generatedSet(4, { ...GREY, cols: 20 });
  await refuses(() => datasetFromFiles(idxFiles({ test: wide })), /^t10k-images-idx3-ubyte: images are 16×20, expected 16×16$/, IdxFormatError);
  assert.equal(IdxFormatError, DataFormatError, 'IdxFormatError is DataFormatError');
  // A missing file, in a drop.
  await refuses(() => datasetFromFiles(idxFiles().slice(1)), /^train-labels.*: the four IDX files of a data set are needed at once .*; missing: train-images-idx3-ubyte\.$/);
});

// ── CIFAR ────────────────────────────────────────────────────────────────────────────────────────

test('CIFAR-10: 32×32 RGB, planar records become HWC images; names from batches.meta.txt', async () => {
  const data = await datasetFromFiles(cifar10Files());
  same(data.train, rgbTrain, 'train');
  same(data.test, rgbTest, 'test');
  assert.deepEqual(data.classNames, RGB_NAMES);
  // The marked pixel: in the planar file R, G and B are 1,024 bytes apart; in the set they are together.
  const planar = cifar10Files()[0]!.bytes;
  const p = 3 * 32 + 5;
  assert.deepEqual([planar[1 + p], planar[1 + 1024 + p], planar[1 + 2048 + p]], [255, 0, 0], 'the planar file holds R=255 G=0 B=0');
  assert.deepEqual(Array.from(data.train.images.subarray(3 * p, 3 * p + 3)), [255, 0, 0], 'HWC: [255, 0, 0] at (row 3, col 5)');
  assert.deepEqual((await datasetFromFiles(cifar10Files({ meta: false }))).classNames, RGB_NAMES.map((_, k) => String(k)), 'without batches.meta.txt: "0" … "9"');
});

const cifar100 = { train: generatedSet(200, { ...RGB, classes: 100 }, 5), test: generatedSet(30, { ...RGB, classes: 100 }, 6) };
const coarse = (fine: number) => 19 - (fine % 20); // differs from the fine label

/** The 100-class set as CIFAR-100 binary: train.bin, test.bin. */
const cifar100Files = () => [file('train.bin', cifarFile(cifar100.train, coarse)), file('test.bin', cifarFile(cifar100.test, coarse))];

test('CIFAR-100: two label bytes (coarse, fine); the fine label is used, names from fine_label_names.txt', async () => {
  const names = Array.from({ length: 100 }, (_, k) => `fine ${k}`);
  const data = await datasetFromFiles([
    ...cifar100Files(),
    file('fine_label_names.txt', text(names.join('\n'))),
    file('coarse_label_names.txt', text('ignored')),
  ]);
  same(data.train, cifar100.train, 'train');
  same(data.test, cifar100.test, 'test');
  assert.deepEqual(data.classNames, names);
});

test('CIFAR: a file of a wrong length, a label ≥ K and missing batches are refused, naming the file', async () => {
  const files = cifar10Files();
  const cut = (k: number, bytes: Uint8Array) => files.map((f, j) => (j === k ? file(f.name, bytes) : f));
  await refuses(() => datasetFromFiles(cut(2, files[2]!.bytes.subarray(0, 3074))), /^data_batch_3\.bin: 3074 bytes is not a whole number of 3073-byte CIFAR-10 records \(1 label byte then 3,072 pixel bytes\)$/);
  await refuses(() => datasetFromFiles(cut(5, new Uint8Array(0))), /^test_batch\.bin: 0 bytes is not a whole number of 3073-byte CIFAR-10 records/);
  const badLabel = files[1]!.bytes.slice();
  badLabel[3073 * 4] = 10; // record 4's label byte
  await refuses(() => datasetFromFiles(cut(1, badLabel)), /^data_batch_2\.bin: label 10 at index 4 is out of range \(expected 0–9\)/);
  await refuses(() => datasetFromFiles([file('train.bin', new Uint8Array(3075)), file('test.bin', new Uint8Array(3074))]),
    /^train\.bin: 3075 bytes is not a whole number of 3074-byte CIFAR-100 records \(2 label bytes, coarse and fine, then 3,072 pixel bytes\)$/);
  await refuses(() => datasetFromFiles(files.filter((f) => f.name !== 'data_batch_4.bin')), /: CIFAR-10 needs data_batch_1\.bin, .* at once \(batches\.meta\.txt optional\); missing: data_batch_4\.bin\.$/);
});

// ── NumPy ────────────────────────────────────────────────────────────────────────────────────────

test('NumPy: the RGB set as an .npz (stored and deflated entries) and as .npy files, class_names as <U strings', async () => {
  const files = npyFiles(rgbTrain, rgbTest);
  for (const [label, bytes] of [
    ['stored images, deflated labels', npz(files)],
    ['all deflated', npz(files, () => true)],
    ['all stored', npz(files, () => false)],
  ] as const) {
    const data = await datasetFromFiles([file('cifar10.npz', bytes)]);
    same(data.train, rgbTrain, `${label}: train`);
    same(data.test, rgbTest, `${label}: test`);
    assert.deepEqual(data.classNames, RGB_NAMES, label);
  }
  const pairs = await datasetFromFiles(npyFiles(rgbTrain, rgbTest, { column: true })); // Keras' y of shape (N, 1)
  same(pairs.train, rgbTrain, '.npy files: train');
  assert.deepEqual(pairs.classNames, RGB_NAMES);
  // Grey [N, H, W] uint8 (Keras' mnist.npz), labels uint8, no class names; .npy versions 2 and 3.
  const grey = (set: GeneratedSet, version: 1 | 2 | 3) => npyFile('|u1', [set.count, set.rows, set.cols], set.images, { version });
  const mnist = npz([
    file('x_train.npy', grey(greyTrain, 1)), file('y_train.npy', npyFile('|u1', [greyTrain.count], greyTrain.labels, { version: 2 })),
    file('x_test.npy', grey(greyTest, 3)), file('y_test.npy', npyFile('<u2', [greyTest.count], numbers('<u2', greyTest.labels))),
  ]);
  const data = await datasetFromFiles([file('mnist.npz', mnist)]);
  same(data.train, greyTrain, 'grey train');
  same(data.test, greyTest, 'grey test');
  assert.deepEqual(data.classNames, ['0', '1', '2', '3']);
});

test('NumPy: every integer dtype for labels; floats only as whole numbers; strings as |S too', () => {
  const values = [0, 3, 99, 7];
  for (const descr of ['|u1', '|i1', '<u2', '<i2', '<u4', '<i4', '<u8', '<i8', '<f4', '<f8']) {
    const array = parseNpy(npyFile(descr, [4], numbers(descr, values)), `${descr}.npy`);
    assert.deepEqual(Array.from(npyToBytes(array, 'y.npy', 99, 'label')), values, descr);
  }
  const refusesNow = (descr: string, vs: number[], max: number, pattern: RegExp) =>
    assert.throws(() => npyToBytes(parseNpy(npyFile(descr, [vs.length], numbers(descr, vs)), 'a.npy'), 'a.npy', max, max === 255 ? 'pixel' : 'label'),
      (e: Error) => e instanceof DataFormatError && pattern.test(e.message));
  refusesNow('<i8', [1, -1], 99, /^a\.npy: label -1 at index 1 is negative; expected whole numbers 0–99$/);
  refusesNow('<u8', [2 ** 40], 99, /^a\.npy: label 1099511627776 at index 0 is above 99/);
  refusesNow('<f4', [1, 0.5], 255, /^a\.npy: pixel 0\.5 at index 1 is not a whole number; expected whole numbers 0–255 \(images scaled to 0–1\? save \(x \* 255\)\.round\(\)\.astype\(np\.uint8\)\)$/);
  refusesNow('<f8', [Number.NaN], 255, /^a\.npy: pixel NaN at index 0 is not a whole number/);
  refusesNow('<i2', [256], 255, /^a\.npy: pixel 256 at index 0 is above 255/);
  // Names as byte strings (np.array(names, dtype='S')): UTF-8, NUL-padded.
  const bytes = concat([text('cat\0\0\0'), text('dög\0\0'), text('bird\0\0')]);
  assert.deepEqual(npyToStrings(parseNpy(npyFile('|S6', [3], bytes), 'n.npy'), 'n.npy'), ['cat', 'dög', 'bird']);
});

test('NumPy: truncated, non-numeric and unsupported arrays are refused, naming the file and the problem', async () => {
  const x = npyFiles(rgbTrain, rgbTest)[0]!.bytes;
  const bad: [Uint8Array, RegExp][] = [
    [x.subarray(0, x.length - 1), /^x\.npy: truncated: shape \(50, 32, 32, 3\) of '\|u1' needs 153600 bytes of data, the file has 153599$/],
    [x.subarray(0, 100), /^x\.npy: truncated: the header says it is 118 bytes long/],
    [x.subarray(0, 5), /^x\.npy: not a \.npy file/],
    [concat([x, new Uint8Array(3)]), /^x\.npy: 3 unexpected bytes after the 153600 bytes of data/],
    [text('1,2,3\n4,5,6\n'), /^x\.npy: not a \.npy file: expected the magic bytes 93 4e 55 4d 50 59/],
    [npyFile('|u1', [2], new Uint8Array(2), { header: "{'descr': '|u1', 'shape': (2,), }" }), /^x\.npy: the header is not a NumPy header/],
    [npyFile('|O', [2], new Uint8Array(16)), /^x\.npy: dtype '\|O' is an object array \(pickled Python objects\)/],
    [npyFile('>i4', [2], new Uint8Array(8)), /^x\.npy: dtype '>i4' is big-endian; save it little-endian: x\.astype\('<i4'\)$/],
    [npyFile('<c8', [2], new Uint8Array(16)), /^x\.npy: dtype '<c8' \(complex 64-bit\) is not supported/],
    [npyFile('<f2', [2], new Uint8Array(4)), /^x\.npy: dtype '<f2' \(float 16-bit\) is not supported/],
    [npyFile('|b1', [2], new Uint8Array(2)), /^x\.npy: dtype '\|b1' \(bool 8-bit\) is not supported/],
    [npyFile('|u1', [2, 3], new Uint8Array(6), { fortran: true }), /^x\.npy: the array is in Fortran \(column-major\) order/],
    [npyFile('|u1', [2], new Uint8Array(2), { header: "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }" }), /^x\.npy: structured dtype/],
  ];
  for (const [bytes, pattern] of bad) assert.throws(() => parseNpy(bytes, 'x.npy'), (e: Error) => e instanceof DataFormatError && pattern.test(e.message), String(pattern));

  // Through a data set: strings as images, wrong shapes, counts that differ, float images.
  const files = npyFiles(rgbTrain, rgbTest);
  const swap = (name: string, bytes: Uint8Array) => files.map((f) => (f.name === name ? file(name, bytes) : f));
  await refuses(() => datasetFromFiles(swap('x_train.npy', stringsNpy(['a', 'b']))), /^x_train\.npy: holds strings \('<U1'\); expected numbers \(pixels\)$/);
  await refuses(() => datasetFromFiles(swap('x_train.npy', npyFile('|u1', [50, 3, 32, 32], rgbTrain.images))), /^x_train\.npy: images of shape \(50, 3, 32, 32\); expected \(N, H, W\) or \(N, H, W, C\) with C = 1 or 3; channels first\? save x\.transpose\(0, 2, 3, 1\)$/);
  await refuses(() => datasetFromFiles(swap('y_train.npy', npyFile('<f4', [50, 10], new Uint8Array(2000)))), /^y_train\.npy: labels of shape \(50, 10\); expected class indices, shape \(N,\) or \(N, 1\); one-hot labels\? save y\.argmax\(1\)$/);
  await refuses(() => datasetFromFiles(swap('y_test.npy', npyFile('|u1', [19], rgbTest.labels.subarray(0, 19)))), /^x_test\.npy has 20 images but y_test\.npy has 19 labels: they must match$/);
  await refuses(() => datasetFromFiles(swap('x_test.npy', npyFile('|u1', [20, 16, 16], new Uint8Array(20 * 256)))), /^x_test\.npy: images are 16×16 grey, but the training images \(x_train\.npy\) are 32×32 RGB: train and test need the same shape$/);
  const floats = numbers('<f4', Array.from(rgbTrain.images, (v) => v)); // whole numbers: accepted
  same((await datasetFromFiles(swap('x_train.npy', npyFile('<f4', [50, 32, 32, 3], floats)))).train, rgbTrain, 'float32 images of whole numbers');
  await refuses(() => datasetFromFiles(swap('x_train.npy', npyFile('<f4', [50, 32, 32, 3], numbers('<f4', Array.from(rgbTrain.images, (v) => v / 255))))), /^x_train\.npy: pixel 0\.\d+ at index 0 is not a whole number/);

  // Labels against class_names: one too large, an empty class, K = 1 and K = 101.
  const named = (names: string[]) => npyFiles(rgbTrain, rgbTest, { names });
  await refuses(() => datasetFromFiles(named(RGB_NAMES.slice(0, 9))), /^y_train\.npy: label 9 at index 9 is out of range \(expected 0–8\): 9 classes from class_names\.npy$/);
  await refuses(() => datasetFromFiles(named([...RGB_NAMES, 'extra'])), /^y_train\.npy: class 10 \("extra"\) has no training image/);
  await refuses(() => datasetFromFiles(named(['one'])), /^class_names\.npy: 1 class name; a data set needs 2–100 classes$/);
  await refuses(() => datasetFromFiles(named(Array.from({ length: 101 }, (_, k) => `c${k}`))), /^class_names\.npy: 101 class names; a data set needs 2–100 classes$/);
  await refuses(() => datasetFromFiles(swap('class_names.npy', npyFile('<i8', [2], numbers('<i8', [1, 2])))), /^class_names\.npy: holds '<i8' numbers; expected strings/);
});

test('.npz: truncated, corrupt and unsupported archives are refused, naming the archive (and the entry)', async () => {
  const files = npyFiles(rgbTrain, rgbTest);
  const archive = npz(files);
  const entry = (over: Partial<Parameters<typeof zipFile>[0][number]>) =>
    zipFile(files.map(({ name, bytes }) => ({ name, data: bytes, ...(name === 'y_train.npy' ? over : {}) })));
  const deflated = new Uint8Array(deflateRawSync(files[1]!.bytes));
  const corrupt = deflated.slice();
  corrupt.fill(0xff, 2, 12);
  const flipped = archive.slice();
  flipped[200] ^= 0x10; // inside x_train.npy's stored data: only the CRC tells
  const cases: [Uint8Array, RegExp][] = [
    [archive.subarray(0, archive.length - 10), /^d\.npz: truncated or corrupt: the zip directory at its end is missing$/],
    [archive.subarray(0, archive.length >> 1), /^d\.npz: truncated or corrupt/],
    [text('not a zip at all'), /^d\.npz: not a zip archive/],
    [files[0]!.bytes, /^d\.npz: not a zip archive/],
    [flipped, /^d\.npz: x_train\.npy: corrupt: its CRC-32 does not match the data$/],
    [entry({ deflated: corrupt }), /^d\.npz: y_train\.npy: corrupt/],
    [entry({ deflated: deflated.subarray(0, 20) }), /^d\.npz: y_train\.npy: corrupt/],
    [entry({ method: 14 }), /^d\.npz: y_train\.npy: compressed with method 14 \(LZMA\); only stored \(0\) and deflated \(8\) entries are read$/],
    [entry({ flags: 1 }), /^d\.npz: y_train\.npy: encrypted; only unencrypted archives are read$/],
    [entry({ data: files[1]!.bytes.subarray(0, 130) }), /^d\.npz: y_train\.npy: truncated: shape \(50,\) of '<i8' needs 400 bytes of data, the file has 2$/],
    [zipFile(files.slice(1).map(({ name, bytes }) => ({ name, data: bytes }))), /^d\.npz: no x_train; a data set \.npz holds the arrays x_train, y_train, x_test, y_test \(and optionally class_names\), as np\.savez writes them; this one holds y_train\.npy/],
  ];
  for (const [bytes, pattern] of cases) await refuses(() => datasetFromFiles([file('d.npz', bytes)]), pattern);
  // Signatures: a central-directory entry and a local header overwritten.
  const view = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset);
  const noCentral = archive.slice();
  const centralAt = view(noCentral).getUint32(noCentral.length - 6, true);
  view(noCentral).setUint32(centralAt, 0x12345678, true);
  await refuses(() => datasetFromFiles([file('d.npz', noCentral)]), /^d\.npz: corrupt zip directory: entry 0 at \d+ has no valid header$/);
  const noLocal = archive.slice();
  view(noLocal).setUint32(0, 0x12345678, true);
  await refuses(() => datasetFromFiles([file('d.npz', noLocal)]), /^d\.npz: x_train\.npy: no valid local header at 0$/);
  // The test's CRC is the standard one, and the reader reads what it wrote.
  assert.equal(crc32(text('123456789')), 0xcbf43926);
  assert.deepEqual([...readZip(archive, 'd.npz').keys()], files.map((f) => f.name));
});

// ── telling formats apart ─────────────────────────────────────────────────────────────────────────

test('files are told apart by their names; unknown files and bad image folders are refused with what is expected', async () => {
  assert.equal(dataFormatOf(['mnist.npz']), 'npz');
  assert.equal(dataFormatOf(['pets.zip']), 'zip');
  assert.equal(dataFormatOf(['train-images-idx3-ubyte.gz', 'readme.txt']), 'IDX');
  assert.equal(dataFormatOf(['data_batch_1.bin', 'batches.meta.txt', 'readme.html']), 'CIFAR-10');
  assert.equal(dataFormatOf(['train.bin', 'test.bin']), 'CIFAR-100');
  assert.equal(dataFormatOf(['x_train.npy']), 'NumPy');
  assert.equal(dataFormatOf(['cat/1.png', 'dog/1.JPG']), 'image folder');
  assert.equal(dataFormatOf(['notes.txt']), undefined);
  await refuses(() => datasetFromFiles([file('notes.txt', new Uint8Array(4))]), /^notes\.txt: not a data set nnscope reads; give the four IDX files/);
  // Image folders are planned before any decoding (which needs a browser): their bad layouts are refused here too.
  await refuses(() => datasetFromFiles([file('photo.png', new Uint8Array(4))]), /^photo\.png: in no class folder; an image folder holds/);
  await refuses(() => datasetFromFiles([file('pets/cat/1.png', new Uint8Array(4)), file('pets/cat/notes.txt', new Uint8Array(4))]), /^pets\/cat\/notes\.txt: not an image/);
  await refuses(() => datasetFromFiles([file('pets.zip', new Uint8Array(4))]), /^pets\.zip: not a zip archive/);
  await refuses(() => datasetFromFiles([file('pets.zip', zipFile([{ name: 'pets/cat/1.png', data: new Uint8Array(4) }]))]), /^pets\.zip: 1 class folder \(cat\); a data set needs 2–100 classes/);
  await refuses(() => datasetFromFiles([file('pets.zip', zipFile([{ name: 'cat/1.png', data: new Uint8Array(4) }, { name: 'dog/', data: new Uint8Array() }]))]), /^pets\.zip: dog\/: an empty class folder/);
  await refuses(() => datasetFromFiles([file('pets/cat/1.png', new Uint8Array(4)), file('pets/dog/1.png', new Uint8Array(4))]), /^pets\/cat\/1\.png: image folders are decoded with createImageBitmap/);
  // Files a format does not ask for are ignored (CIFAR-10's readme.html).
  same((await datasetFromFiles([...cifar10Files(), file('readme.html', text('<html>'))])).test, rgbTest, 'with readme.html');
});

test('checkDataset: counts, sizes, channels and byte lengths of a hand-made data set', () => {
  const set = { images: new Uint8Array(2 * 4 * 3), labels: Uint8Array.from([0, 1]), count: 2, rows: 2, cols: 2, channels: 3 as const };
  const files = { train: { images: 'ti', labels: 'tl' }, test: { images: 'si', labels: 'sl' } };
  const ok = { train: set, test: set, classNames: ['a', 'b'] };
  assert.equal(checkDataset(ok, files), ok);
  const bad: [Dataset, RegExp][] = [
    [{ ...ok, test: { ...set, count: 0, images: new Uint8Array(0), labels: new Uint8Array(0) } }, /^si: no images; each split needs at least one$/],
    [{ ...ok, train: { ...set, images: new Uint8Array(5) } }, /^ti: 5 pixel bytes; 2 images of 2×2 RGB need 24$/],
    [{ ...ok, train: { ...set, labels: new Uint8Array(3) } }, /^tl: 3 labels for 2 images in ti; they must match$/],
    [{ ...ok, train: { ...set, channels: 2 as 3 } }, /^ti: 2 channels; expected 1 \(grey\) or 3 \(RGB\)$/],
    [{ ...ok, train: { ...set, rows: 1025 } }, /^ti: images have 1025 rows; expected 1–1024$/],
  ];
  for (const [dataset, pattern] of bad) assert.throws(() => checkDataset(dataset, files), (e: Error) => e instanceof DataFormatError && pattern.test(e.message), String(pattern));
});

// ── URLs ─────────────────────────────────────────────────────────────────────────────────────────

/** Serves `files` by path; `html` answers every other path with a 200 HTML page, as single-page-app servers do. */
async function serve(files: Record<string, Uint8Array>, { html = false } = {}) {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://host').pathname;
    requests.push(path);
    const body = files[path];
    if (body) return void res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length }).end(body);
    if (html) return void res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>app</title>');
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  after(() => server.close());
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

const folder = (path: string, files: DataFile[]) => Object.fromEntries(files.map((f) => [`${path}${f.name}`, f.bytes]));

test('loadDataset: a folder URL is probed IDX (.gz, raw), CIFAR-10, CIFAR-100, NumPy; an .npz URL is an archive', async () => {
  const server = await serve({
    ...folder('/idx/', idxFiles({ gz: true })),
    ...folder('/raw/', idxFiles({ names: false })),
    ...folder('/cifar10/', cifar10Files()),
    ...folder('/cifar100/', cifar100Files()),
    ...folder('/npy/', npyFiles(rgbTrain, rgbTest)),
    '/sets/cifar.npz': npz(npyFiles(rgbTrain, rgbTest)),
  });
  const progress: LoadProgress[] = [];
  const idx = await loadDataset(`${server.url}/idx/`, (p) => progress.push({ ...p }));
  same(idx.train, greyTrain, 'IDX .gz');
  assert.deepEqual(idx.classNames, GREY_NAMES);
  const sizes = idxFiles({ gz: true }).slice(0, 4).reduce((sum, f) => sum + f.bytes.length, 0);
  assert.deepEqual(progress.at(-1), { loaded: sizes, total: sizes }, 'the progress ends at the four files\' bytes');
  assert.deepEqual((await loadDataset(`${server.url}/raw`)).classNames, ['0', '1', '2', '3'], 'raw IDX, a folder without its final /');
  same((await loadDataset(`${server.url}/cifar10/`)).train, rgbTrain, 'CIFAR-10');
  same((await loadDataset(`${server.url}/cifar100/`)).test, cifar100.test, 'CIFAR-100');
  same((await loadDataset(`${server.url}/npy/`)).train, rgbTrain, '.npy files');
  const npzProgress: LoadProgress[] = [];
  const archive = await loadDataset(`${server.url}/sets/cifar.npz?v=2`, (p) => npzProgress.push({ ...p }));
  same(archive.test, rgbTest, '.npz');
  assert.equal(npzProgress.at(-1)!.loaded, npzProgress.at(-1)!.total);
  // Probing asks for each format's first file in turn and downloads nothing twice.
  const asked = server.requests.filter((r) => r.startsWith('/npy/'));
  assert.deepEqual(asked.slice(0, 5), ['/npy/train-images-idx3-ubyte.gz', '/npy/train-images-idx3-ubyte', '/npy/data_batch_1.bin', '/npy/train.bin', '/npy/x_train.npy']);
  assert.equal(asked.filter((r) => r === '/npy/x_train.npy').length, 1);
});

test('loadDataset: a folder with no data set, an HTML fallback, a .zip URL and a missing file are reported', async () => {
  const server = await serve({ ...folder('/half/', cifar10Files().filter((f) => f.name !== 'test_batch.bin')), '/pets.zip': zipFile([{ name: 'cat/1.png', data: new Uint8Array(4) }, { name: 'loose.png', data: new Uint8Array(4) }]) });
  await refuses(() => loadDataset(`${server.url}/empty/`),
    /^could not fetch http:\/\/127\.0\.0\.1:\d+\/empty\/train-images-idx3-ubyte\.gz: HTTP 404 Not Found\. Found no data set in .*\/empty\/: a folder holds the four IDX files/, DataFetchError);
  await refuses(() => loadDataset(`${server.url}/half/`), /^could not fetch .*\/half\/test_batch\.bin: HTTP 404 Not Found\. CIFAR-10 needs data_batch_1\.bin, .*test_batch\.bin in one folder/, DataFetchError);
  await refuses(() => loadDataset(`${server.url}/pets.zip`), /^pets\.zip: loose\.png: in no class folder/);
  const spa = await serve(folder('/app/data/', idxFiles()), { html: true });
  await refuses(() => loadDataset(`${spa.url}/app/nothing/`), /: an HTML page, not a data file\. Found no data set/, DataFetchError);
  assert.deepEqual((await loadDataset(`${spa.url}/app/data/`)).classNames, GREY_NAMES, 'raw IDX found after the .gz probe got an HTML page');
  // loadFashionMnist names the classes itself and asks for no classes.txt.
  const fashion = await serve(folder('/fm/', idxFiles({ gz: true, names: false, train: { ...generatedSet(20, { ...GREY, classes: 10 }) }, test: generatedSet(10, { ...GREY, classes: 10 }) })));
  assert.equal((await loadFashionMnist(`${fashion.url}/fm/`)).classNames[9], 'Ankle boot');
  assert.ok(!fashion.requests.includes('/fm/classes.txt'));
});
