/**
 * Comparing two runs on one test set: a run's evaluation after each epoch is recorded as a
 * `RunEvaluations` (what `<nn-scope>.evaluations` returns and an evaluation file holds), and
 * `compareEvaluations(a, b)` says what changed from A (the reference) to B: accuracy, per-class
 * accuracy, the confusion matrix (B − A, in counts and in rates per true class), the largest changes
 * by name, and how alike the most confused classes look inside each network.
 */
import { cosineSimilarities, groupSimilarity, mostConfusedPairs } from './diagnosis.js';
import { layersText } from '../engine/layers.js';
import type { EngineConfig } from '../engine/config.js';
import type { Evaluation } from '../engine/evaluation-pass.js';
import type { ImageSet } from '../data/dataset.js';
import { runProblem } from '../io/evaluation-file.js';

/** One epoch's evaluation of the test set, as a run records it. */
export interface RunEpoch {
  /** Epochs done (1 after the first). */
  epoch: number;
  /** Training steps done. */
  step: number;
  /** Test accuracy, 0–1. */
  accuracy: number;
  /** Mean test cross-entropy. */
  loss: number;
  /** confusion[true][predicted] counts, K × K. */
  confusion: number[][];
  /** Per-class accuracy (recall), K values 0–1. */
  classAccuracy: number[];
  /** K × K cosine similarities of the class means of `RunEvaluations.similarityLayer`. */
  similarities: number[][];
}

/** The training curves: loss and accuracy per chunk of steps, test accuracy per epoch. */
export interface RunCurves {
  chunks: { step: number; loss: number; accuracy: number }[];
  tests: { step: number; accuracy: number }[];
}

/** What identifies a test set: its size, its images per class, and (when known) a hash of its labels and pixels. */
export interface TestSetSummary {
  count: number;
  /** Test images of each class. */
  classCounts: number[];
  /** FNV-1a (32 bits, hex) of the labels, then the pixels: two runs with the same value saw the same images. */
  fingerprint?: string;
}

/** A run's evaluations, one entry per finished epoch: what `compareEvaluations` compares. */
export interface RunEvaluations {
  /** Shown in legends and messages (the `<nn-scope>`'s id, or the file's name). */
  name: string;
  /** The network and optimizer, e.g. '128, 128 · relu · sgd lr 0.01 · batch 128'. */
  description?: string;
  classNames: string[];
  testSet: TestSetSummary;
  /** Which class means the similarities are of, e.g. 'layer 2 of 3, activated'. */
  similarityLayer: string;
  /** Training steps per epoch (curves of runs with other batch sizes are drawn against epochs). */
  stepsPerEpoch?: number;
  epochs: RunEpoch[];
  curves: RunCurves;
}

/** An evaluation the Scope keeps as each epoch ends. */
export interface EpochEvaluation {
  epoch: number;
  step: number;
  evaluation: Evaluation;
}

/** Two runs that cannot be compared: the message says what differs. */
export class CompareError extends Error {
  override name = 'CompareError';
}

const fingerprints = new WeakMap<ImageSet, string>();

/** The summary of a test set (the hash is computed once per set). */
export function testSetSummary(set: ImageSet, classes: number): TestSetSummary {
  const classCounts = new Array<number>(classes).fill(0);
  for (let i = 0; i < set.count; i++) classCounts[set.labels[i]]++;
  let fingerprint = fingerprints.get(set);
  if (!fingerprint) {
    let hash = 0x811c9dc5;
    for (const bytes of [set.labels.subarray(0, set.count), set.images]) {
      for (let i = 0; i < bytes.length; i++) hash = Math.imul(hash ^ bytes[i], 0x01000193);
    }
    fingerprint = (hash >>> 0).toString(16).padStart(8, '0');
    fingerprints.set(set, fingerprint);
  }
  return { count: set.count, classCounts, fingerprint };
}

/** A short description of a network: hidden layers, activation, optimizer, batch. */
export function describeNetwork(config: Pick<EngineConfig, 'layers' | 'activation' | 'optimizer' | 'batchSize'>): string {
  const hidden = layersText(config.layers.slice(0, -1)) || 'no hidden layer';
  return `${hidden} · ${config.activation} · ${config.optimizer.type} lr ${config.optimizer.learningRate} · batch ${config.batchSize}`;
}

/**
 * A run's record from its per-epoch evaluations (as `engine.evaluate()` returns them). Similarities
 * are those of the last hidden layer's activated class means (the output layer's when there is no
 * hidden layer).
 * ```js
 * const run = recordRun({ name: 'mlp', classNames: data.classNames, test: data.test, epochs: [{ epoch: 1, step: 469, evaluation: await engine.evaluate() }] });
 * ```
 */
