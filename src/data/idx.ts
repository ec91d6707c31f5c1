// Reading IDX files (MNIST, Fashion-MNIST, KMNIST, EMNIST…: any image size), gzipped or not, in
// the browser and in Node, with an optional classes.txt (one class name a line) beside them.
import { demoDataUrl } from '../assets.js';
import { FASHION_MNIST_CLASSES, type Dataset, type ImageSet } from './dataset.js';
import { checkLabels, classNamesFromText, DataFormatError, makeDataset, type ClassNames } from './check.js';
import { dataUrl, fetchBytes, fetchOptional, pageUrl, ProgressMeter, readBody, type LoadProgress } from './fetch.js';

export type { LoadProgress } from './fetch.js';
/**
 * Earlier names, kept for existing code: IdxFormatError is DataFormatError and IdxFetchError is
 * DataFetchError (the same classes, so `instanceof` catches every format's errors, and a data
 * set's own checks such as an empty class).
 * @example
 * try { parseIdx(bytes, 'x.idx'); } catch (e) { if (e instanceof IdxFormatError) console.warn(e.message); }
 */
export { DataFormatError as IdxFormatError } from './check.js';
export { DataFetchError as IdxFetchError } from './fetch.js';

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

/** The four files' roles, in the order the readers take them. */
export const IDX_KEYS = ['trainImages', 'trainLabels', 'testImages', 'testLabels'] as const;

/** The official Fashion-MNIST / MNIST file names, which www/data/ uses too. */
export const DEFAULT_IDX_FILES: IdxFileNames = {
  trainImages: 'train-images-idx3-ubyte.gz',
  trainLabels: 'train-labels-idx1-ubyte.gz',
  testImages: 't10k-images-idx3-ubyte.gz',
  testLabels: 't10k-labels-idx1-ubyte.gz',
};

/** The optional file of class names beside the IDX files. */
export const IDX_CLASS_NAMES_FILE = 'classes.txt';

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
  const bad = (problem: string) => new DataFormatError(`${fileName}: ${problem}`);
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
    throw new DataFormatError(`${fileName}: corrupt gzip data (${(error as Error).message || error})`);
  }
}

/** Image size and label range that `imageSetFromIdx` insists on, when given. */
export interface ImageSetShape {
  readonly rows: number;
  readonly cols: number;
  readonly classes?: number;
}

/**
 * Checks a pair of parsed IDX files (images count×rows×cols, labels count) and makes an ImageSet of
 * grey images; with `shape`, the images must have that size (and the labels be below its classes).
 * @example
 * const train = imageSetFromIdx(parseIdx(img, 'i'), parseIdx(lbl, 'l'), { images: 'i', labels: 'l' });
 */
export function imageSetFromIdx(
  images: IdxArray,
  labels: IdxArray,
  names: { images: string; labels: string },
  shape?: ImageSetShape,
): ImageSet {
  if (images.dims.length !== 3) {
    throw new DataFormatError(`${names.images}: expected 3 dimensions (count×rows×cols), found ${dimsText(images.dims)}`);
  }
  if (labels.dims.length !== 1) {
    throw new DataFormatError(`${names.labels}: expected 1 dimension (count), found ${dimsText(labels.dims)}`);
  }
  const [count, rows, cols] = images.dims as [number, number, number];
  if (labels.dims[0] !== count) {
    throw new DataFormatError(
      `${names.images} has ${count} images but ${names.labels} has ${labels.dims[0]} labels: they must match`,
    );
  }
  if (shape && (rows !== shape.rows || cols !== shape.cols)) {
    throw new DataFormatError(`${names.images}: images are ${rows}×${cols}, expected ${shape.rows}×${shape.cols}`);
  }
  if (shape?.classes !== undefined) checkLabels(labels.data, shape.classes, names.labels);
  return { images: images.data, labels: labels.data, count, rows, cols, channels: 1 };
}

