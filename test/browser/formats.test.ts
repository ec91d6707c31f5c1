// The data-set readers in Chromium, through openFiles (what a drop or the file picker gives): an
// .npz whose entries Chromium's own CompressionStream deflated, CIFAR-10 batches, and the messages
// for files that are no data set. The formats' details are tested in Node (test/node/formats.test.ts).
import { expect } from '@esm-bundle/chai';
import { openFiles } from '../../src/app/open-files.js';
import { DataFormatError } from '../../src/data/check.js';
import { cifarFile, generatedSet, npyFile, numbers, slice, stringsNpy, zipFile, type GeneratedSet } from '../shared/data-files.js';

const SHAPE = { rows: 32, cols: 32, channels: 3 as const, classes: 10 };
const train = generatedSet(50, SHAPE, 1);
const test = generatedSet(20, SHAPE, 2);
const NAMES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

async function deflateRaw(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

const fileOf = (name: string, bytes: Uint8Array) => new File([bytes as Uint8Array<ArrayBuffer>], name);

async function opened(files: File[]) {
  const result = await openFiles(files);
  if (result.kind !== 'dataset') throw new Error(`opened ${result.kind}, not a data set`);
  return result.dataset;
}

function expectSame(actual: { images: Uint8Array; labels: Uint8Array; count: number; channels?: number }, expected: GeneratedSet) {
  expect([actual.count, actual.channels]).to.deep.equal([expected.count, expected.channels]);
  expect(Array.from(actual.labels)).to.deep.equal(Array.from(expected.labels));
  expect(actual.images.every((v, i) => v === expected.images[i])).to.equal(true);
}

describe('data-set files in the browser', () => {
  it('reads an .npz of stored and deflated entries (deflated by CompressionStream)', async () => {
    const x = (set: GeneratedSet) => npyFile('|u1', [set.count, 32, 32, 3], set.images);
    const y = (set: GeneratedSet) => npyFile('<i8', [set.count, 1], numbers('<i8', set.labels));
    const entries = [['x_train.npy', x(train)], ['y_train.npy', y(train)], ['x_test.npy', x(test)], ['y_test.npy', y(test)], ['class_names.npy', stringsNpy(NAMES)]] as const;
    const npz = zipFile(await Promise.all(entries.map(async ([name, data], k) => ({ name, data, deflated: k % 2 ? await deflateRaw(data) : undefined }))));
    const data = await opened([fileOf('cifar10.npz', npz)]);
    expectSame(data.train, train);
    expectSame(data.test, test);
    expect(data.classNames).to.deep.equal(NAMES);
  });

  it('reads CIFAR-10 batches, planar to HWC, with batches.meta.txt; refuses a batch of a wrong length', async () => {
    const files = [
      ...[0, 1, 2, 3, 4].map((k) => fileOf(`data_batch_${k + 1}.bin`, cifarFile(slice(train, 10 * k, 10)))),
      fileOf('test_batch.bin', cifarFile(test)),
      fileOf('batches.meta.txt', new TextEncoder().encode(NAMES.join('\n'))),
      fileOf('readme.html', new TextEncoder().encode('<html>')),
    ];
    const data = await opened(files);
    expectSame(data.train, train);
    expect(data.classNames).to.deep.equal(NAMES);
    const short = files.map((f) => (f.name === 'data_batch_2.bin' ? fileOf(f.name, new Uint8Array(3073 * 10 - 1)) : f));
    let error: unknown;
    await opened(short).catch((e) => (error = e));
    expect(error).to.be.instanceOf(DataFormatError);
    expect((error as Error).message).to.match(/^data_batch_2\.bin: 30729 bytes is not a whole number of 3073-byte CIFAR-10 records/);
  });

  it('refuses files that are no data set, saying what is expected', async () => {
    let error: unknown;
    await openFiles([fileOf('notes.txt', new Uint8Array(4))]).catch((e) => (error = e));
    expect((error as Error).message).to.match(/^Open one \.safetensors file \(weights or a history\), or the files of a data set at once: the four IDX files .*\. Got: notes\.txt\.$/);
    // An image alone is an image folder without its class folders: that layout is explained.
    await openFiles([fileOf('photo.png', new Uint8Array(4))]).catch((e) => (error = e));
    expect((error as Error).message).to.match(/^photo\.png: in no class folder; an image folder holds train\/<class>\/ and test\/<class>\/ folders/);
  });

  it('sends a saved run to <nn-compare>, and refuses other JSON as no data set', async () => {
    let error: unknown;
    const run = new TextEncoder().encode(JSON.stringify({ format: 'nnscope-evaluations', version: 1, name: 'mlp' }));
    await openFiles([fileOf('mlp-run.json', run)]).catch((e) => (error = e));
    expect((error as Error).message).to.match(/^mlp-run\.json is a saved run \(a run's evaluations\): open it in <nn-compare>/);
    await openFiles([fileOf('other.json', new TextEncoder().encode('{"format": "something else"}'))]).catch((e) => (error = e));
    expect((error as Error).message).to.match(/^Open one \.safetensors file .*\. Got: other\.json\.$/);
  });
});
