// Writes the demo data set that ships in the package: dist/data/, the four gzipped IDX files of a
// class-balanced slice of www/data/ (the first TRAIN_PER_CLASS training and TEST_PER_CLASS test
// images of each class, in the order of the full set, which is shuffled). Small enough for any CDN
// (each file well under 5 MB) and enough for <nn-scope> to learn something out of the box.
// Deterministic: the same www/data/ gives byte-identical files; skipped when they are up to date.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';

export const TRAIN_PER_CLASS = 500;
export const TEST_PER_CLASS = 100;
const CLASSES = 10;
const SOURCE = 'www/data';
export const DEMO_DIR = 'dist/data';
const SPLITS = [
  { images: 'train-images-idx3-ubyte.gz', labels: 'train-labels-idx1-ubyte.gz', perClass: TRAIN_PER_CLASS },
  { images: 't10k-images-idx3-ubyte.gz', labels: 't10k-labels-idx1-ubyte.gz', perClass: TEST_PER_CLASS },
];

/** An IDX file's header size and dimensions (the full set is ours, written by prepare-data.mjs). */
function idx(bytes) {
  const rank = bytes[3];
  const dims = Array.from({ length: rank }, (_, k) => bytes.readUInt32BE(4 + 4 * k));
  return { dims, data: bytes.subarray(4 + 4 * rank) };
}

function idxFile(dims, data) {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(0x0800 | dims.length, 0);
  dims.forEach((d, k) => header.writeUInt32BE(d, 4 + 4 * k));
  const out = gzipSync(Buffer.concat([header, data]), { level: 9 });
  out[9] = 255; // gzip OS byte "unknown": the same bytes on every platform
  return out;
}

/** Writes dist/data/ unless its manifest says it was made from the current www/data/. */
export function writeDemoData() {
  const sourceManifest = readFileSync(join(SOURCE, 'manifest.json'), 'utf8');
  const stamp = { source: JSON.parse(sourceManifest).files, trainPerClass: TRAIN_PER_CLASS, testPerClass: TEST_PER_CLASS };
  const manifestPath = join(DEMO_DIR, 'manifest.json');
  if (existsSync(manifestPath) && JSON.stringify(JSON.parse(readFileSync(manifestPath, 'utf8')).stamp) === JSON.stringify(stamp)) return false;
  mkdirSync(DEMO_DIR, { recursive: true });
  const written = {};
  for (const split of SPLITS) {
    const images = idx(gunzipSync(readFileSync(join(SOURCE, split.images))));
    const labels = idx(gunzipSync(readFileSync(join(SOURCE, split.labels))));
    const [count, rows, cols] = images.dims;
    const pixels = rows * cols;
    const taken = new Array(CLASSES).fill(0);
    const picked = [];
    for (let i = 0; i < count && picked.length < CLASSES * split.perClass; i++) {
      const label = labels.data[i];
      if (taken[label] < split.perClass) taken[label]++, picked.push(i);
    }
    const imageData = Buffer.alloc(picked.length * pixels);
    picked.forEach((i, k) => imageData.set(images.data.subarray(i * pixels, (i + 1) * pixels), k * pixels));
    const labelData = Buffer.from(picked.map((i) => labels.data[i]));
    for (const [name, bytes] of [[split.images, idxFile([picked.length, rows, cols], imageData)], [split.labels, idxFile([picked.length], labelData)]]) {
      writeFileSync(join(DEMO_DIR, name), bytes);
      written[name] = bytes.length;
    }
  }
  const note = `Fashion-MNIST demo slice: the first ${TRAIN_PER_CLASS} train and ${TEST_PER_CLASS} test images of each class of www/data/ (scripts/demo-data.mjs)`;
  writeFileSync(manifestPath, JSON.stringify({ note, stamp, bytes: written }, null, 2) + '\n');
  return written;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const written = writeDemoData();
  console.log(written ? `wrote ${DEMO_DIR}/: ${Object.entries(written).map(([n, b]) => `${n} ${(b / 1e6).toFixed(2)} MB`).join(', ')}` : `${DEMO_DIR}/ is up to date`);
}
