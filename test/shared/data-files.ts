/**
 * Data-set files written by the tests, byte by byte as the other tools write them (IDX, NumPy .npy,
 * zip/.npz, CIFAR binary), and easy generated data sets to put in them. No Node imports: browser
 * tests may use it too (give zipFile deflated bytes from CompressionStream('deflate-raw') there).
 */

/** A split as the files hold it: images count × rows × cols × channels (HWC), labels. */
export interface GeneratedSet {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
  channels: 1 | 3;
}

/** Deterministic pseudo-random numbers in [0, 1). */
export function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/**
 * An easy data set: class k is a distinct colour (RGB: its base-3 digits, so up to 27 classes) or
 * a bright band of rows (grey), plus noise; every class appears, in turn (image i has label i mod
 * classes).
 */
export function generatedSet(count: number, shape: { rows: number; cols: number; channels: 1 | 3; classes: number }, seed = 1): GeneratedSet {
  const { rows, cols, channels, classes } = shape;
  const next = random(seed);
  const images = new Uint8Array(count * rows * cols * channels);
  const labels = Uint8Array.from({ length: count }, (_, i) => i % classes);
  for (let i = 0; i < count; i++) {
    const k = labels[i]!;
    for (let p = 0; p < rows * cols; p++) {
      for (let c = 0; c < channels; c++) {
        const on = channels === 3 ? (Math.floor(k / 3 ** c) % 3) * 100 : Math.floor((p * classes) / (rows * cols)) === k ? 192 : 16;
        images[(i * rows * cols + p) * channels + c] = Math.min(255, on + Math.floor(next() * 48));
      }
    }
  }
  return { images, labels, count, rows, cols, channels };
}

