// Reading IDX files (the MNIST / Fashion-MNIST format), gzipped or not, in the browser and in Node.
import { demoDataUrl } from '../assets.js';
import { FASHION_MNIST_CLASSES, type Dataset, type ImageSet } from './dataset.js';

/** A parsed IDX file: its dimension sizes and its bytes (a view into the input, not a copy). */
export interface IdxArray {
  readonly dims: number[];
  readonly data: Uint8Array;
}

/** Names (or URLs, relative to the base URL) of the four files of a train/test data set. */
export interface IdxFileNames {
  readonly trainImages: string;
  readonly trainLabels: string;
  readonly testImages: string;
  readonly testLabels: string;
}

/** The official Fashion-MNIST / MNIST file names, which www/data/ uses too. */
export const DEFAULT_IDX_FILES: IdxFileNames = {
  trainImages: 'train-images-idx3-ubyte.gz',
  trainLabels: 'train-labels-idx1-ubyte.gz',
  testImages: 't10k-images-idx3-ubyte.gz',
  testLabels: 't10k-labels-idx1-ubyte.gz',
};

/**
 * A file that is not a usable IDX file; the message starts with the file's name.
 * @example
 * try { parseIdx(bytes, 'x.idx'); } catch (e) { if (e instanceof IdxFormatError) console.warn(e.message); }
 */
export class IdxFormatError extends Error {
  override name = 'IdxFormatError';
}

/** The files could not be fetched (a bad URL, no server, HTTP errors); the message names the URL. */
export class IdxFetchError extends Error {
  override name = 'IdxFetchError';
}

// IDX type codes, for readable errors; only 0x08 is accepted.
const IDX_TYPES: Record<number, string> = {
  0x08: 'unsigned byte', 0x09: 'signed byte', 0x0b: 'int16', 0x0c: 'int32', 0x0d: 'float32', 0x0e: 'float64',
};
const hex = (b: number) => b.toString(16).padStart(2, '0');
/** Dimensions for a message: a corrupt header may declare up to 255 of them. */
const dimsText = (dims: number[]) => (dims.length > 4 ? `${dims.slice(0, 4).join('×')}×… (${dims.length} dimensions)` : dims.join('×'));

/**
 * Parses an uncompressed IDX file of unsigned bytes.
 * @example
 * const { dims, data } = parseIdx(bytes, 'train-labels-idx1-ubyte'); // dims = [60000]
 */
