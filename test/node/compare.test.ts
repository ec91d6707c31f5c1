/** Comparing two runs on hand-made evaluations whose differences are known, and the evaluation file. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CompareError, compareEvaluations, recordRun, testSetDifference, type RunEvaluations } from '../../src/analysis/compare.js';
import { EvaluationFileError, evaluationsFromJson, evaluationsToJson } from '../../src/io/evaluation-file.js';
import type { Evaluation } from '../../src/engine/evaluation-pass.js';
import type { ImageSet } from '../../src/data/dataset.js';

const NAMES = ['Pullover', 'Coat', 'Shirt', 'Sneaker'];
/** 100 test images of each class, 2×2 pixels each. */
const TEST: ImageSet = {
  count: 400, rows: 2, cols: 2,
  labels: Uint8Array.from({ length: 400 }, (_, i) => i % 4),
  images: Uint8Array.from({ length: 1600 }, (_, i) => (i * 37) % 256),
};

// Rows: true class; columns: predicted. Every row holds the class's 100 images.
const CONFUSION_A = [[80, 5, 15, 0], [10, 61, 29, 0], [12, 20, 68, 0], [0, 0, 1, 99]];
const CONFUSION_B = [[82, 6, 12, 0], [9, 70, 21, 0], [15, 10, 75, 0], [0, 1, 0, 99]];
// Class means of the hidden layer (width 2): in A, Pullover (1, 0), Coat (1, 1), Shirt (0, 1), Sneaker (−1, 0);
// in B the coat's mean has moved onto the pullover's: Coat (1, 0).
const MEANS_A = [1, 0, 1, 1, 0, 1, -1, 0];
const MEANS_B = [1, 0, 1, 0, 0, 1, -1, 0];

function evaluation(confusion: number[][], hidden: number[], loss: number): Evaluation {
  const correct = confusion.reduce((s, row, c) => s + row[c], 0);
  return {
    accuracy: correct / 400, loss, confusion, count: 400, samplesPerSecond: 1, predictions: new Uint32Array(0),
    classAccuracy: confusion.map((row, c) => row[c] / 100),
    classMeans: [{ raw: Float32Array.from(hidden), activated: Float32Array.from(hidden) }, { raw: new Float32Array(16), activated: new Float32Array(16).fill(0.25) }],
  };
}

function runs(): [RunEvaluations, RunEvaluations] {
  const a = recordRun({
    name: 'mlp', description: '128, 128 · relu · sgd lr 0.01 · batch 128', classNames: NAMES, test: TEST, stepsPerEpoch: 4,
    epochs: [{ epoch: 1, step: 4, evaluation: evaluation(CONFUSION_A, MEANS_A, 0.6) }],
    curves: { chunks: [{ step: 2, loss: 1.2, accuracy: 0.5 }, { step: 4, loss: 0.7, accuracy: 0.7 }], tests: [{ step: 4, accuracy: 308 / 400 }] },
  });
  const b = recordRun({
    name: 'cnn', classNames: NAMES, test: TEST, stepsPerEpoch: 2,
    epochs: [
      { epoch: 1, step: 2, evaluation: evaluation(CONFUSION_A, MEANS_A, 0.9) },
      { epoch: 2, step: 4, evaluation: evaluation(CONFUSION_B, MEANS_B, 0.5) },
    ],
  });
  return [a, b];
}

