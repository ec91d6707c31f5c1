/**
 * A run's evaluations as a file: JSON with a format name and a version, holding a `RunEvaluations`
 * (src/analysis/compare.ts): per epoch the test accuracy and loss, the confusion matrix, the
 * per-class accuracy and the class-mean similarities, plus the training curves.
 *
 * ```json
 * { "format": "nnscope-evaluations", "version": 1, "name": "mlp", "classNames": [...],
 *   "testSet": { "count": 1000, "classCounts": [...], "fingerprint": "9a0c…" }, "similarityLayer": "layer 2 of 3, activated",
 *   "epochs": [{ "epoch": 1, "step": 40, "accuracy": 0.71, "loss": 0.8, "confusion": [[…]], "classAccuracy": […], "similarities": [[…]] }],
 *   "curves": { "chunks": [{ "step": 16, "loss": 1.9, "accuracy": 0.4 }], "tests": [{ "step": 40, "accuracy": 0.71 }] } }
 * ```
 * Reading checks everything before anything is used; a bad file throws EvaluationFileError naming
 * the file and the first problem found.
 */
import type { RunEvaluations } from '../analysis/compare.js';

/** The `format` field of an evaluation file. */
export const EVALUATION_FORMAT = 'nnscope-evaluations';
/** The version this nnscope writes and reads. */
export const EVALUATION_FILE_VERSION = 1;

/** A file that is not a usable evaluation file: the message names the file and the problem. */
export class EvaluationFileError extends Error {
  override name = 'EvaluationFileError';
}

/** A run's evaluations as the text of an evaluation file (refused if the run is not consistent). */
export function evaluationsToJson(run: RunEvaluations): string {
  const problem = runProblem(run);
  if (problem) throw new EvaluationFileError(`The evaluations of ${run.name} cannot be saved: ${problem}.`);
  const { name, description, classNames, testSet, similarityLayer, stepsPerEpoch, epochs, curves } = run;
  return JSON.stringify({ format: EVALUATION_FORMAT, version: EVALUATION_FILE_VERSION, name, description, classNames, testSet, similarityLayer, stepsPerEpoch, epochs, curves });
}