export function parseIdx(bytes: Uint8Array, fileName: string): IdxArray {
  const bad = (problem: string) => new IdxFormatError(`${fileName}: ${problem}`);
  if (bytes.length < 4) throw bad(`truncated: ${bytes.length} bytes, too short for an IDX header`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const found = Array.from(bytes.subarray(0, 4), hex).join(' ');
    throw bad(`wrong magic: expected 00 00 08 <dims>, found ${found} (not an IDX file)`);
  }
  const type = bytes[2]!;
  if (type !== 0x08) {
    const kind = IDX_TYPES[type] ? ` (${IDX_TYPES[type]})` : '';
    throw bad(`unsupported data type 0x${hex(type)}${kind}: only 0x08 (unsigned byte) is supported`);
  }
  const rank = bytes[3]!;
  if (rank === 0) throw bad('zero dimensions in the header');
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    throw bad(`truncated: header declares ${rank} dimensions (${headerBytes} bytes), file has ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, headerBytes);
  const dims = Array.from({ length: rank }, (_, k) => view.getUint32(4 + 4 * k, false)); // big-endian
  const zero = dims.indexOf(0);
  if (zero >= 0) throw bad(`dimension ${zero} has size 0 (${dimsText(dims)})`);
  const size = dims.reduce((a, b) => a * b, 1); // no allocation: a huge size is only compared
  const have = bytes.length - headerBytes;
  if (have < size) {
    throw bad(`truncated: header says ${dimsText(dims)} = ${size} bytes of data, file has ${have}`);
  }
  if (have > size) throw bad(`${have - size} unexpected bytes after the ${dimsText(dims)} = ${size} bytes of data`);
  return { dims, data: bytes.subarray(headerBytes) };
}

/**
 * Decompresses gzip data (recognised by its magic bytes 1f 8b); anything else is returned as is,
 * so raw and gzipped IDX files (and servers that already undid the gzip) all work.
 * @example
 * const idx = parseIdx(await gunzipIfNeeded(new Uint8Array(await res.arrayBuffer()), name), name);
 */
export async function gunzipIfNeeded(bytes: Uint8Array, fileName: string): Promise<Uint8Array> {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (error) {
    throw new IdxFormatError(`${fileName}: corrupt gzip data (${(error as Error).message || error})`);
  }
}

/** Image size and label range that `imageSetFromIdx` accepts. */
export interface ImageSetShape {
  readonly rows: number;
  readonly cols: number;
  readonly classes: number;
}

/**
 * Checks a pair of parsed IDX files (images count×rows×cols, labels count) and makes an ImageSet.
 * @example
 * const train = imageSetFromIdx(parseIdx(img, 'i'), parseIdx(lbl, 'l'), { images: 'i', labels: 'l' });
 */
export function imageSetFromIdx(
  images: IdxArray,
  labels: IdxArray,
  names: { images: string; labels: string },
  shape: ImageSetShape = { rows: 28, cols: 28, classes: 10 },
): ImageSet {
  if (images.dims.length !== 3) {
    throw new IdxFormatError(`${names.images}: expected 3 dimensions (count×rows×cols), found ${dimsText(images.dims)}`);
  }
  if (labels.dims.length !== 1) {
    throw new IdxFormatError(`${names.labels}: expected 1 dimension (count), found ${dimsText(labels.dims)}`);
  }
  const [count, rows, cols] = images.dims as [number, number, number];
  if (labels.dims[0] !== count) {
    throw new IdxFormatError(
      `${names.images} has ${count} images but ${names.labels} has ${labels.dims[0]} labels: they must match`,
    );
  }
  if (rows !== shape.rows || cols !== shape.cols) {
    throw new IdxFormatError(`${names.images}: images are ${rows}×${cols}, expected ${shape.rows}×${shape.cols}`);
  }
  const bad = labels.data.findIndex((label) => label >= shape.classes);
  if (bad >= 0) {
    throw new IdxFormatError(
      `${names.labels}: label ${labels.data[bad]} at index ${bad} is out of range (expected 0–${shape.classes - 1})`,
    );
  }
  return { images: images.data, labels: labels.data, count, rows, cols };
}

/**
 * Builds a Dataset from the bytes of the four files (gzipped or raw): the seam for Node, whose
 * fetch cannot read file: URLs.
 * @example
 * const read = (n: string) => fs.readFileSync(`www/data/${n}`);
 * const data = await idxDatasetFromBytes({ trainImages: read(DEFAULT_IDX_FILES.trainImages), ... });
 */
export async function idxDatasetFromBytes(
  bytes: Record<keyof IdxFileNames, Uint8Array>,
  names: IdxFileNames = DEFAULT_IDX_FILES,
): Promise<Dataset> {
  const keys = ['trainImages', 'trainLabels', 'testImages', 'testLabels'] as const;
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all(
    keys.map(async (key) => parseIdx(await gunzipIfNeeded(bytes[key], names[key]), names[key])),
  );
  return {
    train: imageSetFromIdx(trainImages!, trainLabels!, { images: names.trainImages, labels: names.trainLabels }),
    test: imageSetFromIdx(testImages!, testLabels!, { images: names.testImages, labels: names.testLabels }),
    classNames: FASHION_MNIST_CLASSES,
  };
}

/**
 * Fetches the four IDX files (in parallel) from a folder URL and checks them. `files` may name
 * other files, relative to the folder or as absolute URLs (e.g. raw `train-images-idx3-ubyte`).
 * @example
 * const mnist = await loadIdxDataset('https://example.org/mnist/'); // official .gz names
 */
export async function loadIdxDataset(
  baseUrl: string | URL,
  files: IdxFileNames = DEFAULT_IDX_FILES,
  onProgress?: (progress: LoadProgress) => void,
): Promise<Dataset> {
  const base = idxUrl(baseUrl, (globalThis as { location?: { href: string } }).location?.href);
  if (!base.pathname.endsWith('/') && base.protocol.startsWith('http')) base.pathname += '/'; // a folder
  const keys = ['trainImages', 'trainLabels', 'testImages', 'testLabels'] as const;
  const meter = new ProgressMeter(keys.length, onProgress);
  const bytes = await Promise.all(keys.map((key, k) => fetchBytes(idxUrl(files[key], base), meter.file(k))));
  return idxDatasetFromBytes(
    { trainImages: bytes[0]!, trainLabels: bytes[1]!, testImages: bytes[2]!, testLabels: bytes[3]! },
    files,
  );
}

/** `new URL`, with an IdxFetchError that names the text when it is no URL. */
export function idxUrl(text: string | URL, base?: string | URL): URL {
  try {
    return new URL(text, base);
  } catch {
    throw new IdxFetchError(`${JSON.stringify(String(text))} is not a URL, even relative to ${base ?? 'nothing'}: give a folder such as "data/" or "https://example.org/mnist/".`);
  }
}

/** Bytes fetched so far; `total` is known once every file's size is (Content-Length), else undefined. */
export interface LoadProgress {
  loaded: number;
  total: number | undefined;
}

/** Adds up the progress of several downloads into one report. */
class ProgressMeter {
  private readonly loaded: number[];
  private readonly sizes: (number | undefined)[];
  constructor(files: number, private readonly report?: (progress: LoadProgress) => void) {
    this.loaded = new Array<number>(files).fill(0);
    this.sizes = new Array<number | undefined>(files).fill(undefined);
  }

  /** The callback for file `k`: its size when known, and its bytes so far. */
  file(k: number): (loaded: number, size: number | undefined) => void {
    return (loaded, size) => {
      this.loaded[k] = loaded;
      this.sizes[k] = size;
      const total = this.sizes.every((s) => s !== undefined) ? this.sizes.reduce((a, b) => a! + b!, 0) : undefined;
      this.report?.({ loaded: this.loaded.reduce((a, b) => a + b, 0), total });
    };
  }
}

async function fetchBytes(url: URL, progress?: (loaded: number, size: number | undefined) => void): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new IdxFetchError(
      `could not fetch ${url.href}: ${(error as Error).message}` +
        (url.protocol === 'file:' ? ' (Node cannot fetch file: URLs: read the files and use idxDatasetFromBytes)' : ''),
    );
  }
  if (!response.ok) {
    throw new IdxFetchError(
      `could not fetch ${url.href}: HTTP ${response.status} ${response.statusText}`.trimEnd() +
        '. Check that the folder holds the four IDX files (train-images-idx3-ubyte, train-labels-idx1-ubyte,' +
        ' t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, gzipped or not, names passed as `files`);' +
        ' for the embedded set, run `npm run prepare-data` to build www/data/.',
    );
  }
  return readBody(response, progress);
}

/** The response's bytes, reporting progress as they arrive (a compressed transfer has no usable size). */
async function readBody(response: Response, progress?: (loaded: number, size: number | undefined) => void): Promise<Uint8Array> {
  const length = Number(response.headers.get('content-length') ?? NaN);
  const encoded = !!response.headers.get('content-encoding');
  const size = Number.isFinite(length) && !encoded ? length : undefined;
  if (!progress || !response.body) return new Uint8Array(await response.arrayBuffer());
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  progress(0, size);
  const reader = response.body.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    chunks.push(read.value);
    loaded += read.value.length;
    progress(loaded, size);
  }
  progress(loaded, loaded); // done: the size is known now, whatever the headers said
  if (chunks.length === 1) return chunks[0]!;
  const bytes = new Uint8Array(loaded);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}

/**
 * Loads Fashion-MNIST: by default the demo set that ships in the package (`data/` under the base
 * path, see setBasePath(): 5,000 train / 1,000 test images); the repository's app points it at
 * its full copy (www/data/, 60,000 / 10,000, built by scripts/prepare-data.mjs).
 * @example
 * const { train, test, classNames } = await loadFashionMnist();
 */
export function loadFashionMnist(baseUrl: string | URL = demoDataUrl(), onProgress?: (progress: LoadProgress) => void): Promise<Dataset> {
  return loadIdxDataset(baseUrl, DEFAULT_IDX_FILES, onProgress);
}
