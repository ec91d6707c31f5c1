/**
 * Image folders in torchvision's ImageFolder layout, from a `.zip` or from files that carry their
 * paths (a dropped folder): `train/<class>/…` and `test/<class>/…` (or `val/`), or one root of
 * `<class>/` folders split into train and test per class by a seeded fraction. The class names are
 * the folder names, sorted. This module only plans (which file is which class and split); the
 * pixels come from image-decode.ts.
 */
import { mulberry32 } from '../engine/random.js';
import { MAX_CLASSES } from '../engine/config.js';
import { DataFormatError, makeDataset } from './check.js';
import type { Dataset, ImageSet } from './dataset.js';
import type { LoadProgress } from './fetch.js';
import { decodeImages } from './image-decode.js';
import { zipDirectory } from './zip.js';

/** How an image folder becomes a data set. */
export interface ImageFolderOptions {
  /** Resize every image to rows × cols; without it all images must have the first one's size. */
  readonly size?: readonly [rows: number, cols: number];
  /** With no train/ and test/ folders: the share of each class that goes to test (0.2). */
  readonly testFraction?: number;
  /** The seed of that split and of the order of the images in each split (1). */
  readonly seed?: number;
  /** Decoding progress, counted in images (`unit: 'images'`). */
  readonly onProgress?: (progress: LoadProgress) => void;
}

/** One image file: its path inside the folder ('train/cat/1.png') and its bytes, on demand. */
export interface ImageFolderFile {
  readonly path: string;
  read(): Promise<Uint8Array>;
}

/** An image in the plan: its file, class and split, and its place in that split. */
export interface PlannedImage {
  readonly file: ImageFolderFile;
  readonly label: number;
  readonly split: 'train' | 'test';
  readonly index: number;
}

export interface ImageFolderPlan {
  readonly classNames: string[];
  /** Every image, in path order (the "first image" is the first of these). */
  readonly images: PlannedImage[];
  readonly counts: { train: number; test: number };
}

/** What createImageBitmap reads in every browser. */
const IMAGE_TYPES: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', bmp: 'image/bmp', webp: 'image/webp' };
const TEST_FOLDERS = ['test', 'val', 'valid', 'validation'];
export const IMAGE_FOLDER_HELP = 'an image folder holds train/<class>/ and test/<class>/ folders, or one <class>/ folder per class, of PNG or JPEG images';

/** The MIME type of an image file by its extension; undefined if it is no image. */
export function imageType(path: string): string | undefined {
  const dot = path.lastIndexOf('.');
  return dot > path.lastIndexOf('/') ? IMAGE_TYPES[path.slice(dot + 1).toLowerCase()] : undefined;
}

/** Files a system adds to folders and zips (Finder's __MACOSX/ and .DS_Store, Windows' Thumbs.db): not data. */
function systemFile(path: string): boolean {
  return path.split('/').some((part) => part.startsWith('.') || part === '__MACOSX' || /^(thumbs\.db|desktop\.ini)$/i.test(part));
}

/**
 * Which image is which class and split. `where` names a path in messages (the zip's name first).
 * @example const plan = planImageFolder(files, [], (path) => `shapes.zip: ${path}`, 'shapes.zip');
 */
