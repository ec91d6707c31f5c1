/**
 * Image folders (issue #12): PNGs generated here (OffscreenCanvas), zipped with stored entries or
 * given as files carrying their folder paths, decoded by the browser into data sets; dropped on an
 * `<nn-scope>` and trained; bad folders refused by name.
 */
import { expect } from '@esm-bundle/chai';
import { openFiles } from '../../src/app/open-files.js';
import type { LoadProgress } from '../../src/data/fetch.js';
import { datasetFromFiles } from '../../src/data/load.js';
import type { Dataset, ImageSet } from '../../src/data/dataset.js';
import type { NnErrorDetail } from '../../src/elements/nn-scope.js';
import { droppedFiles } from '../../src/elements/dropped-files.js';
import { addScope, nextEvent } from '../shared/element-fixture.js';
import { SERVED_DIR } from '../shared/served-sets.js';
import { generatedSet, pngFile, slice, zipFile, type GeneratedSet, type ZipInput } from '../shared/data-files.js';

/** Image `i` of `set` as a PNG file's bytes (grey images are written as R = G = B). */
async function png(set: GeneratedSet, i: number): Promise<Uint8Array> {
  const { rows, cols, channels } = set;
  const data = new ImageData(cols, rows);
  for (let p = 0; p < rows * cols; p++) {
    for (let c = 0; c < 3; c++) data.data[p * 4 + c] = set.images[(i * rows * cols + p) * channels + (channels === 3 ? c : 0)]!;
    data.data[p * 4 + 3] = 255;
  }
  const canvas = new OffscreenCanvas(cols, rows);
  canvas.getContext('2d')!.putImageData(data, 0, 0);
  return new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer());
}

/** The images of `set` as entries `${prefix}${class name}/${i}.png`. */
async function entries(set: GeneratedSet, names: string[], prefix = ''): Promise<ZipInput[]> {
  return Promise.all(Array.from({ length: set.count }, async (_, i) => ({ name: `${prefix}${names[set.labels[i]!]}/${String(i).padStart(3, '0')}.png`, data: await png(set, i) })));
}

const fileOf = (name: string, bytes: Uint8Array) => new File([bytes as Uint8Array<ArrayBuffer>], name);

/** A File named by its base name whose path rides in webkitRelativePath, as a folder picker or a dropped folder's walk gives it. */
function pathFile(path: string, bytes: Uint8Array): File {
  const file = fileOf(path.slice(path.lastIndexOf('/') + 1), bytes);
  Object.defineProperty(file, 'webkitRelativePath', { value: path });
  return file;
}

/** Each image of `split` is one of `source`'s, of the same class: pixels and labels came through. */
function expectImagesOf(split: ImageSet, ...sources: GeneratedSet[]): void {
  const size = split.rows * split.cols * (split.channels ?? 1);
  const labelOf = new Map<string, number>();
  for (const source of sources) for (let i = 0; i < source.count; i++) labelOf.set(source.images.subarray(i * size, (i + 1) * size).join(), source.labels[i]!);
  for (let i = 0; i < split.count; i++) {
    const label = labelOf.get(split.images.subarray(i * size, (i + 1) * size).join());
    expect(label, `image ${i}: pixels of a generated image`).to.not.equal(undefined);
    expect(split.labels[i], `image ${i}: its class`).to.equal(label);
  }
}

const perClass = (set: ImageSet, classes: number) => Array.from({ length: classes }, (_, k) => set.labels.filter((label) => label === k).length);

const RGB = { rows: 12, cols: 12, channels: 3 as const, classes: 3 };
const NAMES = ['black', 'dark red', 'red']; // generatedSet's colours, already in sorted order

