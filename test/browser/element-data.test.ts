/**
 * Your own data in `<nn-scope>` (issue #12): each format dropped on the element (openFiles, what a
 * drop or the Import… picker calls) replaces the data set, rebuilds the network for its shape and
 * class names, and trains. The files are generated here: easy tasks a small network must learn.
 */
import { expect } from '@esm-bundle/chai';
import type { NnErrorDetail, NnScope } from '../../src/elements/nn-scope.js';
import { addScope, nextEvent, until } from '../shared/element-fixture.js';
import { cifarFile, generatedSet, idxFile, npyFile, numbers, stringsNpy, zipFile, type GeneratedSet } from '../shared/data-files.js';

const fileOf = (name: string, bytes: Uint8Array) => new File([bytes as Uint8Array<ArrayBuffer>], name);
const text = (lines: string[]) => new TextEncoder().encode(lines.join('\n') + '\n');

function idxFiles(train: GeneratedSet, test: GeneratedSet, names: string[]): File[] {
  const images = (set: GeneratedSet) => idxFile([set.count, set.rows, set.cols], set.images);
  return [
    fileOf('train-images-idx3-ubyte', images(train)), fileOf('train-labels-idx1-ubyte', idxFile([train.count], train.labels)),
    fileOf('t10k-images-idx3-ubyte', images(test)), fileOf('t10k-labels-idx1-ubyte', idxFile([test.count], test.labels)),
    fileOf('classes.txt', text(names)),
  ];
}

function npzFile(train: GeneratedSet, test: GeneratedSet, names: string[]): File {
  const images = (set: GeneratedSet) => npyFile('|u1', [set.count, set.rows, set.cols, set.channels], set.images);
  const labels = (set: GeneratedSet) => npyFile('<i8', [set.count], numbers('<i8', set.labels));
  return fileOf('colours.npz', zipFile([
    { name: 'x_train.npy', data: images(train) }, { name: 'y_train.npy', data: labels(train) },
    { name: 'x_test.npy', data: images(test) }, { name: 'y_test.npy', data: labels(test) },
    { name: 'class_names.npy', data: stringsNpy(names) },
  ]));
}

/** Drops `files` on `scope` and waits for the new network; resolves when it is ready. */
async function drop(scope: NnScope, files: File[]): Promise<void> {
  const ready = nextEvent(scope, 'nn-ready', 60_000);
  const failed = nextEvent<NnErrorDetail>(scope, 'nn-error', 60_000).then((detail) => Promise.reject(new Error(detail.message)));
  await scope.openFiles(files);
  await Promise.race([ready, failed]);
}

/** Trains `epochs` epochs and returns the test accuracy. */
async function train(scope: NnScope, epochs: number): Promise<number> {
  const engine = scope.engine!;
  await scope.step(epochs * engine.stepsPerEpoch);
  return (await scope.evaluate()).accuracy;
}

describe('<nn-scope> on your own data (dropped files)', () => {
  it('IDX, 16×16 grey, 4 classes with classes.txt: a 256-…-4 network with those names, which learns it', () => addScope({ view: 'strips,confusion,class-means', 'sample-rate': '0', layers: '32', 'batch-size': '32', optimizer: 'adam', 'learning-rate': '0.005' }).then(async (scope) => {
    try {
      const shape = { rows: 16, cols: 16, channels: 1 as const, classes: 4 };
      const names = ['top band', 'upper band', 'lower band', 'bottom band'];
      await drop(scope, idxFiles(generatedSet(400, shape, 1), generatedSet(100, shape, 2), names));
      expect(scope.engine!.config.sizes).to.deep.equal([256, 32, 4]);
      expect(scope.session!.dataset.classNames).to.deep.equal(names);
      const accuracy = await train(scope, 2);
      console.log(`dropped IDX 16×16×1, 4 classes: test accuracy ${(100 * accuracy).toFixed(1)}%`);
      expect(accuracy).to.be.at.least(0.95);
      // The views of 4 classes: class means compare classes 0 and 1 (Fashion-MNIST's pullover and shirt do not exist here).
      const means = scope.shadowRoot!.querySelector('nn-class-means')!;
      await until(() => !!(means as unknown as { view?: { compared?: readonly number[] } }).view?.compared, 'the class means to compare a pair');
      expect((means as unknown as { view: { compared: readonly number[] } }).view.compared).to.deep.equal([0, 1]);
      expect(means.shadowRoot!.querySelector('.bad'), 'no problem shown').to.equal(null);
      expect(scope.shadowRoot!.querySelector('nn-confusion')!.shadowRoot!.textContent).to.not.include('Pullover');
    } finally {
      scope.remove();
    }
  }));

  it('CIFAR-10 batches, 32×32 RGB: a 3072-…-10 network with the names of batches.meta.txt, which learns it', () => addScope({ view: 'none', 'sample-rate': '0', layers: '32', 'batch-size': '32', optimizer: 'adam', 'learning-rate': '0.005' }).then(async (scope) => {
    try {
      const shape = { rows: 32, cols: 32, channels: 3 as const, classes: 10 };
      const names = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
      const all = generatedSet(600, shape, 3);
      const part = (k: number) => ({ ...all, images: all.images.subarray(k * 100 * 3072, (k + 1) * 100 * 3072), labels: all.labels.subarray(k * 100, (k + 1) * 100), count: 100 });
      const files = [1, 2, 3, 4, 5].map((k) => fileOf(`data_batch_${k}.bin`, cifarFile(part(k - 1))));
      files.push(fileOf('test_batch.bin', cifarFile(part(5))), fileOf('batches.meta.txt', text(names)));
      await drop(scope, files);
      expect(scope.engine!.config.sizes).to.deep.equal([3072, 32, 10]);
      expect(scope.session!.dataset.classNames).to.deep.equal(names);
      const accuracy = await train(scope, 6);
      console.log(`dropped CIFAR-10 32×32×3: test accuracy ${(100 * accuracy).toFixed(1)}%`);
      expect(accuracy).to.be.at.least(0.95);
    } finally {
      scope.remove();
    }
  }));

  it('an .npz of 8×8 RGB images with class_names; a bad file afterwards is refused and the data stays', () => addScope({ view: 'none', 'sample-rate': '0', layers: '16', 'batch-size': '32', optimizer: 'adam', 'learning-rate': '0.005' }).then(async (scope) => {
    try {
      const shape = { rows: 8, cols: 8, channels: 3 as const, classes: 5 };
      const names = ['black', 'dark red', 'red', 'green', 'olive'];
      await drop(scope, [npzFile(generatedSet(300, shape, 4), generatedSet(100, shape, 5), names)]);
      expect(scope.engine!.config.sizes).to.deep.equal([192, 16, 5]);
      expect(scope.session!.dataset.classNames).to.deep.equal(names);
      const accuracy = await train(scope, 3);
      console.log(`dropped .npz 8×8×3: test accuracy ${(100 * accuracy).toFixed(1)}%`);
      expect(accuracy).to.be.at.least(0.95);
      const engine = scope.engine;
      const error = nextEvent<NnErrorDetail>(scope, 'nn-error', 10_000);
      await scope.openFiles([fileOf('broken.npz', new Uint8Array([0x50, 0x4b, 3, 4, 1, 2, 3]))]);
      expect((await error).message).to.match(/^broken\.npz/);
      expect(scope.engine, 'the same engine and data').to.equal(engine);
    } finally {
      scope.remove();
    }
  }));
});