/** Reads an evaluation file (text or bytes); throws EvaluationFileError naming `fileName` and the problem. */
export function evaluationsFromJson(content: string | Uint8Array, fileName: string): RunEvaluations {
  const fail = (problem: string): never => {
    throw new EvaluationFileError(`${fileName} is not a usable nnscope evaluation file: ${problem}.`);
  };
  let text: string;
  try {
    text = typeof content === 'string' ? content : new TextDecoder('utf-8', { fatal: true }).decode(content);
  } catch {
    return fail('it is not UTF-8 text');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return fail(`it is not valid JSON (${(error as Error).message}${/end of (JSON )?input|Unterminated|Expected/.test((error as Error).message) ? '; is it cut short?' : ''})`);
  }
  if (!isObject(value)) return fail('it holds no JSON object');
  if (value.format !== EVALUATION_FORMAT) return fail(`its format is ${brief(value.format)}, not "${EVALUATION_FORMAT}"`);
  if (value.version !== EVALUATION_FILE_VERSION) return fail(`it is version ${brief(value.version)}; this nnscope reads version ${EVALUATION_FILE_VERSION}`);
  const problem = runProblem(value);
  if (problem) return fail(problem);
  const run = value as unknown as RunEvaluations & { format?: unknown; version?: unknown };
  delete run.format;
  delete run.version;
  return run;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A value for a message: its JSON, cut short. */
function brief(value: unknown): string {
  const text = value === undefined ? 'missing' : typeof value === 'number' && !Number.isFinite(value) ? String(value) : JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 37)}…` : text;
}

/**
 * What is wrong with `value` as a RunEvaluations, or undefined if nothing is: every number finite
 * and in range, matrices K × K, confusion rows summing to the test images of their class, epochs
 * in order. The words name the field, e.g. 'epochs[1].confusion[2] has 9 values, not 10'.
 */
export function runProblem(value: unknown): string | undefined {
  try {
    checkRun(value);
    return undefined;
  } catch (error) {
    if (error instanceof Problem) return error.message;
    throw error;
  }
}

class Problem extends Error {}

function checkRun(value: unknown): void {
  const fail = (problem: string): never => {
    throw new Problem(problem);
  };
  const number = (x: unknown, where: string, min = -Infinity, max = Infinity): number => {
    if (typeof x !== 'number') fail(`${where} is ${brief(x)}, not a number`);
    if (!Number.isFinite(x)) fail(`${where} is ${x}, not a finite number`);
    if ((x as number) < min || (x as number) > max) fail(`${where} is ${x}, outside ${min} to ${max}`);
    return x as number;
  };
  const whole = (x: unknown, where: string, min = 0): number => {
    number(x, where, min);
    if (!Number.isInteger(x)) fail(`${where} is ${x}, not a whole number`);
    return x as number;
  };
  const list = (x: unknown, where: string, length?: number): unknown[] => {
    if (!Array.isArray(x)) return fail(`${where} is ${brief(x)}, not a list`);
    if (length !== undefined && x.length !== length) fail(`${where} has ${x.length} values, not ${length}`);
    return x;
  };
  const matrix = (x: unknown, where: string, k: number, cell: (v: unknown, at: string) => void) =>
    list(x, where, k).forEach((row, i) => list(row, `${where}[${i}]`, k).forEach((v, j) => cell(v, `${where}[${i}][${j}]`)));
  const object = (x: unknown, where: string): Record<string, unknown> => (isObject(x) ? x : fail(`${where} is ${brief(x)}, not an object`));

  const run = object(value, 'the run');
  if (typeof run.name !== 'string' || !run.name) fail(`its name is ${brief(run.name)}, not a text`);
  if (run.description !== undefined && typeof run.description !== 'string') fail(`its description is ${brief(run.description)}, not a text`);
  const names = list(run.classNames, 'classNames');
  if (names.length < 2 || names.length > 100) fail(`classNames has ${names.length} names; 2 to 100 classes are allowed`);
  names.forEach((name, c) => typeof name !== 'string' && fail(`classNames[${c}] is ${brief(name)}, not a text`));
  const k = names.length;
  const testSet = object(run.testSet, 'testSet');
  const count = whole(testSet.count, 'testSet.count', 1);
  const classCounts = list(testSet.classCounts, 'testSet.classCounts', k).map((n, c) => whole(n, `testSet.classCounts[${c}]`));
  const sum = classCounts.reduce((s, n) => s + n, 0);
  if (sum !== count) fail(`testSet.classCounts add up to ${sum}, not testSet.count ${count}`);
  if (testSet.fingerprint !== undefined && (typeof testSet.fingerprint !== 'string' || !/^[0-9a-f]{8}$/.test(testSet.fingerprint))) fail(`testSet.fingerprint is ${brief(testSet.fingerprint)}, not 8 hex digits`);
  if (typeof run.similarityLayer !== 'string') fail(`similarityLayer is ${brief(run.similarityLayer)}, not a text`);
  if (run.stepsPerEpoch !== undefined) whole(run.stepsPerEpoch, 'stepsPerEpoch', 1);
  const epochs = list(run.epochs, 'epochs');
  if (epochs.length === 0) fail('it holds no epoch: save a run after its first epoch');
  let last = 0;
  epochs.forEach((item, i) => {
    const at = `epochs[${i}]`;
    const e = object(item, at);
    const epoch = whole(e.epoch, `${at}.epoch`, 1);
    if (epoch <= last) fail(`${at}.epoch is ${epoch}, after epoch ${last}: epochs must increase`);
    last = epoch;
    whole(e.step, `${at}.step`);
    number(e.accuracy, `${at}.accuracy`, 0, 1);
    number(e.loss, `${at}.loss`, 0);
    matrix(e.confusion, `${at}.confusion`, k, (v, where) => whole(v, where));
    (e.confusion as number[][]).forEach((row, t) => {
      const total = row.reduce((s, n) => s + n, 0);
      if (total !== classCounts[t]) fail(`${at}.confusion[${t}] counts ${total} images of ${names[t]}, but the test set has ${classCounts[t]}`);
    });
    list(e.classAccuracy, `${at}.classAccuracy`, k).forEach((v, c) => number(v, `${at}.classAccuracy[${c}]`, 0, 1));
    matrix(e.similarities, `${at}.similarities`, k, (v, where) => number(v, where, -1.0001, 1.0001));
  });
  const curves = object(run.curves, 'curves');
  list(curves.chunks, 'curves.chunks').forEach((item, i) => {
    const c = object(item, `curves.chunks[${i}]`);
    whole(c.step, `curves.chunks[${i}].step`);
    number(c.loss, `curves.chunks[${i}].loss`, 0);
    number(c.accuracy, `curves.chunks[${i}].accuracy`, 0, 1);
  });
  list(curves.tests, 'curves.tests').forEach((item, i) => {
    const t = object(item, `curves.tests[${i}]`);
    whole(t.step, `curves.tests[${i}].step`);
    number(t.accuracy, `curves.tests[${i}].accuracy`, 0, 1);
  });
}