/** An IDX file of unsigned bytes: 00 00 08 <rank>, big-endian sizes, data. */
export function idxFile(dims: number[], data: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  out.set([0, 0, 8, dims.length]);
  const view = new DataView(out.buffer);
  dims.forEach((d, k) => view.setUint32(4 + 4 * k, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

/**
 * A .npy file as numpy writes it: magic, version, header length, the header dict padded with spaces
 * to a multiple of 64 and ended by a newline, then `data`. `header` replaces the dict text.
 */
export function npyFile(descr: string, shape: number[], data: Uint8Array, options: { version?: 1 | 2 | 3; fortran?: boolean; header?: string } = {}): Uint8Array {
  const version = options.version ?? 1;
  const shapeText = `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
  let dict = options.header ?? `{'descr': '${descr}', 'fortran_order': ${options.fortran ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  const preamble = version === 1 ? 10 : 12;
  dict += ' '.repeat(63 - ((preamble + dict.length) % 64)) + '\n';
  const header = new TextEncoder().encode(dict);
  const out = new Uint8Array(preamble + header.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  out.set(header, preamble);
  out.set(data, preamble + header.length);
  return out;
}

/** Little-endian bytes of `values` as a NumPy integer or float dtype ('<i8', '<f4', …). */
export function numbers(descr: string, values: ArrayLike<number>): Uint8Array {
  const size = Number(descr.slice(2));
  const out = new Uint8Array(values.length * size);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const at = i * size;
    switch (descr.slice(1)) {
      case 'u1': view.setUint8(at, v); break;
      case 'i1': view.setInt8(at, v); break;
      case 'u2': view.setUint16(at, v, true); break;
      case 'i2': view.setInt16(at, v, true); break;
      case 'u4': view.setUint32(at, v, true); break;
      case 'i4': view.setInt32(at, v, true); break;
      case 'u8': view.setBigUint64(at, BigInt(v), true); break;
      case 'i8': view.setBigInt64(at, BigInt(v), true); break;
      case 'f4': view.setFloat32(at, v, true); break;
      case 'f8': view.setFloat64(at, v, true); break;
      default: throw new Error(`numbers(): no dtype ${descr}`);
    }
  }
  return out;
}

/** A .npy file of strings as np.array(strings) writes it: '<U{n}', UTF-32, fixed width n, NUL-padded. */
export function stringsNpy(strings: string[]): Uint8Array {
  const points = strings.map((s) => Array.from(s, (c) => c.codePointAt(0)!));
  const width = Math.max(1, ...points.map((p) => p.length));
  const out = new Uint8Array(strings.length * width * 4);
  const view = new DataView(out.buffer);
  points.forEach((p, k) => p.forEach((c, j) => view.setUint32((k * width + j) * 4, c, true)));
  return npyFile(`<U${width}`, [strings.length], out);
}

/** CRC-32 (IEEE), bit by bit: an implementation apart from the reader's table. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** One zip entry: stored, or deflated when `deflated` (raw deflate of `data`) is given. */
export interface ZipInput {
  name: string;
  data: Uint8Array;
  deflated?: Uint8Array;
  /** Overrides, to write bad archives: general-purpose flags (bit 0: encrypted) and the method. */
  flags?: number;
  method?: number;
}

/** A zip archive of `entries`: local headers and data, then the central directory and its end record. */
export function zipFile(entries: ZipInput[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = new TextEncoder().encode(entry.name);
    const packed = entry.deflated ?? entry.data;
    const method = entry.method ?? (entry.deflated ? 8 : 0);
    const fields = (view: DataView, at: number) => {
      view.setUint16(at, 20, true); // version needed
      view.setUint16(at + 2, entry.flags ?? 0, true);
      view.setUint16(at + 4, method, true);
      view.setUint32(at + 6, 0x00210000, true); // DOS time and date: 1980-01-01 00:00
      view.setUint32(at + 10, crc32(entry.data), true);
      view.setUint32(at + 14, packed.length, true);
      view.setUint32(at + 18, entry.data.length, true);
      view.setUint16(at + 22, name.length, true);
    };
    const local = new Uint8Array(30 + name.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    fields(lv, 4);
    local.set(name, 30);
    const dir = new Uint8Array(46 + name.length);
    const dv = new DataView(dir.buffer);
    dv.setUint32(0, 0x02014b50, true);
    dv.setUint16(4, 20, true); // version made by
    fields(dv, 6);
    dv.setUint32(42, offset, true);
    dir.set(name, 46);
    parts.push(local, packed);
    central.push(dir);
    offset += local.length + packed.length;
  }
  const size = central.reduce((sum, d) => sum + d.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, size, true);
  ev.setUint32(16, offset, true);
  return concat([...parts, ...central, end]);
}

/**
 * CIFAR binary records of `set` (32×32 RGB, HWC): label bytes (CIFAR-100: `coarse(label)` first,
 * then the label), then the image planar: 1,024 red, 1,024 green, 1,024 blue bytes.
 */
export function cifarFile(set: GeneratedSet, coarse?: (label: number) => number): Uint8Array {
  const labelBytes = coarse ? 2 : 1;
  const record = labelBytes + 3072;
  const out = new Uint8Array(set.count * record);
  for (let i = 0; i < set.count; i++) {
    const at = i * record;
    if (coarse) out[at] = coarse(set.labels[i]!);
    out[at + labelBytes - 1] = set.labels[i]!;
    for (let p = 0; p < 1024; p++) {
      for (let c = 0; c < 3; c++) out[at + labelBytes + c * 1024 + p] = set.images[(i * 1024 + p) * 3 + c]!;
    }
  }
  return out;
}

/** The first `count` images of `set`, or those from `start`. */
export function slice(set: GeneratedSet, start: number, count: number): GeneratedSet {
  const size = set.rows * set.cols * set.channels;
  return { ...set, count, images: set.images.slice(start * size, (start + count) * size), labels: set.labels.slice(start, start + count) };
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Image `i` of `set` as a PNG file (8-bit grey or RGB, no filters), its zlib data in stored blocks:
 * what a browser decodes, written without a canvas so that Node can write it too.
 */
export function pngFile(set: GeneratedSet, i: number): Uint8Array {
  const { rows, cols, channels } = set;
  const stride = cols * channels;
  const raw = new Uint8Array(rows * (stride + 1)); // each row: filter 0, then its bytes
  for (let y = 0; y < rows; y++) raw.set(set.images.subarray((i * rows + y) * stride, (i * rows + y + 1) * stride), y * (stride + 1) + 1);
  const blocks: Uint8Array[] = [new Uint8Array([0x78, 0x01])];
  for (let at = 0; at < raw.length || at === 0; at += 65535) {
    const part = raw.subarray(at, at + 65535);
    const header = new Uint8Array(5);
    const view = new DataView(header.buffer);
    header[0] = at + 65535 >= raw.length ? 1 : 0;
    view.setUint16(1, part.length, true);
    view.setUint16(3, ~part.length & 0xffff, true);
    blocks.push(header, part);
  }
  let a = 1, b = 0;
  for (const byte of raw) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  blocks.push(bigEndian(((b << 16) | a) >>> 0));
  const ihdr = concat([bigEndian(cols), bigEndian(rows), new Uint8Array([8, channels === 3 ? 2 : 0, 0, 0, 0])]);
  const chunk = (type: string, data: Uint8Array) => {
    const body = concat([new TextEncoder().encode(type), data]);
    return concat([bigEndian(data.length), body, bigEndian(crc32(body))]);
  };
  return concat([new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', concat(blocks)), chunk('IEND', new Uint8Array())]);
}

function bigEndian(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value, false);
  return out;
}