describe('image folders', () => {
  it('a .zip of shapes/train/<class>/ and shapes/test/<class>/ PNGs: RGB pixels, class names, counts, progress in images', async () => {
    const train = generatedSet(30, RGB, 11);
    const test = generatedSet(12, RGB, 12);
    const zip = zipFile([...(await entries(train, NAMES, 'shapes/train/')), ...(await entries(test, NAMES, 'shapes/test/'))]);
    const progress: LoadProgress[] = [];
    const data = await datasetFromFiles([{ name: 'shapes.zip', bytes: zip }], { onProgress: (p) => progress.push(p) });
    expect(data.classNames).to.deep.equal(NAMES);
    expect([data.train.count, data.test.count, data.train.rows, data.train.cols, data.train.channels]).to.deep.equal([30, 12, 12, 12, 3]);
    expect(perClass(data.test, 3)).to.deep.equal([4, 4, 4]);
    expectImagesOf(data.train, train);
    expectImagesOf(data.test, test);
    expect(progress.at(-1)).to.deep.equal({ loaded: 42, total: 42, unit: 'images' });
    expect(progress[0]).to.deep.equal({ loaded: 0, total: 42, unit: 'images' });
  });

  it('files with folder paths (one root of class folders): a seeded, stratified 20% test split, the same each time', async () => {
    const set = generatedSet(60, RGB, 13);
    const files = (await entries(set, NAMES, 'colours/')).map((entry) => pathFile(entry.name, entry.data));
    const read = async () => {
      const opened = await openFiles(files);
      if (opened.kind !== 'dataset') throw new Error(`opened as ${opened.kind}`);
      return opened.dataset;
    };
    const data = await read();
    expect(data.classNames).to.deep.equal(NAMES);
    expect([data.train.count, data.test.count]).to.deep.equal([48, 12]);
    expect(perClass(data.test, 3)).to.deep.equal([4, 4, 4]);
    expectImagesOf(data.train, set);
    expectImagesOf(data.test, set);
    const again = await read();
    expect(again.test.images).to.deep.equal(data.test.images);
    // A zip of the same folder splits the same way.
    const zipped = await datasetFromFiles([{ name: 'colours.zip', bytes: zipFile(await entries(set, NAMES, 'colours/')) }]);
    expect(zipped.test.images).to.deep.equal(data.test.images);
    expect(zipped.test.labels).to.deep.equal(data.test.labels);
  });

  it('grey PNGs (R = G = B) make a 1-channel set; a size option resizes every image', async () => {
    const grey = generatedSet(20, { rows: 10, cols: 14, channels: 1, classes: 2 }, 14);
    const zip = zipFile(await entries(grey, ['bottom', 'top']));
    const data = await datasetFromFiles([{ name: 'bands.zip', bytes: zip }], { testFraction: 0.5, seed: 7 });
    expect([data.train.rows, data.train.cols, data.train.channels, data.train.count, data.test.count]).to.deep.equal([10, 14, 1, 10, 10]);
    expectImagesOf(data.train, grey);
    const small = await datasetFromFiles([{ name: 'bands.zip', bytes: zip }], { size: [5, 7] });
    expect([small.train.rows, small.train.cols, small.train.channels, small.train.images.length]).to.deep.equal([5, 7, 1, small.train.count * 35]);
  });

  it('PNGs written without a canvas (pngFile, what the served shapes.zip holds), grey and RGB, decode to their pixels', async () => {
    for (const channels of [1, 3] as const) {
      const set = generatedSet(10, { rows: 9, cols: 11, channels, classes: 2 }, 18);
      const zip = zipFile(Array.from({ length: set.count }, (_, i) => ({ name: `${['a', 'b'][set.labels[i]!]}/${i}.png`, data: pngFile(set, i) })));
      const data = await datasetFromFiles([{ name: 'written.zip', bytes: zip }]);
      expect([data.train.rows, data.train.cols, data.train.channels]).to.deep.equal([9, 11, channels]);
      expectImagesOf(data.train, set);
      expectImagesOf(data.test, set);
    }
  });

  describe('bad folders are refused, naming the file and the problem', () => {
    let good: ZipInput[];
    before(async () => {
      good = await entries(generatedSet(6, RGB, 15), NAMES);
    });
    const refused = async (entries: ZipInput[], pattern: RegExp, options = {}) => {
      let error: Error | undefined;
      try {
        await datasetFromFiles([{ name: 'bad.zip', bytes: zipFile(entries) }], options);
      } catch (e) {
        error = e as Error;
      }
      expect(error?.name, error?.message).to.equal('DataFormatError');
      expect(error!.message).to.match(pattern);
    };

    it('a non-image file among the images', () => refused([...good, { name: 'red/notes.txt', data: new Uint8Array([104, 105]) }], /^bad\.zip: red\/notes\.txt: not an image/));
    it('a file with an image name the browser cannot decode', () => refused([...good, { name: 'red/broken.png', data: new Uint8Array([1, 2, 3]) }], /^bad\.zip: red\/broken\.png: not a readable image/));
    it('mixed sizes, unless a size is given', async () => {
      const odd = generatedSet(1, { rows: 8, cols: 9, channels: 3, classes: 3 }, 16);
      const mixed = [...good, { name: 'red/zz-odd.png', data: await png(odd, 0) }];
      await refused(mixed, /^bad\.zip: red\/zz-odd\.png: 8×9 pixels \(rows×cols\), but bad\.zip: black\/000\.png is 12×12/);
      const data = await datasetFromFiles([{ name: 'ok.zip', bytes: zipFile(mixed) }], { size: [12, 12] });
      expect(data.train.count + data.test.count).to.equal(7);
    });
    it('an empty class folder', () => refused([...good, { name: 'white/', data: new Uint8Array() }], /^bad\.zip: white\/: an empty class folder/));
    it('fewer than 2 classes', () => refused(good.filter((e) => e.name.startsWith('red/')), /^bad\.zip: 1 class folder \(red\); a data set needs 2–100 classes/));
    it('an entry in no class folder', () => refused([...good, { name: 'loose.png', data: good[0]!.data }], /^bad\.zip: loose\.png: in no class folder/));
    it('test images of a class with no training images', () => refused([...good.map((e) => ({ ...e, name: `train/${e.name}` })).filter((e) => !e.name.includes('/red/')), ...good.map((e) => ({ ...e, name: `test/${e.name}` }))], /"red" has test images but no train\/red\//));
  });

  it('a .zip dropped (a drop event) on <nn-scope> trains to at least 95% test accuracy; a bad one afterwards changes nothing', async () => {
    const scope = await addScope({ view: 'none', 'sample-rate': '0', layers: '16', 'batch-size': '32', optimizer: 'adam', 'learning-rate': '0.005' });
    try {
      const set = generatedSet(300, RGB, 17);
      const zip = fileOf('colours.zip', zipFile(await entries(set, NAMES, 'colours/')));
      const progress: LoadProgress[] = [];
      const bars: (string | null | undefined)[] = []; // the message's progress bar while decoding: its max
      scope.addEventListener('nn-load-progress', (event) => {
        progress.push((event as CustomEvent<LoadProgress>).detail);
        void scope.updateComplete.then(() => bars.push(scope.shadowRoot!.querySelector('.message progress')?.getAttribute('max')));
      });
      const ready = nextEvent(scope, 'nn-ready', 60_000);
      const failed = nextEvent<NnErrorDetail>(scope, 'nn-error', 60_000).then((detail) => Promise.reject(new Error(detail.message)));
      // A drop event, as a user's: FileDrop takes the files (no folder among them) to openFiles.
      const transfer = new DataTransfer();
      transfer.items.add(zip);
      scope.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
      await Promise.race([ready, failed]);
      expect(scope.engine!.config.sizes).to.deep.equal([432, 16, 3]);
      expect(scope.session!.dataset.classNames).to.deep.equal(NAMES);
      expect(progress.at(-1)).to.deep.equal({ loaded: 300, total: 300, unit: 'images' });
      expect(bars, 'a progress bar of 300 images').to.include('300');
      await scope.step(3 * scope.engine!.stepsPerEpoch);
      const { accuracy } = await scope.evaluate();
      console.log(`dropped image-folder .zip 12×12×3: test accuracy ${(100 * accuracy).toFixed(1)}%`);
      expect(accuracy).to.be.at.least(0.95);

      const engine = scope.engine;
      const dataset: Dataset = scope.session!.dataset;
      const error = nextEvent<NnErrorDetail>(scope, 'nn-error', 10_000);
      await scope.openFiles([fileOf('mixed.zip', zipFile([...(await entries(slice(set, 0, 6), NAMES)), { name: 'red/notes.txt', data: new Uint8Array([1]) }]))]);
      expect((await error).message).to.match(/^mixed\.zip: red\/notes\.txt: not an image/);
      expect(scope.engine, 'the same engine').to.equal(engine);
      expect(scope.session!.dataset, 'the same data').to.equal(dataset);
    } finally {
      scope.remove();
    }
  });

  it('image-size="8x6" resizes a served .zip (src) to 8×6; a bad size is refused by the attribute', async () => {
    const scope = await addScope({ src: `/${SERVED_DIR}/shapes.zip`, 'image-size': '8x6', view: 'none', 'sample-rate': '0', layers: '8' }, { data: false });
    try {
      expect(scope.engine!.config.sizes).to.deep.equal([8 * 6 * 3, 8, 3]);
      expect(scope.session!.dataset.train.rows).to.equal(8);
      expect(scope.session!.dataset.train.cols).to.equal(6);
      const error = nextEvent<NnErrorDetail>(scope, 'nn-error', 10_000);
      scope.setAttribute('image-size', '0x12');
      expect((await error).message).to.equal('<nn-scope image-size="0x12">: must be a size in pixels, 1 to 1024 each: "32" for 32×32, or rows x cols such as "28x32"');
      expect(scope.session!.dataset.train.rows, 'the data set kept').to.equal(8);
    } finally {
      scope.remove();
    }
  });

  describe('a dropped folder is walked (webkitGetAsEntry): files with their paths, and its folders', () => {
    /** A FileSystemEntry tree as Chromium gives it for a dropped folder; readEntries hands out 2 at a time. */
    function entryOf(path: string, tree: Record<string, unknown> | Uint8Array): FileSystemEntry {
      if (tree instanceof Uint8Array) {
        return { isFile: true, isDirectory: false, fullPath: `/${path}`, file: (done: (file: File) => void) => done(fileOf(path.split('/').at(-1)!, tree)) } as unknown as FileSystemEntry;
      }
      const children = Object.entries(tree).map(([name, child]) => entryOf(`${path}/${name}`, child as Record<string, unknown> | Uint8Array));
      return {
        isFile: false, isDirectory: true, fullPath: `/${path}`,
        createReader: () => ({ readEntries: (done: (batch: FileSystemEntry[]) => void) => done(children.splice(0, 2)) }),
      } as unknown as FileSystemEntry;
    }
    const transferOf = (root: FileSystemEntry) => ({ items: [{ kind: 'file', webkitGetAsEntry: () => root }], files: [] }) as unknown as DataTransfer;

    let set: GeneratedSet;
    let tree: Record<string, Record<string, Uint8Array>>;
    before(async () => {
      set = generatedSet(12, RGB, 19);
      tree = {};
      for (const { name, data } of await entries(set, NAMES)) {
        const [folder, file] = name.split('/') as [string, string];
        (tree[folder] ??= {})[file] = data;
      }
    });

    it('every file, its path in webkitRelativePath, read into a data set of the folder names', async () => {
      const { files, folders } = await droppedFiles(transferOf(entryOf('colours', tree)));
      expect(files.map((file) => file.webkitRelativePath).sort()).to.deep.equal((await entries(set, NAMES, 'colours/')).map((e) => e.name).sort());
      expect(folders.sort()).to.deep.equal(['colours/', ...NAMES.map((name) => `colours/${name}/`)].sort());
      const opened = await openFiles(files, undefined, { folders });
      if (opened.kind !== 'dataset') throw new Error(`opened ${opened.kind}`);
      expect(opened.dataset.classNames).to.deep.equal(NAMES);
      expect(opened.dataset.train.count + opened.dataset.test.count).to.equal(12);
    });

    it('an empty class folder in a dropped folder is refused', async () => {
      const { files, folders } = await droppedFiles(transferOf(entryOf('colours', { ...tree, white: {} })));
      let error: Error | undefined;
      await openFiles(files, undefined, { folders }).catch((e: Error) => (error = e));
      expect(error?.message).to.match(/^colours\/white\/: an empty class folder/);
    });
  });
});
