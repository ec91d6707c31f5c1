/**
 * Writing a zip archive with stored (uncompressed) entries: the PNG frames of a video's fallback
 * are compressed already. Entries are kept as their byte arrays until finish() joins them into one
 * Blob, so no frame is copied twice. Not for archives over 4 GB or 65,535 files (no ZIP64).
 */
import { crc32 } from '../data/zip.js';

const MAX_ENTRIES = 0xffff;
const MAX_BYTES = 0xffffffff;

export class ZipWriter {
  private readonly parts: Uint8Array<ArrayBuffer>[] = [];
  private readonly directory: Uint8Array<ArrayBuffer>[] = [];
  private offset = 0;

  /** Adds a file `name` ('frame-0001.png') with `bytes`. */
  add(name: string, bytes: Uint8Array<ArrayBuffer>): void {
    if (this.directory.length >= MAX_ENTRIES) throw new RangeError(`A zip archive holds at most ${MAX_ENTRIES} files; export fewer frames.`);
    if (this.offset + bytes.length > MAX_BYTES) throw new RangeError('The zip archive would pass 4 GB; export fewer frames or smaller ones.');
    const path = new TextEncoder().encode(name);
    const crc = crc32(bytes);
    // Local header (30 bytes): signature, version 2.0, flags (bit 11: UTF-8 names), method 0 (stored), time, date, CRC, sizes, name length.
    const local = header(30 + path.length, (v) => {
      v.setUint32(0, 0x04034b50, true);
      v.setUint16(4, 20, true);
      v.setUint16(6, 0x0800, true);
      v.setUint16(12, 0x21, true); // 1980-01-01: a fixed date keeps archives byte-identical
      v.setUint32(14, crc, true);
      v.setUint32(18, bytes.length, true);
      v.setUint32(22, bytes.length, true);
      v.setUint16(26, path.length, true);
    }, path, 30);
    // Central directory entry (46 bytes + name): the same facts, and where the local header is.
    this.directory.push(header(46 + path.length, (v) => {
      v.setUint32(0, 0x02014b50, true);
      v.setUint16(4, 20, true);
      v.setUint16(6, 20, true);
      v.setUint16(8, 0x0800, true);
      v.setUint16(14, 0x21, true);
      v.setUint32(16, crc, true);
      v.setUint32(20, bytes.length, true);
      v.setUint32(24, bytes.length, true);
      v.setUint16(28, path.length, true);
      v.setUint32(42, this.offset, true);
    }, path, 46));
    this.parts.push(local, bytes);
    this.offset += local.length + bytes.length;
  }

  /** The archive: the entries, then the central directory and its end record. */
  finish(): Blob {
    const size = this.directory.reduce((sum, entry) => sum + entry.length, 0);
    const end = header(22, (v) => {
      v.setUint32(0, 0x06054b50, true);
      v.setUint16(8, this.directory.length, true);
      v.setUint16(10, this.directory.length, true);
      v.setUint32(12, size, true);
      v.setUint32(16, this.offset, true);
    });
    return new Blob([...this.parts, ...this.directory, end], { type: 'application/zip' });
  }
}

/** `length` bytes whose fixed fields `write` fills, with `name` at `nameAt`. */
function header(length: number, write: (view: DataView) => void, name?: Uint8Array, nameAt = 0): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(length);
  write(new DataView(bytes.buffer));
  if (name) bytes.set(name, nameAt);
  return bytes;
}