export function recordRun(options: { name: string; description?: string; classNames: readonly string[]; test: ImageSet; epochs: readonly EpochEvaluation[]; curves?: RunCurves; stepsPerEpoch?: number }): RunEvaluations {
  const classes = options.classNames.length;
  const layers = options.epochs[0]?.evaluation.classMeans.length ?? 2;
  const layer = Math.max(0, layers - 2);
  return {
    name: options.name,
    ...(options.description ? { description: options.description } : {}),
    classNames: [...options.classNames],
    testSet: testSetSummary(options.test, classes),
    similarityLayer: `layer ${layer + 1} of ${layers}, activated`,
    ...(options.stepsPerEpoch ? { stepsPerEpoch: options.stepsPerEpoch } : {}),
    epochs: options.epochs.map(({ epoch, step, evaluation: e }) => ({
      epoch, step, accuracy: e.accuracy, loss: e.loss,
      confusion: e.confusion.map((row) => [...row]),
      classAccuracy: [...e.classAccuracy],
      similarities: cosineSimilarities(e.classMeans[layer].activated, classes),
    })),
    curves: {
      chunks: (options.curves?.chunks ?? []).map(({ step, loss, accuracy }) => ({ step, loss, accuracy })),
      tests: (options.curves?.tests ?? []).map(({ step, accuracy }) => ({ step, accuracy })),
    },
  };
}

/** Why runs `a` and `b` were not evaluated on the same test set, or undefined if they were. */
export function testSetDifference(a: RunEvaluations, b: RunEvaluations): string | undefined {
  const [ka, kb] = [a.classNames.length, b.classNames.length];
  if (ka !== kb) return `A (${a.name}) has ${ka} classes, B (${b.name}) has ${kb}`;
  const named = a.classNames.findIndex((name, c) => name !== b.classNames[c]);
  if (named >= 0) return `class ${named} is "${a.classNames[named]}" in A (${a.name}) and "${b.classNames[named]}" in B (${b.name})`;
  if (a.testSet.count !== b.testSet.count) return `A (${a.name}) was tested on ${a.testSet.count} images, B (${b.name}) on ${b.testSet.count}`;
  const counted = a.testSet.classCounts.findIndex((n, c) => n !== b.testSet.classCounts[c]);
  if (counted >= 0) return `A (${a.name}) has ${a.testSet.classCounts[counted]} test images of ${a.classNames[counted]}, B (${b.name}) has ${b.testSet.classCounts[counted]}`;
  const [fa, fb] = [a.testSet.fingerprint, b.testSet.fingerprint];
  if (fa && fb && fa !== fb) return `the test images differ (fingerprint ${fa} in A (${a.name}), ${fb} in B (${b.name})): same counts, other images or another order`;
  return undefined;
}

/** A change of one confusion cell from A to B. */
export interface CellChange {
  truth: number;
  predicted: number;
  countA: number;
  countB: number;
  /** B − A, images. */
  countDelta: number;
  /** Share of the true class's images, 0–1. */
  rateA: number;
  rateB: number;
  /** B − A, as a fraction (×100: percentage points). */
  rateDelta: number;
  /** e.g. 'Coat → Shirt −6.1 points (61 → 55 of 100)'. */
  text: string;
}

/** What `compareEvaluations` finds. Every delta is B − A. */
export interface RunComparison {
  classNames: string[];
  a: { name: string; epoch: number; step: number; accuracy: number; loss: number };
  b: { name: string; epoch: number; step: number; accuracy: number; loss: number };
  /** Test images per true class (the same in both runs). */
  classCounts: number[];
  accuracyDelta: number;
  lossDelta: number;
  /** Per class, A's accuracy (recall). */
  classAccuracyA: number[];
  /** Per class, B − A of the accuracy (recall). */
  classAccuracyDelta: number[];
  /**
   * The confusion difference B − A: `counts` in images; `rates` normalised per true class (each row
   * divided by that class's test images, then subtracted): fractions, ×100 for percentage points.
   */
  confusionDelta: { counts: number[][]; rates: number[][] };
  /** The off-diagonal cells that changed most (by rate), largest first. */
  largestChanges: CellChange[];
  /**
   * The classes of A's most confused pairs and the mean cosine similarity of their class means
   * (over the group's pairs) in A and B, with the mean over all pairs of classes for scale.
   * Undefined when A confuses fewer than two classes.
   */
  group?: { classes: number[]; names: string[]; layerA: string; layerB: string; cosineA: number; cosineB: number; cosineDelta: number; allPairsA: number; allPairsB: number };
}

/** Options of `compareEvaluations`. */
export interface CompareOptions {
  /** Epoch of A to compare (default: its last). */
  epochA?: number;
  /** Epoch of B to compare (default: its last). */
  epochB?: number;
  /** How many changed cells to name (5). */
  changes?: number;
  /** The most confused group: the classes of A's top `groupPairs` confused pairs (3). */
  groupPairs?: number;
}