/**
 * Builds a Dataset from the bytes of the four files (gzipped or raw): the seam for Node, whose
 * fetch cannot read file: URLs. The test images must have the training images' size. Without
 * `classNames`, K = the largest label + 1 and the names are "0" … "K−1".
 * @example
 * const read = (n: string) => fs.readFileSync(`www/data/${n}`);
 * const data = await idxDatasetFromBytes({ trainImages: read(DEFAULT_IDX_FILES.trainImages), ... });
 */
export async function idxDatasetFromBytes(
  bytes: Record<keyof IdxFileNames, Uint8Array>,
  names: IdxFileNames = DEFAULT_IDX_FILES,
  classNames?: ClassNames,
): Promise<Dataset> {
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all(
    IDX_KEYS.map(async (key) => parseIdx(await gunzipIfNeeded(bytes[key], names[key]), names[key])),
  );
  const trainFiles = { images: names.trainImages, labels: names.trainLabels };
  const testFiles = { images: names.testImages, labels: names.testLabels };
  const train = imageSetFromIdx(trainImages!, trainLabels!, trainFiles);
  const test = imageSetFromIdx(testImages!, testLabels!, testFiles, { rows: train.rows, cols: train.cols });
  return makeDataset(train, test, { train: trainFiles, test: testFiles }, classNames);
}

/**
 * Fetches the four IDX files (in parallel) from a folder URL and checks them. `files` may name
 * other files, relative to the folder or as absolute URLs (e.g. raw `train-images-idx3-ubyte`).
 * The class names are `classNames` if given, else those of `classes.txt` in the folder, if there
 * is one, else "0" … "K−1".
 * @example
 * const mnist = await loadIdxDataset('https://example.org/mnist/'); // official .gz names
 */
export async function loadIdxDataset(
  baseUrl: string | URL,
  files: IdxFileNames = DEFAULT_IDX_FILES,
  onProgress?: (progress: LoadProgress) => void,
  classNames?: ClassNames,
): Promise<Dataset> {
  const base = dataUrl(baseUrl, pageUrl());
  if (!base.pathname.endsWith('/') && base.protocol.startsWith('http')) base.pathname += '/'; // a folder
  const meter = new ProgressMeter(IDX_KEYS.length, onProgress);
  const [bytes, names] = await Promise.all([
    Promise.all(IDX_KEYS.map((key, k) => fetchBytes(dataUrl(files[key], base), meter.file(k), IDX_FETCH_HINT))),
    classNames ?? fetchClassNames(base),
  ]);
  return idxDatasetFromBytes(
    { trainImages: bytes[0]!, trainLabels: bytes[1]!, testImages: bytes[2]!, testLabels: bytes[3]! },
    files,
    names,
  );
}

/** What an IDX folder must hold, said when a file is missing. */
const IDX_FETCH_HINT =
  'Check that the folder holds the four IDX files (train-images-idx3-ubyte, train-labels-idx1-ubyte,' +
  ' t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, gzipped or not, names passed as `files`);' +
  ' for the embedded set, run `npm run prepare-data` to build www/data/.';

/** The names in the folder's classes.txt, or undefined if it has none. */
async function fetchClassNames(base: URL): Promise<ClassNames | undefined> {
  if (!base.protocol.startsWith('http')) return undefined; // only a server has a folder to look in (Node cannot fetch file: URLs)
  const { response } = await fetchOptional(dataUrl(IDX_CLASS_NAMES_FILE, base));
  return response && classNamesFromText({ name: IDX_CLASS_NAMES_FILE, bytes: await readBody(response) });
}

/**
 * Loads Fashion-MNIST, with its class names: by default the demo set that ships in the package
 * (`data/` under the base path, see setBasePath(): 5,000 train / 1,000 test images); the
 * repository's app points it at its full copy (www/data/, 60,000 / 10,000, built by
 * scripts/prepare-data.mjs).
 * @example
 * const { train, test, classNames } = await loadFashionMnist();
 */
export function loadFashionMnist(baseUrl: string | URL = demoDataUrl(), onProgress?: (progress: LoadProgress) => void): Promise<Dataset> {
  return loadIdxDataset(baseUrl, DEFAULT_IDX_FILES, onProgress, { names: FASHION_MNIST_CLASSES, source: 'Fashion-MNIST' });
}
