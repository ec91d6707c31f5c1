/**
 * GPU augmentation (issue #14): the `augment` text and its errors, and what the training gather
 * does to each image, read back from the dictionary's training batch in Dawn. Every sample has its
 * own class (32 samples, 32 classes, one batch), so a batch row's label says which image it came
 * from; images are 20 × 16 (not square: rows and columns cannot be mixed up) with no zero pixel,
 * so a zero can only come from outside the image or from the cutout.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { nodeDevice } from '../../scripts/dawn.js';
import type { ImageSet } from '../../src/data/dataset.js';
import { ConfigError, resolveConfig } from '../../src/engine/config.js';
import { augmentText, parseAugment, NO_AUGMENTATION } from '../../src/engine/augment.js';
import { createEngine } from '../../src/engine/engine.js';

const device = await nodeDevice();
after(() => device.destroy());

const [ROWS, COLS, COUNT] = [20, 16, 32];
type Pattern = (sample: number, y: number, x: number, c: number) => number;
/** Distinct neighbours, never 0. */
const TEXTURE: Pattern = (sample, y, x, c) => 1 + ((sample * 31 + y * 7 + x * 3 + c * 50) % 200);
/** A plane: bilinear reads of it are exact, so a rotation shows as a turned gradient. */
const RAMP: Pattern = (_, y, x) => 20 + 5 * x + 2 * y;

function imageSet(pattern: Pattern, channels: 1 | 3): ImageSet {
  const pixels = ROWS * COLS * channels;
  const images = new Uint8Array(COUNT * pixels);
  for (let s = 0; s < COUNT; s++) {
    for (let y = 0; y < ROWS; y++) for (let x = 0; x < COLS; x++) for (let c = 0; c < channels; c++) images[s * pixels + (y * COLS + x) * channels + c] = pattern(s, y, x, c);
  }
  return { images, labels: Uint8Array.from({ length: COUNT }, (_, i) => i), count: COUNT, rows: ROWS, cols: COLS, channels };
}

/** One training step with `augment`; each batch row with the sample it came from (its label). */
async function gathered(augment: string, { pattern = TEXTURE, channels = 1, seed = 3 }: { pattern?: Pattern; channels?: 1 | 3; seed?: number } = {}) {
  const train = imageSet(pattern, channels);
  const engine = await createEngine({
    device, shape: { rows: ROWS, cols: COLS, channels, classes: COUNT }, layers: [8], batchSize: COUNT, seed, augment,
  });
  try {
    engine.setData({ train, test: train, classNames: [] });
    await engine.step(1);
    const { input, labels } = await engine.readTrainingBatch();
    const pixels = ROWS * COLS * channels;
    return Array.from({ length: COUNT }, (_, r) => ({ sample: labels[r]!, values: input.subarray(r * pixels, (r + 1) * pixels) }));
  } finally {
    engine.destroy();
  }
}

/** The original image's value at (y, x, c), scaled; 0 outside the image. */
const original = (pattern: Pattern, sample: number) => (y: number, x: number, c = 0) => (y < 0 || x < 0 || y >= ROWS || x >= COLS ? 0 : pattern(sample, y, x, c) / 255);

function sameImage(values: Float32Array, expected: (y: number, x: number, c: number) => number, channels = 1): boolean {
  for (let y = 0; y < ROWS; y++) for (let x = 0; x < COLS; x++) for (let c = 0; c < channels; c++) {
    if (Math.abs(values[(y * COLS + x) * channels + c]! - expected(y, x, c)) > 1e-6) return false;
  }
  return true;
}

