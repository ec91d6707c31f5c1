/**
 * Data sets written as files for the browser tests that load them through `src` (a URL needs a
 * server): scripts/test-data.ts writes them into test-data/ before the browser run, and
 * test/browser/element-src.test.ts loads them. Each set is described once, here.
 */
import { cifarFile, generatedSet, idxFile, npyFile, numbers, pngFile, stringsNpy, zipFile, type GeneratedSet } from './data-files.js';

/** Where the files are written, relative to the repository root (served by web-test-runner as /test-data/). */
export const SERVED_DIR = 'test-data';

export interface ServedSet {
  /** The `src` of the set, relative to /test-data/. */
  readonly src: string;
  readonly shape: { rows: number; cols: number; channels: 1 | 3; classes: number };
  readonly names: string[];
  /** File name → bytes, relative to test-data/. */
  files(): Map<string, Uint8Array>;
}

const text = (lines: string[]) => new TextEncoder().encode(lines.join('\n') + '\n');
const split = (shape: ServedSet['shape'], train: number, test: number, seed: number) => [generatedSet(train, shape, seed), generatedSet(test, shape, seed + 1)] as const;

const idx: ServedSet = {
  src: 'idx-16x16/',
  shape: { rows: 16, cols: 16, channels: 1, classes: 4 },
  names: ['top band', 'upper band', 'lower band', 'bottom band'],
  files() {
    const [train, test] = split(this.shape, 400, 100, 11);
    const images = (set: GeneratedSet) => idxFile([set.count, set.rows, set.cols], set.images);
    return new Map([
      ['idx-16x16/train-images-idx3-ubyte', images(train)], ['idx-16x16/train-labels-idx1-ubyte', idxFile([train.count], train.labels)],
      ['idx-16x16/t10k-images-idx3-ubyte', images(test)], ['idx-16x16/t10k-labels-idx1-ubyte', idxFile([test.count], test.labels)],
      ['idx-16x16/classes.txt', text(this.names)],
    ]);
  },
};

const cifar: ServedSet = {
  src: 'cifar-10-batches-bin/',
  shape: { rows: 32, cols: 32, channels: 3, classes: 10 },
  names: ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'],
  files() {
    const all = generatedSet(600, this.shape, 21);
    const part = (k: number): GeneratedSet => ({ ...all, images: all.images.subarray(k * 100 * 3072, (k + 1) * 100 * 3072), labels: all.labels.subarray(k * 100, (k + 1) * 100), count: 100 });
    const files = new Map([1, 2, 3, 4, 5].map((k) => [`cifar-10-batches-bin/data_batch_${k}.bin`, cifarFile(part(k - 1))]));
    files.set('cifar-10-batches-bin/test_batch.bin', cifarFile(part(5)));
    files.set('cifar-10-batches-bin/batches.meta.txt', text(this.names));
    return files;
  },
};

/** NumPy arrays of a split, as np.savez names them. */
function arrays(train: GeneratedSet, test: GeneratedSet, names: string[]): [string, Uint8Array][] {
  const images = (set: GeneratedSet) => npyFile('|u1', [set.count, set.rows, set.cols, set.channels], set.images);
  const labels = (set: GeneratedSet) => npyFile('<i8', [set.count], numbers('<i8', set.labels));
  return [['x_train', images(train)], ['y_train', labels(train)], ['x_test', images(test)], ['y_test', labels(test)], ['class_names', stringsNpy(names)]];
}

/** The 8×8 RGB colour task, written as an .npz and as .npy files. */
const COLOURS = { shape: { rows: 8, cols: 8, channels: 3 as const, classes: 5 }, names: ['black', 'dark red', 'red', 'green', 'olive'] };

const npz: ServedSet = {
  src: 'colours.npz',
  ...COLOURS,
  files() {
    const [train, test] = split(this.shape, 300, 100, 31);
    return new Map([['colours.npz', zipFile(arrays(train, test, this.names).map(([name, data]) => ({ name: `${name}.npy`, data })))]]);
  },
};

const npy: ServedSet = {
  src: 'npy-8x8/',
  ...COLOURS,
  files() {
    const [train, test] = split(this.shape, 300, 100, 41);
    return new Map(arrays(train, test, this.names).map(([name, data]) => [`npy-8x8/${name}.npy`, data]));
  },
};

/** An image folder: one root of class folders of PNGs, split 80/20 by the loader. */
const images: ServedSet = {
  src: 'shapes.zip',
  shape: { rows: 12, cols: 12, channels: 3, classes: 3 },
  names: ['black', 'dark red', 'red'],
  files() {
    const set = generatedSet(300, this.shape, 51);
    const entries = Array.from({ length: set.count }, (_, i) => ({ name: `shapes/${this.names[set.labels[i]!]}/${i}.png`, data: pngFile(set, i) }));
    return new Map([['shapes.zip', zipFile(entries)]]);
  },
};

export const SERVED_SETS: readonly ServedSet[] = [idx, cifar, npz, npy, images];
