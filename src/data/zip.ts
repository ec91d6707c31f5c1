/**
 * Reading zip archives (an `.npz` is one; so is a zipped image folder): the central directory, then
 * each entry on demand, stored or deflated (DecompressionStream, in browsers and Node ≥ 20), its
 * size and CRC-32 checked. Refused with a message: other compression methods, encryption, ZIP64
 * and multi-part archives, truncated or corrupt data.
 */
import { DataFormatError } from './check.js';

/** One file in a zip archive; `read()` extracts and checks it. */
export interface ZipEntry {
  /** Its path inside the archive ('x_train.npy', 'train/cat/1.png'). */
  readonly name: string;
  /** Its size once extracted. */
  readonly size: number;
  read(): Promise<Uint8Array>;
}

const SIGNATURE = { local: 0x04034b50, central: 0x02014b50, end: 0x06054b50 };
const METHODS: Record<number, string> = { 1: 'shrink', 6: 'implode', 9: 'deflate64', 12: 'bzip2', 14: 'LZMA', 93: 'Zstandard', 95: 'XZ', 99: 'AES encryption' };
/** Deflate cannot expand data more than about 1032 times: a larger declared size is corrupt (and is never allocated). */
const MAX_DEFLATE_RATIO = 1032;

/**
 * The files in a zip archive, by path (folders are left out), read from its central directory.
 * @example
 * const entries = readZip(bytes, 'mnist.npz');
 * const x = await entries.get('x_train.npy')?.read();
 */
export function readZip(bytes: Uint8Array, fileName: string): Map<string, ZipEntry> {
  return zipDirectory(bytes, fileName).files;
}

/**
 * The files of a zip archive by path, and its folder entries ('train/cat/'): an image folder's
 * empty class folder shows only as a folder entry.
 * @example const { files, folders } = zipDirectory(bytes, 'shapes.zip');
 */
export function zipDirectory(bytes: Uint8Array, fileName: string): { files: Map<string, ZipEntry>; folders: string[] } {
  const bad = (problem: string) => new DataFormatError(`${fileName}: ${problem}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = findEnd(bytes, view);
  if (end < 0) {
    const zip = bytes.length >= 4 && view.getUint32(0, true) === SIGNATURE.local;
    throw bad(zip ? 'truncated or corrupt: the zip directory at its end is missing' : 'not a zip archive (no end-of-directory record; a zip starts with "PK")');
  }
  if (view.getUint16(end + 4, true) !== 0 || view.getUint16(end + 6, true) !== 0) throw bad('a multi-part zip archive; only single-file archives are read');
  const count = view.getUint16(end + 10, true);
  const size = view.getUint32(end + 12, true);
  const offset = view.getUint32(end + 16, true);
  if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) throw bad('a ZIP64 archive (over 4 GB or 65,535 files), which is not supported');
  if (offset + size > end) throw bad(`truncated or corrupt: the zip directory (${size} bytes at ${offset}) runs past its end record at ${end}`);

  const entries = new Map<string, ZipEntry>();
  const folders: string[] = [];
  let at = offset;
  for (let k = 0; k < count; k++) {
    if (at + 46 > end || view.getUint32(at, true) !== SIGNATURE.central) throw bad(`corrupt zip directory: entry ${k} at ${at} has no valid header`);
    const nameLength = view.getUint16(at + 28, true);
    const name = new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength));
    const entry = {
      name,
      flags: view.getUint16(at + 8, true),
      method: view.getUint16(at + 10, true),
      crc: view.getUint32(at + 16, true),
      packed: view.getUint32(at + 20, true),
      size: view.getUint32(at + 24, true),
      header: view.getUint32(at + 42, true),
    };
    at += 46 + nameLength + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
    if (at > end) throw bad(`corrupt zip directory: entry ${k} (${name}) runs past it`);
    if (name.endsWith('/')) {
      folders.push(name);
      continue;
    }
    if (entry.packed === 0xffffffff || entry.size === 0xffffffff || entry.header === 0xffffffff) throw bad(`${name}: a ZIP64 entry (over 4 GB), which is not supported`);
    entries.set(name, { name, size: entry.size, read: () => extract(bytes, view, entry, `${fileName}: ${name}`) });
  }
  return { files: entries, folders };
}

/** The end-of-central-directory record's offset, searched from the end (its comment may follow); -1 if none. */
function findEnd(bytes: Uint8Array, view: DataView): number {
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 0xffff); at--) {
    if (view.getUint32(at, true) === SIGNATURE.end && at + 22 + view.getUint16(at + 20, true) <= bytes.length) return at;
  }
  return -1;
}

interface CentralEntry {
  flags: number;
  method: number;
  crc: number;
  packed: number;
  size: number;
  header: number;
}

/** Extracts one entry and checks its size and CRC-32; `where` ("archive: entry") starts each message. */
async function extract(bytes: Uint8Array, view: DataView, entry: CentralEntry, where: string): Promise<Uint8Array> {
  const bad = (problem: string) => new DataFormatError(`${where}: ${problem}`);
  if (entry.flags & 1) throw bad('encrypted; only unencrypted archives are read');
  if (entry.method !== 0 && entry.method !== 8) {
    throw bad(`compressed with method ${entry.method}${METHODS[entry.method] ? ` (${METHODS[entry.method]})` : ''}; only stored (0) and deflated (8) entries are read`);
  }
  const { header } = entry;
  if (header + 30 > bytes.length || view.getUint32(header, true) !== SIGNATURE.local) throw bad(`no valid local header at ${header}`);
  const start = header + 30 + view.getUint16(header + 26, true) + view.getUint16(header + 28, true);
  if (start + entry.packed > bytes.length) throw bad(`truncated: ${entry.packed} bytes of data at ${start}, the archive has ${Math.max(0, bytes.length - start)}`);
  const packed = bytes.subarray(start, start + entry.packed);
  let data: Uint8Array;
  if (entry.method === 0) {
    if (entry.packed !== entry.size) throw bad(`stored, yet its sizes differ (${entry.packed} and ${entry.size} bytes)`);
    data = packed;
  } else {
    if (entry.size > entry.packed * MAX_DEFLATE_RATIO + 64) throw bad(`corrupt: ${entry.packed} deflated bytes cannot hold the ${entry.size} it declares`);
    data = await inflate(packed, entry.size, bad);
  }
  if (crc32(data) !== entry.crc) throw bad('corrupt: its CRC-32 does not match the data');
  return data;
}

/** Inflates raw deflate data into exactly `size` bytes. */
async function inflate(packed: Uint8Array, size: number, bad: (problem: string) => Error): Promise<Uint8Array> {
  const out = new Uint8Array(size);
  let at = 0;
  const reader = new Blob([packed as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('deflate-raw')).getReader();
  try {
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      if (at + read.value.length > size) throw bad(`corrupt: inflates to more than the ${size} bytes it declares`);
      out.set(read.value, at);
      at += read.value.length;
    }
  } catch (error) {
    void reader.cancel().catch(() => {});
    throw error instanceof DataFormatError ? error : bad(`corrupt deflate data (${(error as Error).message || error})`);
  }
  if (at !== size) throw bad(`corrupt: inflates to ${at} bytes, it declares ${size}`);
  return out;
}

let crcTable: Uint32Array | undefined;

/** The CRC-32 (IEEE, as zip and gzip use it) of `bytes`. */
export function crc32(bytes: Uint8Array): number {
  crcTable ??= Uint32Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c;
  });
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = crcTable[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
