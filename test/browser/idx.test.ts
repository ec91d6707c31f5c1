// The data pipeline: the embedded Fashion-MNIST copy (www/data/, built by scripts/prepare-data.mjs)
// and the IDX reader's handling of raw, gzipped and broken files.
import { expect } from '@esm-bundle/chai';
import { FASHION_MNIST_CLASSES, type Dataset } from '../../src/data/dataset.js';
import {
  gunzipIfNeeded,
  IdxFormatError,
  imageSetFromIdx,
  loadFashionMnist,
  loadIdxDataset,
  parseIdx,
  type IdxFileNames,
} from '../../src/data/idx.js';


/** An IDX file: 00 00 <type> <rank>, big-endian u32 sizes, then `data`. */
function idxFile(dims: number[], data: Uint8Array | number[], type = 0x08): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  out.set([0, 0, type, dims.length]);
  const view = new DataView(out.buffer);
  dims.forEach((d, k) => view.setUint32(4 + 4 * k, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

/** Deterministic pseudo-random bytes. */
function bytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) out[i] = (s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 24;
  return out;
}

async function gzip(data: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([data]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

const urls: string[] = [];
const blobUrl = (data: Uint8Array<ArrayBuffer>) => {
  urls.push(URL.createObjectURL(new Blob([data])));
  return urls[urls.length - 1]!;
};

/** Four blob URLs: train = 5 images, test = 3 images, labels of 5 classes, each in train (overridable per file). */
function files(over: Partial<Record<keyof IdxFileNames, Uint8Array<ArrayBuffer>>> = {}): IdxFileNames {
  return {
    trainImages: blobUrl(over.trainImages ?? idxFile([5, 28, 28], bytes(5 * 784, 1))),
    trainLabels: blobUrl(over.trainLabels ?? idxFile([5], [0, 1, 2, 3, 4])),
    testImages: blobUrl(over.testImages ?? idxFile([3, 28, 28], bytes(3 * 784, 2))),
    testLabels: blobUrl(over.testLabels ?? idxFile([3], [4, 0, 2])),
  };
}

/** Awaits `work`, expecting it to fail with `type` and a message matching `pattern`. */
async function rejects(work: Promise<unknown> | (() => unknown), pattern: RegExp, type: Function = IdxFormatError) {
  let error: unknown;
  try {
    await (typeof work === 'function' ? work() : work);
  } catch (e) {
    error = e;
  }
  expect(error, `expected an error matching ${pattern}`).to.be.instanceOf(type);
  expect((error as Error).message).to.match(pattern);
}

/** 53-bit string-free hash of one image (cyrb53); equal hashes are confirmed byte by byte. */
function hash(image: Uint8Array): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < image.length; i++) {
    h1 = Math.imul(h1 ^ image[i]!, 2654435761);
    h2 = Math.imul(h2 ^ image[i]!, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** `s` as a literal inside a RegExp (blob: URLs are used as file names). */
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const hex = (buffer: ArrayBuffer) => Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');

describe('embedded Fashion-MNIST (www/data/)', () => {
  let data: Dataset;
  before(async () => {
    data = await loadFashionMnist('/www/data/');
  });

  it('has 60,000 train and 10,000 test images of 28×28 with ten class names', () => {
    for (const [set, count] of [[data.train, 60_000], [data.test, 10_000]] as const) {
      expect(set.count).to.equal(count);
      expect([set.rows, set.cols]).to.deep.equal([28, 28]);
      expect(set.images.length).to.equal(count * 784);
      expect(set.labels.length).to.equal(count);
    }
    expect(data.classNames).to.have.length(10);
    expect(data.classNames[9]).to.equal('Ankle boot');
  });

  it('has 6,000 train and 1,000 test images per class, interleaved', () => {
    for (const [set, perClass] of [[data.train, 6000], [data.test, 1000]] as const) {
      const counts = new Array(10).fill(0);
      for (const label of set.labels) counts[label]++;
      expect(counts).to.deep.equal(new Array(10).fill(perClass));
      // Shuffled: the first 100 labels hold (nearly) every class, and runs of one class are short.
      expect(new Set(set.labels.subarray(0, 100)).size).to.be.at.least(8);
      let longestRun = 1;
      for (let i = 1, run = 1; i < set.count; i++) longestRun = Math.max(longestRun, (run = set.labels[i] === set.labels[i - 1] ? run + 1 : 1));
      expect(longestRun).to.be.below(12);
    }
  });

  it('has plausible pixel values', () => {
    for (const set of [data.train, data.test]) {
      let sum = 0;
      let zeros = 0;
      let max = 0;
      for (const v of set.images) (sum += v), (zeros += v === 0 ? 1 : 0), (max = Math.max(max, v));
      const mean = sum / set.images.length; // Fashion-MNIST: about 72.9
      expect(mean).to.be.within(65, 80);
      expect(zeros / set.images.length).to.be.within(0.3, 0.65);
      expect(max).to.equal(255);
      // No blank images.
      for (let i = 0; i < set.count; i++) {
        expect(set.images.subarray(i * 784, (i + 1) * 784).some((v) => v > 0), `image ${i} is blank`).to.equal(true);
      }
    }
  });

  it('has no test image that is byte-identical to a train image or to another test image', () => {
    const image = (set: typeof data.train, i: number) => set.images.subarray(i * 784, (i + 1) * 784);
    const seen = new Map<number, Array<[typeof data.train, number]>>();
    const add = (set: typeof data.train, i: number) => {
      const h = hash(image(set, i));
      const same = (seen.get(h) ?? []).filter(([s, j]) => image(s, j).every((v, k) => v === image(set, i)[k]));
      seen.set(h, [...(seen.get(h) ?? []), [set, i]]);
      return same;
    };
    for (let i = 0; i < data.train.count; i++) add(data.train, i);
    const clashes: string[] = [];
    for (let i = 0; i < data.test.count; i++) {
      for (const [set, j] of add(data.test, i)) clashes.push(`test ${i} = ${set === data.train ? 'train' : 'test'} ${j}`);
    }
    expect(clashes).to.deep.equal([]);
  });

  it('matches the sha256 sums in its manifest', async () => {
    const manifest = await (await fetch('/www/data/manifest.json')).json();
    expect(manifest.counts).to.deep.equal({ train: 60_000, test: 10_000 });
    for (const [name, entry] of Object.entries<{ sha256: string; rawSha256: string }>(manifest.files)) {
      const body = await (await fetch(`/www/data/${name}`)).arrayBuffer();
      const gzipped = new Uint8Array(body)[0] === 0x1f; // a server may already have undone the gzip
      expect(hex(await crypto.subtle.digest('SHA-256', body)), name).to.equal(gzipped ? entry.sha256 : entry.rawSha256);
    }
  });
});

describe('IDX reader', () => {
  after(() => urls.splice(0).forEach((url) => URL.revokeObjectURL(url)));

  it('parses a raw file and its gzipped version identically, as views', async () => {
    const raw = idxFile([4, 28, 28], bytes(4 * 784, 7));
    const gz = await gzip(raw);
    expect([gz[0], gz[1]]).to.deep.equal([0x1f, 0x8b]);
    expect(await gunzipIfNeeded(raw, 'raw')).to.equal(raw); // passes through untouched
    const a = parseIdx(await gunzipIfNeeded(raw, 'raw'), 'raw');
    const b = parseIdx(await gunzipIfNeeded(gz, 'gz'), 'gz');
    expect(a.dims).to.deep.equal([4, 28, 28]);
    expect(b.dims).to.deep.equal(a.dims);
    expect(Array.from(b.data)).to.deep.equal(Array.from(a.data));
    expect(Array.from(a.data.subarray(0, 5))).to.deep.equal(Array.from(bytes(5, 7)));
    expect(a.data.buffer).to.equal(raw.buffer); // no copy
    expect(a.data.byteOffset).to.equal(16);
  });

  it('loads a data set of raw and gzipped files through URLs, identically', async () => {
    const trainImages = idxFile([5, 28, 28], bytes(5 * 784, 3));
    const trainLabels = idxFile([5], [4, 3, 2, 0, 1]);
    const raw = await loadIdxDataset(location.href, files({ trainImages, trainLabels }));
    const gz = await loadIdxDataset(location.href, files({ trainImages: await gzip(trainImages), trainLabels: await gzip(trainLabels) }));
    for (const set of [raw.train, gz.train]) {
      expect(set.count).to.equal(5);
      expect(Array.from(set.labels)).to.deep.equal([4, 3, 2, 0, 1]);
      expect(Array.from(set.images)).to.deep.equal(Array.from(bytes(5 * 784, 3)));
    }
    expect(raw.test.count).to.equal(3);
  });

  it('rejects a wrong magic number', () =>
    rejects(() => parseIdx(new Uint8Array([0x50, 0x4b, 3, 4, 0, 0, 0, 1, 0]), 'x.zip'),
      /^x\.zip: wrong magic: expected 00 00 08 <dims>, found 50 4b 03 04/));

  it('rejects data types other than unsigned byte', async () => {
    await rejects(() => parseIdx(idxFile([2], new Uint8Array(8), 0x0d), 'f.idx'),
      /^f\.idx: unsupported data type 0x0d \(float32\): only 0x08 \(unsigned byte\) is supported/);
    await rejects(() => parseIdx(idxFile([2], new Uint8Array(2), 0x42), 'g.idx'), /^g\.idx: unsupported data type 0x42:/);
  });

  it('rejects truncated data, a truncated header, zero dimensions and trailing bytes', async () => {
    await rejects(() => parseIdx(idxFile([5, 28, 28], new Uint8Array(1000)), 'train-images-idx3-ubyte.gz'),
      /^train-images-idx3-ubyte\.gz: truncated: header says 5×28×28 = 3920 bytes of data, file has 1000$/);
    await rejects(() => parseIdx(idxFile([5, 28, 28], []).subarray(0, 10), 'h'), /^h: truncated: header declares 3 dimensions \(16 bytes\), file has 10/);
    await rejects(() => parseIdx(new Uint8Array([0, 0, 8]), 'tiny'), /^tiny: truncated/);
    await rejects(() => parseIdx(new Uint8Array([0, 0, 8, 0]), 'z'), /^z: zero dimensions/);
    await rejects(() => parseIdx(idxFile([3, 0, 28], []), 'e'), /^e: dimension 1 has size 0 \(3×0×28\)/);
    await rejects(() => parseIdx(idxFile([2], [1, 2, 3]), 't'), /^t: 1 unexpected bytes after the 2 = 2 bytes of data/);
  });

  it('rejects images and labels of different counts, naming both files', async () => {
    const f = files({ trainLabels: idxFile([4], [0, 1, 2, 3]) });
    const pattern = new RegExp(`^${esc(f.trainImages)} has 5 images but ${esc(f.trainLabels)} has 4 labels`);
    await rejects(loadIdxDataset(location.href, f), pattern);
  });

  it('rejects images that are not 28×28 unless asked for that size', async () => {
    const f = files({ testImages: idxFile([3, 32, 32], bytes(3 * 1024)) });
    await rejects(loadIdxDataset(location.href, f), new RegExp(`^${esc(f.testImages)}: images are 32×32, expected 28×28$`));
    const images = parseIdx(idxFile([3, 32, 32], bytes(3 * 1024)), 'i');
    const labels = parseIdx(idxFile([3], [0, 1, 2]), 'l');
    const set = imageSetFromIdx(images, labels, { images: 'i', labels: 'l' }, { rows: 32, cols: 32, classes: 10 });
    expect([set.count, set.rows, set.cols]).to.deep.equal([3, 32, 32]);
    await rejects(() => imageSetFromIdx(parseIdx(idxFile([784], bytes(784)), 'flat'), labels, { images: 'flat', labels: 'l' }),
      /^flat: expected 3 dimensions \(count×rows×cols\), found 784/);
  });

  it('rejects a label out of range, naming the first bad index and value', async () => {
    const f = files({ trainLabels: idxFile([5], [0, 1, 12, 3, 10]) });
    await rejects(loadIdxDataset(location.href, f, undefined, { names: FASHION_MNIST_CLASSES, source: 'Fashion-MNIST' }), new RegExp(`^${esc(f.trainLabels)}: label 12 at index 2 is out of range \\(expected 0–9\\)`));
  });

  it('rejects corrupt and truncated gzip data, naming the file', async () => {
    const gz = await gzip(idxFile([5], [0, 1, 2, 3, 4]));
    const flipped = gz.slice();
    flipped[flipped.length - 6]! ^= 0xff; // CRC-32 trailer
    await rejects(gunzipIfNeeded(flipped, 'labels.gz'), /^labels\.gz: corrupt gzip data/);
    const big = await gzip(idxFile([5, 28, 28], bytes(5 * 784)));
    await rejects(gunzipIfNeeded(big.slice(0, big.length >> 1), 'half.gz'), /^half\.gz: corrupt gzip data/);
    const garbage = big.slice();
    garbage.fill(0xff, 10, 40); // inside the deflate stream
    const f = files({ testImages: garbage });
    await rejects(loadIdxDataset(location.href, f), new RegExp(`^${esc(f.testImages)}: corrupt gzip data`));
  });

  it('reports HTTP errors with the URL, the status and what to do', async () => {
    await rejects(loadIdxDataset('/www/data/no-such-folder'), new RegExp(
      `^could not fetch ${location.origin}/www/data/no-such-folder/(train|t10k)-(images-idx3|labels-idx1)-ubyte\\.gz: HTTP 404.*npm run prepare-data`,
    ), Error);
  });
});