test('augment text: each item, round trip, and bad items named with the allowed forms', () => {
  assert.deepEqual(parseAugment(''), NO_AUGMENTATION);
  assert.deepEqual(parseAugment('none'), NO_AUGMENTATION);
  assert.deepEqual(parseAugment('shift 2, flip, noise 0.1'), { shift: 2, flip: true, rotate: 0, noise: 0.1, cutout: 0 });
  const all = parseAugment(' Rotate 12.5 ,cutout 8, shift 3,flip,noise 0.05 ');
  assert.deepEqual(all, { shift: 3, flip: true, rotate: 12.5, noise: 0.05, cutout: 8 });
  assert.deepEqual(parseAugment(augmentText(all)), all);
  const bad = (text: string, message: RegExp) =>
    assert.throws(() => resolveConfig({ augment: text }), (e: Error) => e instanceof ConfigError && e.option === 'augment' && message.test(e.message) && /allowed: 'shift K'/.test(e.message));
  bad('shift', /item 'shift' needs a whole number above 0 and at most 64/);
  bad('shift 2.5', /'shift 2.5' needs a whole number/);
  bad('flip 2', /'flip 2' takes no number/);
  bad('zoom 2', /'zoom 2' is not an augmentation/);
  bad('shift 1, shift 2', /'shift 2' is given twice/);
  bad('noise -0.1', /'noise -0.1' needs a number above 0/);
  bad('rotate 200', /at most 180/);
  bad('noise 0.1,', /item '' is empty/);
  bad('noise 0.1 0.2', /has too many words/);
  assert.throws(() => resolveConfig({ augment: 'cutout 30' }), /'cutout 30' is larger than a 28×28 image; use at most 28/);
  assert.throws(() => resolveConfig({ augment: 'shift 28' }), /moves a 28×28 image out of view; use a shift below 28/);
  assert.deepEqual(resolveConfig({}).augment, NO_AUGMENTATION);
});

test('no augmentation: the batch is the images, scaled', async () => {
  for (const { sample, values } of await gathered('')) assert.ok(sameImage(values, original(TEXTURE, sample)), `sample ${sample}`);
});

test('flip: each image as it is or mirrored left–right (RGB pixels keep their channel order), both seen', async () => {
  let mirrored = 0;
  for (const { sample, values } of await gathered('flip', { channels: 3 })) {
    const image = original(TEXTURE, sample);
    const flipped = sameImage(values, (y, x, c) => image(y, COLS - 1 - x, c), 3);
    assert.ok(flipped || sameImage(values, image, 3), `sample ${sample} is neither the image nor its mirror`);
    if (flipped) mirrored++;
  }
  assert.ok(mirrored > 4 && mirrored < COUNT - 4, `${mirrored} of ${COUNT} mirrored`);
});

test('shift 2: each image moved by whole pixels in [−2, 2]² with zeros coming in, several shifts seen', async () => {
  const shifts = new Set<string>();
  for (const { sample, values } of await gathered('shift 2')) {
    const image = original(TEXTURE, sample);
    const found: string[] = [];
    for (let dy = -2; dy <= 2; dy++) for (let dx = -2; dx <= 2; dx++) if (sameImage(values, (y, x) => image(y - dy, x - dx))) found.push(`${dy},${dx}`);
    assert.equal(found.length, 1, `sample ${sample}: shifts matching ${JSON.stringify(found)}`);
    shifts.add(found[0]!);
  }
  assert.ok(shifts.size >= 8, `${shifts.size} distinct shifts`);
});

test('cutout 5: one 5 × 5 square (clipped at the edges) set to zero, the rest untouched', async () => {
  const places = new Set<string>();
  for (const { sample, values } of await gathered('cutout 5')) {
    const image = original(TEXTURE, sample);
    const zeros: [number, number][] = [];
    for (let y = 0; y < ROWS; y++) for (let x = 0; x < COLS; x++) {
      const v = values[y * COLS + x]!;
      if (v === 0) zeros.push([y, x]);
      else assert.ok(Math.abs(v - image(y, x)) < 1e-6, `sample ${sample} changed at ${y},${x} outside the cutout`);
    }
    const [top, bottom] = [Math.min(...zeros.map((p) => p[0])), Math.max(...zeros.map((p) => p[0]))];
    const [left, right] = [Math.min(...zeros.map((p) => p[1])), Math.max(...zeros.map((p) => p[1]))];
    const [height, width] = [bottom - top + 1, right - left + 1];
    assert.equal(zeros.length, height * width, `sample ${sample}: the zeros are not a rectangle`);
    assert.ok(height <= 5 && width <= 5 && height >= 3 && width >= 3, `sample ${sample}: ${height}×${width}`);
    if (top > 0 && bottom < ROWS - 1) assert.equal(height, 5, `sample ${sample}: unclipped height`);
    if (left > 0 && right < COLS - 1) assert.equal(width, 5, `sample ${sample}: unclipped width`);
    places.add(`${top},${left}`);
  }
  assert.ok(places.size >= 16, `${places.size} distinct places`);
});

