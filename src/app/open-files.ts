/**
 * What a user picked or dropped: one safetensors file (weights, or a recorded history), or the
 * files of a data set (any format datasetFromFiles reads). Anything else is refused with a message
 * that says what is expected.
 */
import type { Dataset } from '../data/dataset.js';
import type { LoadProgress } from '../data/fetch.js';
import { DATA_FILES_HELP, dataFormatOf, datasetFromFiles, type FilesOptions } from '../data/load.js';
import { EVALUATION_FORMAT } from '../io/evaluation-file.js';

export type OpenedFiles =
  | { kind: 'weights' | 'history'; bytes: Uint8Array; name: string }
  | { kind: 'dataset'; dataset: Dataset };

/**
 * Reads `files`; a bad data file throws a DataFormatError naming it (the safetensors bytes are
 * checked later, by the import that uses them). A file's path ('train/cat/1.png': its
 * `webkitRelativePath`, which a folder picker or a dropped folder's walk sets) names it, so that an
 * image folder's files keep their class folders. `onProgress` follows an image folder's decoding;
 * `options` size it and list a dropped folder's folders.
 * @example const opened = await openFiles([...input.files]);
 */
export async function openFiles(files: readonly File[], onProgress?: (progress: LoadProgress) => void, options: Omit<FilesOptions, 'onProgress'> = {}): Promise<OpenedFiles> {
  if (files.length === 1 && files[0].name.endsWith('.safetensors')) {
    const bytes = new Uint8Array(await files[0].arrayBuffer());
    // A history file's header names its tensors history.{i}.layers.…; the header comes first.
    const header = new TextDecoder().decode(bytes.subarray(8, Math.min(bytes.length, 8 + 4096)));
    return { kind: header.includes('"history.0.') ? 'history' : 'weights', bytes, name: files[0].name };
  }
  if (files.length === 1 && await isSavedRun(files[0])) {
    throw new Error(`${files[0].name} is a saved run (a run's evaluations): open it in <nn-compare>, beside another run (its Load run buttons, or drop it there). Here, open weights, a history or a data set.`);
  }
  const names = files.map((f) => f.webkitRelativePath || f.name);
  if (!dataFormatOf(names)) {
    throw new Error(`Open one .safetensors file (weights or a history), or the files of a data set at once: ${DATA_FILES_HELP}. Got: ${files.map((f) => f.name).join(', ')}.`);
  }
  const read = await Promise.all(files.map(async (file, k) => ({ name: names[k]!, bytes: new Uint8Array(await file.arrayBuffer()) })));
  return { kind: 'dataset', dataset: await datasetFromFiles(read, { ...options, onProgress }) };
}

/** Whether `file` is an evaluation file (src/io/evaluation-file.ts): JSON naming its format. */
async function isSavedRun(file: File): Promise<boolean> {
  if (!/\.json$/i.test(file.name)) return false;
  try {
    return (JSON.parse(await file.text()) as { format?: unknown } | null)?.format === EVALUATION_FORMAT;
  } catch {
    return false; // not JSON: the message below says what is expected
  }
}