const close = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual}, expected ${expected}`);

test('recordRun: the test set summary, the hidden layer\'s class-mean cosines, the curves', () => {
  const [a] = runs();
  assert.equal(a.testSet.count, 400);
  assert.deepEqual(a.testSet.classCounts, [100, 100, 100, 100]);
  assert.match(a.testSet.fingerprint!, /^[0-9a-f]{8}$/);
  assert.equal(a.similarityLayer, 'layer 1 of 2, activated');
  const s = a.epochs[0].similarities;
  close(s[0][1], Math.SQRT1_2, 'cos(Pullover, Coat)');
  close(s[0][2], 0, 'cos(Pullover, Shirt)');
  close(s[0][3], -1, 'cos(Pullover, Sneaker)');
  close(s[1][1], 1, 'cos(Coat, Coat)');
  assert.deepEqual(a.curves.tests, [{ step: 4, accuracy: 0.77 }]);
  assert.equal(a.epochs[0].accuracy, 308 / 400);
});

test('compareEvaluations: the known deltas, B − A, each run at its last epoch', () => {
  const [a, b] = runs();
  const c = compareEvaluations(a, b);
  assert.deepEqual([c.a.epoch, c.b.epoch], [1, 2]);
  assert.equal(c.a.name, 'mlp');
  assert.equal(c.b.name, 'cnn');
  close(c.accuracyDelta, (326 - 308) / 400, 'accuracy');
  close(c.lossDelta, -0.1, 'loss');
  [0.02, 0.09, 0.07, 0].forEach((d, i) => close(c.classAccuracyDelta[i], d, `class ${NAMES[i]}`));
  assert.deepEqual(c.confusionDelta.counts, [[2, 1, -3, 0], [-1, 9, -8, 0], [3, -10, 7, 0], [0, 1, -1, 0]]);
  c.confusionDelta.counts.forEach((row, t) => row.forEach((n, p) => close(c.confusionDelta.rates[t][p], n / 100, `rate (${t}, ${p})`)));
  assert.deepEqual(c.largestChanges.map((x) => x.text), [
    'Shirt → Coat −10.0 points (20 → 10 of 100)',
    'Coat → Shirt −8.0 points (29 → 21 of 100)',
    'Pullover → Shirt −3.0 points (15 → 12 of 100)',
    'Shirt → Pullover +3.0 points (12 → 15 of 100)',
    'Pullover → Coat +1.0 points (5 → 6 of 100)',
  ]);
  assert.deepEqual({ ...c.largestChanges[0], rateA: 0, rateB: 0, rateDelta: 0, text: '' }, { truth: 2, predicted: 1, countA: 20, countB: 10, countDelta: -10, rateA: 0, rateB: 0, rateDelta: 0, text: '' });
  close(c.largestChanges[0].rateDelta, -0.1, 'the largest change');
  // A's top 3 pairs: Coat → Shirt (29%), Shirt → Coat (20%), Pullover → Shirt (15%): the group Pullover, Coat, Shirt.
  const group = c.group!;
  assert.deepEqual(group.classes, [0, 1, 2]);
  assert.deepEqual(group.names, ['Pullover', 'Coat', 'Shirt']);
  close(group.cosineA, (Math.SQRT1_2 + 0 + Math.SQRT1_2) / 3, 'group cosine in A');
  close(group.cosineB, (1 + 0 + 0) / 3, 'group cosine in B');
  close(group.cosineDelta, 1 / 3 - (2 * Math.SQRT1_2) / 3, 'group cosine Δ');
  close(group.allPairsA, (Math.SQRT1_2 + 0 - 1 + Math.SQRT1_2 - Math.SQRT1_2 + 0) / 6, 'all pairs in A');
  assert.equal(compareEvaluations(a, b, { changes: 2 }).largestChanges.length, 2);
});

test('compareEvaluations at a chosen epoch; the same evaluation twice changes nothing', () => {
  const [a, b] = runs();
  const c = compareEvaluations(a, b, { epochB: 1 });
  assert.equal(c.accuracyDelta, 0);
  assert.ok(c.confusionDelta.counts.flat().every((n) => n === 0));
  assert.deepEqual(c.largestChanges, []);
  close(c.lossDelta, 0.3, 'loss');
  assert.throws(() => compareEvaluations(a, b, { epochA: 3 }), (e: Error) => e instanceof CompareError && /Run A \(mlp\) has no epoch 3: it has 1/.test(e.message));
});

test('runs of other test sets are refused, saying what differs', () => {
  const [a, b] = runs();
  const refused = (other: RunEvaluations, pattern: RegExp) => {
    assert.throws(() => compareEvaluations(a, other), (e: Error) => e instanceof CompareError && /not evaluated on the same test set/.test(e.message) && pattern.test(e.message), pattern.source);
    assert.match(testSetDifference(a, other)!, pattern);
  };
  refused({ ...b, classNames: [...NAMES.slice(0, 3), 'Boot'] }, /class 3 is "Sneaker" in A \(mlp\) and "Boot" in B \(cnn\)/);
  const three = recordRun({
    name: 'small', classNames: NAMES.slice(0, 3), test: { ...TEST, count: 300, labels: Uint8Array.from({ length: 300 }, (_, i) => i % 3), images: TEST.images.subarray(0, 1200) },
    epochs: [{ epoch: 1, step: 1, evaluation: { ...evaluation(CONFUSION_A, MEANS_A.slice(0, 6), 1), confusion: [[100, 0, 0], [0, 100, 0], [0, 0, 100]], classAccuracy: [1, 1, 1] } }],
  });
  refused(three, /A \(mlp\) has 4 classes, B \(small\) has 3/);
  // A run on a test set with other labels: its rows hold the images of its own classes.
  const onLabels = (name: string, labels: number[]) => {
    const counts = NAMES.map((_, c) => labels.filter((l) => l === c).length);
    const confusion = CONFUSION_B.map((row, t) => row.map((n, p) => (p === t ? n + counts[t] - 100 : n)));
    const test = { ...TEST, count: labels.length, labels: Uint8Array.from(labels), images: new Uint8Array(labels.length * 4) };
    return recordRun({ name, classNames: NAMES, test, epochs: [{ epoch: 1, step: 1, evaluation: { ...evaluation(confusion, MEANS_B, 1), classAccuracy: confusion.map((row, c) => row[c] / counts[c]) } }] });
  };
  refused(onLabels('bigger', [...TEST.labels, 0]), /A \(mlp\) was tested on 400 images, B \(bigger\) on 401/);
  refused(onLabels('shifted', [...TEST.labels].map((l, i) => (i === 1 ? 0 : l))), /A \(mlp\) has 100 test images of Pullover, B \(shifted\) has 101/);
  const otherImages = recordRun({ name: 'other', classNames: NAMES, test: { ...TEST, images: TEST.images.map((v) => 255 - v) }, epochs: b.epochs.map((e, i) => ({ epoch: e.epoch, step: e.step, evaluation: evaluation(i ? CONFUSION_B : CONFUSION_A, MEANS_B, 1) })) });
  refused(otherImages, /the test images differ \(fingerprint [0-9a-f]{8} in A \(mlp\), [0-9a-f]{8} in B \(other\)\)/);
  // A run whose matrices are not K × K is refused as such.
  const broken = { ...b, epochs: [{ ...b.epochs[0], confusion: CONFUSION_A.slice(0, 3) }] };
  assert.throws(() => compareEvaluations(a, broken), /Run B \(cnn\) cannot be compared: epochs\[0\]\.confusion has 3 values, not 4/);
});

test('an evaluation file round-trips exactly, as text and as bytes', () => {
  const [a, b] = runs();
  for (const run of [a, b]) {
    const text = evaluationsToJson(run);
    assert.match(text, /^\{"format":"nnscope-evaluations","version":1,/);
    assert.deepEqual(evaluationsFromJson(text, 'run.json'), run);
    assert.deepEqual(evaluationsFromJson(new TextEncoder().encode(text), 'run.json'), run);
  }
  const back = evaluationsFromJson(evaluationsToJson(a), 'a.json');
  assert.deepEqual(compareEvaluations(back, b), compareEvaluations(a, b));
});

test('each kind of bad evaluation file is refused with its reason, naming the file', () => {
  const [a] = runs();
  const good = JSON.parse(evaluationsToJson(a));
  const edited = (change: (file: any) => void) => {
    const file = structuredClone(good);
    change(file);
    return JSON.stringify(file);
  };
  const cases: [string, string | Uint8Array, RegExp][] = [
    ['truncated', evaluationsToJson(a).slice(0, 300), /it is not valid JSON \(.*; is it cut short\?\)/],
    ['not JSON', 'P3\n2 2\n255', /it is not valid JSON/],
    ['not UTF-8', Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d]), /it is not UTF-8 text/],
    ['a list', '[1, 2]', /it holds no JSON object/],
    ['another format', edited((f) => (f.format = 'nnscope-history')), /its format is "nnscope-history", not "nnscope-evaluations"/],
    ['no format', edited((f) => delete f.format), /its format is missing, not "nnscope-evaluations"/],
    ['a newer version', edited((f) => (f.version = 2)), /it is version 2; this nnscope reads version 1/],
    ['confusion with a row missing', edited((f) => f.epochs[0].confusion.pop()), /epochs\[0\]\.confusion has 3 values, not 4/],
    ['confusion with a short row', edited((f) => f.epochs[0].confusion[1].pop()), /epochs\[0\]\.confusion\[1\] has 3 values, not 4/],
    ['an infinite loss', edited((f) => (f.epochs[0].loss = 'INF')).replace('"INF"', '1e999'), /epochs\[0\]\.loss is Infinity, not a finite number/],
    ['a null accuracy (NaN written as JSON)', edited((f) => (f.epochs[0].accuracy = null)), /epochs\[0\]\.accuracy is null, not a number/],
    ['an infinite similarity', edited((f) => (f.epochs[0].similarities[2][1] = 'X')).replace('"X"', '-1e400'), /epochs\[0\]\.similarities\[2\]\[1\] is -Infinity, not a finite number/],
    ['a fractional count', edited((f) => (f.epochs[0].confusion[0][1] = 4.5)), /epochs\[0\]\.confusion\[0\]\[1\] is 4\.5, not a whole number/],
    ['a row of other size than its class', edited((f) => (f.epochs[0].confusion[1][0] = 9)), /epochs\[0\]\.confusion\[1\] counts 99 images of Coat, but the test set has 100/],
    ['an accuracy above 1', edited((f) => (f.epochs[0].classAccuracy[3] = 1.5)), /epochs\[0\]\.classAccuracy\[3\] is 1\.5, outside 0 to 1/],
    ['class counts that do not add up', edited((f) => (f.testSet.count = 399)), /testSet\.classCounts add up to 400, not testSet\.count 399/],
    ['no epochs', edited((f) => (f.epochs = [])), /it holds no epoch/],
    ['epochs out of order', edited((f) => f.epochs.push({ ...f.epochs[0] })), /epochs\[1\]\.epoch is 1, after epoch 1: epochs must increase/],
    ['a class name that is a number', edited((f) => (f.classNames[2] = 7)), /classNames\[2\] is 7, not a text/],
    ['no curves', edited((f) => delete f.curves), /curves is missing, not an object/],
    ['a bad curve point', edited((f) => (f.curves.chunks[1].loss = -1)), /curves\.chunks\[1\]\.loss is -1, outside 0 to Infinity/],
  ];
  for (const [what, content, pattern] of cases) {
    assert.throws(() => evaluationsFromJson(content, 'mlp-run.json'), (e: Error) => {
      assert.ok(e instanceof EvaluationFileError, `${what}: ${e.name}`);
      assert.match(e.message, /^mlp-run\.json is not a usable nnscope evaluation file: /, what);
      assert.match(e.message, pattern, what);
      return true;
    }, what);
  }
});

test('a run with a non-finite figure is not saved', () => {
  const [a] = runs();
  const broken = { ...a, epochs: [{ ...a.epochs[0], loss: NaN }] };
  assert.throws(() => evaluationsToJson(broken), (e: Error) => e instanceof EvaluationFileError && e.message === 'The evaluations of mlp cannot be saved: epochs[0].loss is NaN, not a finite number.');
});
