/**
 * One entry for every data format: `loadDataset(src)` for a URL, `datasetFromFiles(files)` for
 * dropped or picked files (and the API).
 *
 * How a URL (`src`) tells the formats apart, by its path (the query and fragment are ignored):
 * - ending in `.npz`: a NumPy archive;
 * - ending in `.zip`: an image folder (image-folder.ts): `train/<class>/…` and `test/<class>/…`, or
 *   `<class>/…` split by a seeded fraction; PNG or JPEG, decoded in the browser;
 * - anything else is a folder (an http(s) URL gets a final `/`). The first of these files it
 *   holds decides, asked for in this order:
 *   1. `train-images-idx3-ubyte.gz`, then `train-images-idx3-ubyte`: IDX (the four files gzipped,
 *      or the four raw), with an optional `classes.txt`;
 *   2. `data_batch_1.bin`: CIFAR-10 (`data_batch_1.bin` … `data_batch_5.bin`, `test_batch.bin`,
 *      optional `batches.meta.txt`);
 *   3. `train.bin`: CIFAR-100 (`train.bin`, `test.bin`, optional `fine_label_names.txt`);
 *   4. `x_train.npy`: NumPy arrays (`x_train.npy`, `y_train.npy`, `x_test.npy`, `y_test.npy`,
 *      optional `class_names.npy`).
 *   A file is "there" when the server answers 200 with something other than an HTML page; the
 *   response that finds it is the download (nothing is fetched twice).
 * Files are told apart by their names, in the same order: one `.npz` or `.zip`; an image folder
 * when a name is an image's (its path, `webkitRelativePath` for a dropped folder, gives its class
 * folder); IDX when a name says train/test (or t10k) and images/labels; else the exact names above.
 */
import { classNamesFromText, DataFormatError, type DataFile } from './check.js';
import { CIFAR10, CIFAR100, NPY_ARRAYS, NPY_CLASS_NAMES, type CifarFormat } from './formats.js';
import type { Dataset } from './dataset.js';
import { DataFetchError, dataUrl, fetchBytes, fetchOptional, pageUrl, ProgressMeter, readBody, type LoadProgress } from './fetch.js';
import type { ImageFolderOptions } from './image-folder.js';
import { DEFAULT_IDX_FILES, IDX_CLASS_NAMES_FILE, IDX_KEYS, idxDatasetFromBytes, type IdxFileNames } from './idx.js';

// The readers beyond IDX load when such data comes: they stay out of the bundle a page loads first.
const cifarReader = () => import('./cifar.js');
const numpyReader = () => import('./npz.js');
const imageReader = () => import('./image-folder.js');

/** How a data set is read: today, how an image folder's images are sized and split (image-folder.ts). */
export type DatasetOptions = Omit<ImageFolderOptions, 'onProgress'>;

/** How files given by name and bytes are read (datasetFromFiles). */
export interface FilesOptions extends DatasetOptions {
  /** A dropped folder's folder paths ('shapes/train/coat/'): an empty class folder shows only there. */
  readonly folders?: readonly string[];
  /** An image folder's decoding, in images. */
  readonly onProgress?: (progress: LoadProgress) => void;
}

/** Image file names, as image-folder.ts reads them (kept here: that module loads only when such data comes). */
const IMAGE_NAME = /\.(png|jpe?g|gif|bmp|webp)$/i;

/** A format that comes as files in a folder. */
interface FolderFormat {
  readonly name: string;
  /** The files it needs; the first is the one asked for to recognise it. */
  readonly files: readonly string[];
  /** Its optional class-names file. */
  readonly names: string;
  read(files: DataFile[], names?: DataFile): Dataset | Promise<Dataset>;
}

function idxFormat(files: IdxFileNames): FolderFormat {
  return { name: 'IDX', files: IDX_KEYS.map((key) => files[key]), names: IDX_CLASS_NAMES_FILE, read: readIdx };
}

/** IDX files in IDX_KEYS order, named as given. */
function readIdx([trainImages, trainLabels, testImages, testLabels]: DataFile[], names?: DataFile): Promise<Dataset> {
  return idxDatasetFromBytes(
    { trainImages: trainImages!.bytes, trainLabels: trainLabels!.bytes, testImages: testImages!.bytes, testLabels: testLabels!.bytes },
    { trainImages: trainImages!.name, trainLabels: trainLabels!.name, testImages: testImages!.name, testLabels: testLabels!.name },
    names && classNamesFromText(names),
  );
}