/** A signed figure with a real minus sign: '+1.5', '−6.1', '0.0'. */
export function signed(value: number, digits = 1): string {
  const text = Math.abs(value).toFixed(digits);
  if (Number(text) === 0) return (0).toFixed(digits);
  return `${value < 0 ? '−' : '+'}${text}`;
}

/**
 * Compares run B with run A (the reference), each at its last epoch unless told otherwise.
 * Throws CompareError when they were not tested on the same test set, saying what differs.
 * ```js
 * const c = compareEvaluations(await fetchRun('mlp.json'), cnnScope.evaluations);
 * c.accuracyDelta;              // 0.031: B is 3.1 points better
 * c.largestChanges[0].text;     // 'Coat → Shirt −6.1 points (61 → 55 of 100)'
 * c.confusionDelta.rates[4][6]; // −0.061
 * ```
 */
export function compareEvaluations(a: RunEvaluations, b: RunEvaluations, options: CompareOptions = {}): RunComparison {
  for (const [run, which] of [[a, 'A'], [b, 'B']] as const) {
    const problem = runProblem(run);
    if (problem) throw new CompareError(`Run ${which} (${(run as { name?: unknown })?.name ?? 'unnamed'}) cannot be compared: ${problem}.`);
  }
  const difference = testSetDifference(a, b);
  if (difference) throw new CompareError(`Runs ${a.name} and ${b.name} were not evaluated on the same test set: ${difference}. Compare runs of one data set.`);
  const pick = (run: RunEvaluations, which: string, epoch?: number): RunEpoch => {
    const found = epoch === undefined ? run.epochs.at(-1) : run.epochs.find((e) => e.epoch === epoch);
    if (!found) throw new CompareError(`Run ${which} (${run.name}) has no epoch ${epoch}: it has ${run.epochs.map((e) => e.epoch).join(', ')}.`);
    return found;
  };
  const [ea, eb] = [pick(a, 'A', options.epochA), pick(b, 'B', options.epochB)];
  const names = a.classNames;
  const totals = a.testSet.classCounts;
  const rate = (count: number, t: number) => (totals[t] ? count / totals[t] : 0);
  const counts = ea.confusion.map((row, t) => row.map((n, p) => eb.confusion[t][p] - n));
  const rates = counts.map((row, t) => row.map((n) => rate(n, t))); // (B − A) / images of the class: exact ties
  const cells: CellChange[] = [];
  ea.confusion.forEach((row, truth) => row.forEach((countA, predicted) => {
    const countB = eb.confusion[truth][predicted];
    if (truth === predicted || countA === countB) return;
    const [rateA, rateB] = [rate(countA, truth), rate(countB, truth)];
    cells.push({
      truth, predicted, countA, countB, countDelta: countB - countA, rateA, rateB, rateDelta: rate(countB - countA, truth),
      text: `${names[truth]} → ${names[predicted]} ${signed(100 * rate(countB - countA, truth))} points (${countA} → ${countB} of ${totals[truth]})`,
    });
  }));
  cells.sort((x, y) => Math.abs(y.rateDelta) - Math.abs(x.rateDelta) || Math.abs(y.countDelta) - Math.abs(x.countDelta));
  const summary = (run: RunEvaluations, e: RunEpoch) => ({ name: run.name, epoch: e.epoch, step: e.step, accuracy: e.accuracy, loss: e.loss });
  return {
    classNames: [...names],
    a: summary(a, ea),
    b: summary(b, eb),
    classCounts: [...totals],
    accuracyDelta: eb.accuracy - ea.accuracy,
    lossDelta: eb.loss - ea.loss,
    classAccuracyA: [...ea.classAccuracy],
    classAccuracyDelta: ea.classAccuracy.map((value, c) => eb.classAccuracy[c] - value),
    confusionDelta: { counts, rates },
    largestChanges: cells.slice(0, options.changes ?? 5),
    group: confusedGroup(a, b, ea, eb, options.groupPairs ?? 3),
  };
}

function confusedGroup(a: RunEvaluations, b: RunEvaluations, ea: RunEpoch, eb: RunEpoch, pairs: number): RunComparison['group'] {
  const classes = [...new Set(mostConfusedPairs(ea.confusion, pairs).filter((p) => p.count > 0).flatMap((p) => [p.truth, p.predicted]))].sort((x, y) => x - y);
  if (classes.length < 2) return undefined;
  const [inA, inB] = [groupSimilarity(ea.similarities, classes), groupSimilarity(eb.similarities, classes)];
  return {
    classes, names: classes.map((c) => a.classNames[c]), layerA: a.similarityLayer, layerB: b.similarityLayer,
    cosineA: inA.group, cosineB: inB.group, cosineDelta: inB.group - inA.group, allPairsA: inA.allPairs, allPairsB: inB.allPairs,
  };
}