export function planImageFolder(given: readonly ImageFolderFile[], givenFolders: readonly string[], where: (path: string) => string, source: string, options: ImageFolderOptions = {}): ImageFolderPlan {
  const normal = (path: string) => path.replace(/\\/g, '/').replace(/^(\.?\/)+/, '');
  let files = given.map((file) => ({ file, parts: normal(file.path).split('/').filter(Boolean) })).filter(({ parts }) => parts.length && !systemFile(parts.join('/')));
  let folders = givenFolders.map((path) => normal(path).split('/').filter(Boolean)).filter((parts) => parts.length && !systemFile(parts.join('/')));
  if (!files.length) throw new DataFormatError(`${source}: no image files; ${IMAGE_FOLDER_HELP}`);
  const bad = files.find(({ parts }) => !imageType(parts.join('/')));
  if (bad) throw new DataFormatError(`${where(bad.file.path)}: not an image (PNG, JPEG, GIF, BMP or WebP, by its extension); ${IMAGE_FOLDER_HELP}`);

  // A zip of "shapes/" holds shapes/train/…: drop the folders every path shares (never a test folder).
  let root = ''; // what was dropped, to name folders in messages
  while (files.every(({ parts }) => parts.length >= 3 && parts[0] === files[0]!.parts[0]) && !TEST_FOLDERS.includes(files[0]!.parts[0]!.toLowerCase())) {
    const top = files[0]!.parts[0]!;
    root += `${top}/`;
    files = files.map(({ file, parts }) => ({ file, parts: parts.slice(1) }));
    folders = folders.filter((parts) => parts[0] === top).map((parts) => parts.slice(1));
  }
  const tops = new Set(files.filter(({ parts }) => parts.length > 1).map(({ parts }) => parts[0]!.toLowerCase()));
  const split = tops.has('train') && TEST_FOLDERS.some((name) => tops.has(name));
  const depth = split ? 3 : 2; // split/class/file or class/file
  const loose = files.find(({ parts }) => parts.length < depth || (split && parts[0]!.toLowerCase() !== 'train' && !TEST_FOLDERS.includes(parts[0]!.toLowerCase())));
  if (loose) throw new DataFormatError(`${where(loose.file.path)}: in no class folder; ${IMAGE_FOLDER_HELP}`);
  const splitOf = (parts: string[]) => (!split ? undefined : parts[0]!.toLowerCase() === 'train' ? 'train' : 'test');
  const classOf = (parts: string[]) => parts[depth - 2]!;

  // Class folders: those holding images, and empty ones (listed by a zip, or by a dropped folder's walk).
  const classNames = [...new Set(files.map(({ parts }) => classOf(parts)))].sort();
  const key = (parts: string[]) => parts.slice(0, depth - 1).join('/');
  const held = new Set(files.map(({ parts }) => key(parts)));
  const empty = folders.find((parts) => parts.length === depth - 1 && !held.has(key(parts)));
  if (empty) throw new DataFormatError(`${where(`${root}${empty.join('/')}/`)}: an empty class folder; every class needs at least one image`);
  if (classNames.length < 2 || classNames.length > MAX_CLASSES) {
    throw new DataFormatError(`${source}: ${classNames.length} class folder${classNames.length === 1 ? '' : 's'} (${classNames.slice(0, 5).join(', ')}${classNames.length > 5 ? ', …' : ''}); a data set needs 2–${MAX_CLASSES} classes, one folder each`);
  }
  if (split) {
    const untrained = classNames.find((name) => !files.some(({ parts }) => splitOf(parts) === 'train' && classOf(parts) === name));
    if (untrained) throw new DataFormatError(`${source}: class ${JSON.stringify(untrained)} has test images but no train/${untrained}/ folder of training images`);
  }

  // Each file's split: its folder's, or a seeded share of its class (stratified).
  const random = mulberry32(options.seed ?? 1);
  const fraction = options.testFraction ?? 0.2;
  if (!(fraction > 0 && fraction < 1)) throw new DataFormatError(`${source}: testFraction ${fraction}; expected a share between 0 and 1`);
  const sorted = [...files].sort((a, b) => (a.parts.join('/') < b.parts.join('/') ? -1 : 1));
  const splits = new Map<(typeof files)[number], 'train' | 'test'>();
  for (const name of classNames) {
    const members = sorted.filter(({ parts }) => classOf(parts) === name);
    if (split) {
      for (const member of members) splits.set(member, splitOf(member.parts)!);
      continue;
    }
    const test = members.length < 2 ? 0 : Math.min(members.length - 1, Math.max(1, Math.round(members.length * fraction)));
    shuffle(members, random).forEach((member, k) => splits.set(member, k < test ? 'test' : 'train'));
  }

  // Places in each split, shuffled so that the test images do not come one class after another.
  const counts = { train: 0, test: 0 };
  for (const s of splits.values()) counts[s]++;
  const places = { train: shuffle([...Array(counts.train).keys()], random), test: shuffle([...Array(counts.test).keys()], random) };
  const next = { train: 0, test: 0 };
  const images = sorted.map((entry) => {
    const s = splits.get(entry)!;
    return { file: entry.file, label: classNames.indexOf(classOf(entry.parts)), split: s, index: places[s][next[s]++]! };
  });
  return { classNames, images, counts };
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/**
 * A data set from image files with their paths: planned, decoded (image-decode.ts) and checked.
 * @example const data = await imageFolderDataset(files, [], (path) => path, 'dropped folder', { size: [32, 32] });
 */
export async function imageFolderDataset(files: readonly ImageFolderFile[], folders: readonly string[], where: (path: string) => string, source: string, options: ImageFolderOptions = {}): Promise<Dataset> {
  const plan = planImageFolder(files, folders, where, source, options);
  const decoded = await decodeImages(plan.images.map(({ file }) => ({ where: where(file.path), type: imageType(file.path)!, read: () => file.read() })), options.size, options.onProgress);
  const { rows, cols } = decoded;
  const channels = decoded.grey ? 1 : 3;
  const pixels = rows * cols;
  const sets = {
    train: { images: new Uint8Array(plan.counts.train * pixels * channels), labels: new Uint8Array(plan.counts.train) },
    test: { images: new Uint8Array(plan.counts.test * pixels * channels), labels: new Uint8Array(plan.counts.test) },
  };
  plan.images.forEach((image, k) => {
    const set = sets[image.split];
    set.labels[image.index] = image.label;
    const rgb = decoded.rgb.subarray(k * pixels * 3, (k + 1) * pixels * 3);
    if (channels === 3) set.images.set(rgb, image.index * pixels * 3);
    else for (let p = 0; p < pixels; p++) set.images[image.index * pixels + p] = rgb[p * 3]!;
  });
  const imageSet = (s: 'train' | 'test'): ImageSet => ({ ...sets[s], count: plan.counts[s], rows, cols, channels });
  const named = { images: source, labels: source };
  return makeDataset(imageSet('train'), imageSet('test'), { train: named, test: named }, { names: plan.classNames, source });
}

/**
 * A data set from a zipped image folder.
 * @example const data = await zipImageFolderDataset({ name: 'shapes.zip', bytes });
 */
export function zipImageFolderDataset(zip: { name: string; bytes: Uint8Array }, options: ImageFolderOptions = {}): Promise<Dataset> {
  const { files, folders } = zipDirectory(zip.bytes, zip.name);
  const entries = [...files.values()].map((entry) => ({ path: entry.name, read: () => entry.read() }));
  return imageFolderDataset(entries, folders, (path) => `${zip.name}: ${path}`, zip.name, options);
}