function cifarFormat(format: CifarFormat): FolderFormat {
  return {
    name: format.name,
    files: [...format.trainFiles, format.testFile],
    names: format.namesFile,
    read: async (files, names) => (await cifarReader()).cifarDataset(format, { train: files.slice(0, -1), test: files.at(-1)!, names }),
  };
}

const NUMPY: FolderFormat = {
  name: 'NumPy',
  files: NPY_ARRAYS.map((name) => `${name}.npy`),
  names: `${NPY_CLASS_NAMES}.npy`,
  read: async ([xTrain, yTrain, xTest, yTest], names) => (await numpyReader()).npyFilesDataset({ x_train: xTrain!, y_train: yTrain!, x_test: xTest!, y_test: yTest!, class_names: names }),
};

const RAW_IDX_FILES = Object.fromEntries(IDX_KEYS.map((key) => [key, DEFAULT_IDX_FILES[key].replace(/\.gz$/, '')])) as unknown as IdxFileNames;

/** The folder formats, in the order a folder URL is probed. */
const FOLDER_FORMATS: readonly FolderFormat[] = [idxFormat(DEFAULT_IDX_FILES), idxFormat(RAW_IDX_FILES), cifarFormat(CIFAR10), cifarFormat(CIFAR100), NUMPY];

/** What a data set's files are, for messages. */
export const DATA_FILES_HELP =
  `the four IDX files (${Object.values(RAW_IDX_FILES).join(', ')}, gzipped or not; ${IDX_CLASS_NAMES_FILE} optional); ` +
  `CIFAR-10's ${CIFAR10.trainFiles[0]} … ${CIFAR10.trainFiles.at(-1)} and ${CIFAR10.testFile} (${CIFAR10.namesFile} optional); ` +
  `CIFAR-100's ${CIFAR100.trainFiles[0]} and ${CIFAR100.testFile} (${CIFAR100.namesFile} optional); ` +
  `NumPy's ${NUMPY.files.join(', ')} (${NUMPY.names} optional); or one .npz holding those arrays; ` +
  'or an image folder (a folder or a .zip of train/<class>/ and test/<class>/, or of <class>/ folders, holding PNG or JPEG images)';

/**
 * Loads the data set at `src` (see the top of this file for how its format is told), relative to
 * the page. `onProgress` follows the download (and an image folder's decoding, in images).
 * @example
 * const cifar = await loadDataset('https://example.org/cifar-10-batches-bin/');
 * const mnist = await loadDataset('data/mnist.npz', ({ loaded, total }) => console.log(loaded, total));
 */
export async function loadDataset(src: string | URL, onProgress?: (progress: LoadProgress) => void, options: DatasetOptions = {}): Promise<Dataset> {
  const url = dataUrl(src, pageUrl());
  const path = url.pathname.toLowerCase();
  const name = url.pathname.split('/').at(-1)!;
  if (path.endsWith('.npz')) return (await numpyReader()).npzDataset({ name, bytes: await fetchBytes(url, new ProgressMeter(1, onProgress).file(0)) });
  if (path.endsWith('.zip')) {
    const bytes = await fetchBytes(url, new ProgressMeter(1, onProgress).file(0));
    return (await imageReader()).zipImageFolderDataset({ name, bytes }, { ...options, onProgress });
  }
  if (!url.pathname.endsWith('/') && url.protocol.startsWith('http')) url.pathname += '/';
  let notThere = '';
  for (const format of FOLDER_FORMATS) {
    const firstUrl = dataUrl(format.files[0]!, url);
    const first = await fetchOptional(firstUrl);
    if (!first.response) {
      notThere ||= `could not fetch ${firstUrl.href}: ${first.problem}`;
      continue;
    }
    const meter = new ProgressMeter(format.files.length, onProgress);
    const hint = `${format.name} needs ${format.files.join(', ')} in one folder (${format.names} optional)`;
    const download = (file: string, k: number) => (k === 0 ? readBody(first.response!, meter.file(0)) : fetchBytes(dataUrl(file, url), meter.file(k), hint));
    const [files, names] = await Promise.all([
      Promise.all(format.files.map(async (file, k) => ({ name: file, bytes: await download(file, k) }))),
      fetchOptional(dataUrl(format.names, url)).then(async ({ response }) => response && { name: format.names, bytes: await readBody(response) }),
    ]);
    return format.read(files, names);
  }
  throw new DataFetchError(`${notThere}. Found no data set in ${url.href}: a folder holds ${DATA_FILES_HELP}; for an .npz, give its URL.`);
}