test('noise 0.1: Gaussian, mean 0 and standard deviation 0.1 after scaling', async () => {
  const differences: number[] = [];
  for (const { sample, values } of await gathered('noise 0.1')) {
    const image = original(TEXTURE, sample);
    for (let y = 0; y < ROWS; y++) for (let x = 0; x < COLS; x++) differences.push(values[y * COLS + x]! - image(y, x));
  }
  const mean = differences.reduce((a, b) => a + b, 0) / differences.length;
  const std = Math.sqrt(differences.reduce((a, b) => a + (b - mean) ** 2, 0) / differences.length);
  const withinOne = differences.filter((d) => Math.abs(d) < 0.1).length / differences.length;
  assert.ok(Math.abs(mean) < 0.005, `mean ${mean}`);
  assert.ok(Math.abs(std - 0.1) < 0.004, `std ${std}`);
  assert.ok(Math.abs(withinOne - 0.6827) < 0.02, `${withinOne} within one standard deviation`);
});

test('rotate 10: a plane image turns by angles within ±10° about the centre (bilinear reads)', async () => {
  const [a, b] = [5, 2]; // RAMP's gradient along x and y, in bytes per pixel
  const angles: number[] = [];
  const [cy, cx] = [(ROWS - 1) / 2, (COLS - 1) / 2];
  for (const { values } of await gathered('rotate 10', { pattern: RAMP })) {
    // Least-squares plane over the pixels near the centre (their sources stay inside the image).
    let [n, sx, sy, sv, sxx, syy, sxv, syv] = [0, 0, 0, 0, 0, 0, 0, 0];
    for (let y = 0; y < ROWS; y++) for (let x = 0; x < COLS; x++) {
      const [qy, qx] = [y - cy, x - cx];
      if (qy * qy + qx * qx > 36) continue;
      const v = values[y * COLS + x]! * 255;
      n++; sx += qx; sy += qy; sv += v; sxx += qx * qx; syy += qy * qy; sxv += qx * v; syv += qy * v;
    }
    // The pixels sit symmetrically about the centre, so Σqx = Σqy = Σqx·qy = 0 and the fit separates.
    assert.ok(Math.abs(sx) < 1e-9 && Math.abs(sy) < 1e-9);
    const [gx, gy, centre] = [sxv / sxx, syv / syy, sv / n];
    assert.ok(Math.abs(centre - RAMP(0, cy, cx, 0)) < 0.05, `the centre moved: ${centre}`);
    assert.ok(Math.abs(Math.hypot(gx, gy) - Math.hypot(a, b)) < 0.05, `the gradient's length changed: ${Math.hypot(gx, gy)}`);
    angles.push((Math.atan2(b * gx - a * gy, a * gx + b * gy) * 180) / Math.PI);
  }
  assert.ok(angles.every((angle) => Math.abs(angle) <= 10.01), `angles ${angles.map((t) => t.toFixed(2))}`);
  assert.ok(Math.max(...angles) > 5 && Math.min(...angles) < -5, `angles ${angles.map((t) => t.toFixed(2))}`);
});

test('the same seed gives the same batches, another seed others; evaluation and the strips see the images as they are', async () => {
  const augment = 'shift 2, flip, rotate 8, noise 0.1, cutout 6';
  const [first, again, other] = [await gathered(augment), await gathered(augment), await gathered(augment, { seed: 4 })];
  assert.deepEqual(again.map((r) => Array.from(r.values)), first.map((r) => Array.from(r.values)));
  assert.notDeepEqual(other.map((r) => Array.from(r.values)), first.map((r) => Array.from(r.values)));
  const train = imageSet(TEXTURE, 1);
  const engine = await createEngine({ device, shape: { rows: ROWS, cols: COLS, channels: 1, classes: COUNT }, layers: [8], batchSize: COUNT, augment });
  try {
    engine.setData({ train, test: train, classNames: [] });
    await engine.step(2);
    await engine.forward([5]);
    const probe = await engine.dictionary.readProbe(1);
    assert.ok(sameImage(probe.input, original(TEXTURE, 5)), 'the probe (strips) input was augmented');
    const evaluation = await engine.evaluate();
    assert.equal(evaluation.count, COUNT);
  } finally {
    engine.destroy();
  }
});
