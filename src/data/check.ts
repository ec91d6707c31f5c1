/**
 * What every data-set reader ends with: the one check of a finished Dataset (makeDataset, or
 * checkDataset for one made by hand), the class names it gets when the data name none, and the
 * error a file that does not make a usable data set throws.
 */
import { MAX_CLASSES, MAX_IMAGE_SIDE } from '../engine/config.js';
import type { Dataset, ImageSet } from './dataset.js';

/**
 * Data that do not make a usable data set. The message starts with the file's name (or the files'
 * names), then says what is wrong and what is expected.
 * @example
 * try { await loadDataset('data/'); } catch (e) { if (e instanceof DataFormatError) console.warn(e.message); }
 */
export class DataFormatError extends Error {
  override name = 'DataFormatError';
}

/** A file's name and bytes: what the readers take, from a fetch, a drop or Node's fs. */
export interface DataFile {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** The files a split's images and labels came from, named in messages. */
export interface SplitFiles {
  readonly images: string;
  readonly labels: string;
}

/** The class names a data set brings, and where they came from (a file name, for messages). */
export interface ClassNames {
  readonly names: readonly string[];
  readonly source: string;
}

/** Where each part of a data set came from; `classNames` is absent when the names were made up ("0"…). */
export interface DatasetFiles {
  readonly train: SplitFiles;
  readonly test: SplitFiles;
  readonly classNames?: string;
}

/**
 * A checked Dataset from two splits. Without class names, K = the largest label + 1 (train and
 * test) and the names are "0" … "K−1".
 * @example
 * return makeDataset(train, test, { train: { images: 'x.npy', labels: 'y.npy' }, test: { ... } });
 */
export function makeDataset(train: ImageSet, test: ImageSet, files: Omit<DatasetFiles, 'classNames'>, classNames?: ClassNames): Dataset {
  const classes = classNames?.names.length ?? Math.max(largest(train.labels), largest(test.labels)) + 1;
  const names = classNames?.names ?? Array.from({ length: classes }, (_, k) => String(k));
  return checkDataset({ train, test, classNames: names }, { ...files, classNames: classNames?.source });
}

/**
 * Checks what the engine and the views rely on, and returns `dataset`: each split has at least one
 * image, sides 1–1024, 1 or 3 channels and count × rows × cols × channels bytes; train and test
 * have the same shape; 2–100 classes; every label is below K; every class has a training image.
 * @example
 * engine.setData(checkDataset(myDataset, { train: { images: 'mine', labels: 'mine' }, test: { images: 'mine', labels: 'mine' } }));
 */
export function checkDataset(dataset: Dataset, files: DatasetFiles): Dataset {
  const { train, test, classNames } = dataset;
  checkImageSet(train, files.train);
  checkImageSet(test, files.test);
  if (shapeText(train) !== shapeText(test)) {
    throw new DataFormatError(
      `${files.test.images}: images are ${shapeText(test)}, but the training images (${files.train.images}) are ${shapeText(train)}: ` +
        'train and test need the same shape',
    );
  }
  const classes = classNames.length;
  if (classes < 2 || classes > MAX_CLASSES) {
    throw new DataFormatError(
      files.classNames
        ? `${files.classNames}: ${classes} class name${classes === 1 ? '' : 's'}; a data set needs 2–${MAX_CLASSES} classes`
        : `${files.train.labels}: the largest label is ${classes - 1}, so there ${classes === 1 ? 'is 1 class' : `are ${classes} classes`}; ` +
            `a data set needs 2–${MAX_CLASSES} (labels are class indices 0 … K−1)`,
    );
  }
  const why = files.classNames ? `: ${classes} classes from ${files.classNames}` : '';
  checkLabels(train.labels, classes, files.train.labels, why);
  checkLabels(test.labels, classes, files.test.labels, why);
  const counts = new Array<number>(classes).fill(0);
  for (const label of train.labels) counts[label]++;
  const empty = counts.indexOf(0);
  if (empty >= 0) {
    throw new DataFormatError(
      `${files.train.labels}: class ${empty} (${JSON.stringify(classNames[empty])}) has no training image; every one of the ${classes} classes needs at least one` +
        (files.classNames ? ` (${classes} classes from ${files.classNames})` : ` (labels go up to ${classes - 1})`),
    );
  }
  return dataset;
}

/**
 * Refuses the first label ≥ `classes`, naming its index in `file`; `why` may say where K came from.
 * @example checkLabels(labels, 10, 'data_batch_2.bin');
 */
export function checkLabels(labels: Uint8Array, classes: number, file: string, why = ''): void {
  const bad = labels.findIndex((label) => label >= classes);
  if (bad >= 0) throw new DataFormatError(`${file}: label ${labels[bad]} at index ${bad} is out of range (expected 0–${classes - 1})${why}`);
}

/**
 * Class names from a text file, one a line (classes.txt, batches.meta.txt, fine_label_names.txt):
 * spaces around a name and blank lines at the end are dropped; a blank line inside is an error.
 * @example const names = classNamesFromText({ name: 'classes.txt', bytes });
 */
export function classNamesFromText(file: DataFile): ClassNames {
  const lines = new TextDecoder().decode(file.bytes).split(/\r?\n/).map((line) => line.trim());
  while (lines.length && !lines.at(-1)) lines.pop();
  const blank = lines.indexOf('');
  if (blank >= 0) throw new DataFormatError(`${file.name}: line ${blank + 1} is blank; expected one class name a line`);
  return { names: lines, source: file.name };
}

/** Images of one split: at least one, a sane size, and as many bytes and labels as its count says. */
function checkImageSet(set: ImageSet, files: SplitFiles): void {
  const { count, rows, cols } = set;
  const channels = set.channels ?? 1;
  if (channels !== 1 && channels !== 3) throw new DataFormatError(`${files.images}: ${channels} channels; expected 1 (grey) or 3 (RGB)`);
  if (!(count >= 1)) throw new DataFormatError(`${files.images}: no images; each split needs at least one`);
  for (const [side, size] of [['rows', rows], ['cols', cols]] as const) {
    if (!Number.isInteger(size) || size < 1 || size > MAX_IMAGE_SIDE) {
      throw new DataFormatError(`${files.images}: images have ${size} ${side}; expected 1–${MAX_IMAGE_SIDE}`);
    }
  }
  const bytes = count * rows * cols * channels;
  if (set.images.length !== bytes) {
    throw new DataFormatError(`${files.images}: ${set.images.length} pixel bytes; ${count} images of ${shapeText(set)} need ${bytes}`);
  }
  if (set.labels.length !== count) {
    throw new DataFormatError(`${files.labels}: ${set.labels.length} labels for ${count} images in ${files.images}; they must match`);
  }
}

/** "28×28 grey" or "32×32 RGB". */
function shapeText(set: ImageSet): string {
  return `${set.rows}×${set.cols} ${(set.channels ?? 1) === 3 ? 'RGB' : 'grey'}`;
}

function largest(labels: Uint8Array): number {
  let max = 0;
  for (const label of labels) if (label > max) max = label;
  return max;
}
