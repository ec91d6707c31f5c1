/**
 * CIFAR-10 and CIFAR-100 "binary version" files: records of label bytes followed by a 32×32 RGB
 * image stored planar (1,024 red bytes, then green, then blue), turned into HWC images here.
 */
import { checkLabels, classNamesFromText, DataFormatError, makeDataset, type DataFile } from './check.js';
import type { Dataset, ImageSet } from './dataset.js';
import type { CifarFormat } from './formats.js';

const SIDE = 32;
const PLANE = SIDE * SIDE;


/**
 * A Dataset from CIFAR binary files: `train` in `format.trainFiles` order, `names` the optional
 * class-names file. K is the number of names, else 10 or 100.
 * @example const data = cifarDataset(CIFAR10, { train: batches, test: testBatch, names: meta });
 */
export function cifarDataset(format: CifarFormat, files: { train: readonly DataFile[]; test: DataFile; names?: DataFile }): Dataset {
  const classNames = files.names && classNamesFromText(files.names);
  const classes = classNames?.names.length ?? format.classes;
  // Each file's labels are checked on their own, so a bad one is named with its index in that file.
  const read = (file: DataFile) => records(format, file, classes);
  const train = concat(files.train.map(read));
  const test = read(files.test);
  const trainNames = files.train.map((f) => f.name).join(', ');
  return makeDataset(
    train,
    test,
    { train: { images: trainNames, labels: trainNames }, test: { images: files.test.name, labels: files.test.name } },
    classNames ?? { names: Array.from({ length: classes }, (_, k) => String(k)), source: format.name },
  );
}

/** The records of one file, images turned from planar RGB to HWC. */
function records(format: CifarFormat, file: DataFile, classes: number): ImageSet {
  const recordSize = format.labelBytes + 3 * PLANE;
  const { bytes, name } = file;
  if (bytes.length === 0 || bytes.length % recordSize !== 0) {
    throw new DataFormatError(
      `${name}: ${bytes.length} bytes is not a whole number of ${recordSize}-byte ${format.name} records ` +
        `(${format.labelBytes === 1 ? '1 label byte' : `${format.labelBytes} label bytes, coarse and fine,`} then 3,072 pixel bytes)`,
    );
  }
  const count = bytes.length / recordSize;
  const images = new Uint8Array(count * 3 * PLANE);
  const labels = new Uint8Array(count);
  for (let r = 0; r < count; r++) {
    const record = r * recordSize;
    labels[r] = bytes[record + format.label]!;
    const source = record + format.labelBytes;
    const target = r * 3 * PLANE;
    for (let p = 0; p < PLANE; p++) {
      images[target + 3 * p] = bytes[source + p]!;
      images[target + 3 * p + 1] = bytes[source + PLANE + p]!;
      images[target + 3 * p + 2] = bytes[source + 2 * PLANE + p]!;
    }
  }
  checkLabels(labels, classes, name);
  return { images, labels, count, rows: SIDE, cols: SIDE, channels: 3 };
}

/** The training files' records as one set. */
function concat(sets: ImageSet[]): ImageSet {
  if (sets.length === 1) return sets[0]!;
  const count = sets.reduce((sum, set) => sum + set.count, 0);
  const images = new Uint8Array(count * 3 * PLANE);
  const labels = new Uint8Array(count);
  let at = 0;
  for (const set of sets) {
    images.set(set.images, at * 3 * PLANE);
    labels.set(set.labels, at);
    at += set.count;
  }
  return { images, labels, count, rows: SIDE, cols: SIDE, channels: 3 };
}