/**
 * A data set from files given by name and bytes (dropped, picked, or read in Node), told apart by
 * their names (see the top of this file). Files no format asks for are ignored. An image folder's
 * files are named by their paths ('train/cat/1.png'); `onProgress` follows its decoding.
 * @example
 * const data = await datasetFromFiles(await Promise.all([...input.files].map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) }))));
 */
export async function datasetFromFiles(files: readonly DataFile[], options: FilesOptions = {}): Promise<Dataset> {
  const given = files.map((f) => f.name).join(', ');
  const format = dataFormatOf(files.map((f) => f.name));
  if (format === 'npz') return (await numpyReader()).npzDataset(files[0]!);
  if (format === 'zip') return (await imageReader()).zipImageFolderDataset(files[0]!, options);
  if (format === 'image folder') {
    const images = files.map((file) => ({ path: file.name, read: async () => file.bytes }));
    return (await imageReader()).imageFolderDataset(images, options.folders ?? [], (path) => path, folderName(files), options);
  }
  if (format === 'IDX') return idxFromFiles(files, given);
  const folder = FOLDER_FORMATS.find((f) => f.name === format);
  if (!folder) throw new DataFormatError(`${given}: not a data set nnscope reads; give ${DATA_FILES_HELP}.`);
  const byName = new Map(files.map((f) => [baseName(f.name), f]));
  const missing = folder.files.filter((name) => !byName.has(name));
  if (missing.length) {
    throw new DataFormatError(`${given}: ${folder.name} needs ${folder.files.join(', ')} at once (${folder.names} optional); missing: ${missing.join(', ')}.`);
  }
  return folder.read(folder.files.map((name) => byName.get(name)!), byName.get(folder.names));
}

/** Which format files of these names are ('npz', 'zip', 'image folder', 'IDX', 'CIFAR-10', 'CIFAR-100', 'NumPy'), by the rule at the top of this file; undefined if none. */
export function dataFormatOf(names: readonly string[]): string | undefined {
  if (names.length === 1 && /\.npz$/i.test(names[0]!)) return 'npz';
  if (names.length === 1 && /\.zip$/i.test(names[0]!)) return 'zip';
  if (names.some((name) => IMAGE_NAME.test(name))) return 'image folder';
  if (names.some((name) => IDX_ROLES.some(([, pattern]) => pattern.test(baseName(name))))) return 'IDX';
  const bases = new Set(names.map(baseName));
  return FOLDER_FORMATS.find((format) => format.name !== 'IDX' && format.files.some((file) => bases.has(file)))?.name;
}

/** Which dropped file is which IDX file: names such as `emnist-letters-train-images-idx3-ubyte` work too. */
const IDX_ROLES: [keyof IdxFileNames, RegExp][] = [
  ['trainImages', /train.*images|images.*train/i],
  ['trainLabels', /train.*labels|labels.*train/i],
  ['testImages', /(t10k|test).*images|images.*(t10k|test)/i],
  ['testLabels', /(t10k|test).*labels|labels.*(t10k|test)/i],
];

function idxFromFiles(files: readonly DataFile[], given: string): Promise<Dataset> {
  const roles = IDX_ROLES.map(([role, pattern]) => {
    const matches = files.filter((f) => pattern.test(baseName(f.name)));
    if (matches.length > 1) throw new DataFormatError(`${matches.map((f) => f.name).join(', ')}: more than one file for ${RAW_IDX_FILES[role]}; give one data set at a time.`);
    return [role, matches[0]] as const;
  });
  const missing = roles.filter(([, file]) => !file).map(([role]) => RAW_IDX_FILES[role]);
  if (missing.length) {
    throw new DataFormatError(`${given}: the four IDX files of a data set are needed at once (${Object.values(RAW_IDX_FILES).join(', ')}, gzipped or not); missing: ${missing.join(', ')}.`);
  }
  const [trainImages, trainLabels, testImages, testLabels] = roles.map(([, file]) => file!);
  const names = files.find((f) => baseName(f.name) === IDX_CLASS_NAMES_FILE);
  return readIdx([trainImages!, trainLabels!, testImages!, testLabels!], names);
}

const baseName = (name: string) => name.slice(name.lastIndexOf('/') + 1);

/** An image folder's name for messages: the top folder its files share ('shapes/'), else 'the image folder'. */
function folderName(files: readonly DataFile[]): string {
  const top = files[0]!.name.split('/')[0];
  return files.every((file) => file.name.startsWith(`${top}/`)) ? `${top}/` : 'the image folder';
}
