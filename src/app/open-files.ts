/**
 * What a user picked or dropped: one safetensors file (weights, or a recorded history), or the four
 * IDX files of a data set. Anything else is refused with a message that says what is expected.
 */
import type { Dataset } from '../data/dataset.js';
import { DEFAULT_IDX_FILES, idxDatasetFromBytes, type IdxFileNames } from '../data/idx.js';

export type OpenedFiles =
  | { kind: 'weights' | 'history'; bytes: Uint8Array; name: string }
  | { kind: 'dataset'; dataset: Dataset };

const IDX_ROLES: [keyof IdxFileNames, RegExp][] = [
  ['trainImages', /train.*images|images.*train/i],
  ['trainLabels', /train.*labels|labels.*train/i],
  ['testImages', /(t10k|test).*images|images.*(t10k|test)/i],
  ['testLabels', /(t10k|test).*labels|labels.*(t10k|test)/i],
];

/**
 * Reads `files`; a bad IDX file throws IdxFormatError naming it (the safetensors bytes are checked
 * later, by the import that uses them).
 * @example const opened = await openFiles([...input.files]);
 */
export async function openFiles(files: readonly File[]): Promise<OpenedFiles> {
  if (files.length === 1 && files[0].name.endsWith('.safetensors')) {
    const bytes = new Uint8Array(await files[0].arrayBuffer());
    // A history file's header names its tensors history.{i}.layers.…; the header comes first.
    const header = new TextDecoder().decode(bytes.subarray(8, Math.min(bytes.length, 8 + 4096)));
    return { kind: header.includes('"history.0.') ? 'history' : 'weights', bytes, name: files[0].name };
  }
  const picked = IDX_ROLES.map(([role, pattern]) => [role, files.find((f) => pattern.test(f.name))] as const);
  const missing = picked.filter(([, file]) => !file).map(([role]) => DEFAULT_IDX_FILES[role]);
  if (files.length !== 4 || missing.length) {
    throw new Error(
      `Open one .safetensors file (weights or a history), or the four IDX files of a data set at once (${Object.values(DEFAULT_IDX_FILES).join(', ')}, gzipped or not); ` +
        (missing.length ? `missing: ${missing.join(', ')}.` : `got ${files.length} files.`),
    );
  }
  const bytes = Object.fromEntries(await Promise.all(picked.map(async ([role, file]) => [role, new Uint8Array(await file!.arrayBuffer())]))) as Record<keyof IdxFileNames, Uint8Array>;
  const names = Object.fromEntries(picked.map(([role, file]) => [role, file!.name])) as unknown as IdxFileNames;
  return { kind: 'dataset', dataset: await idxDatasetFromBytes(bytes, names) };
}
