/**
 * Reading NumPy `.npy` arrays (format versions 1, 2 and 3): numbers as bytes for images and labels,
 * and strings for class names.
 *
 * Accepted dtypes: integers `|u1 |i1 <u2 <i2 <u4 <i4 <u8 <i8` and floats `<f4 <f8` whose values are
 * whole numbers in range (0–255 for pixels: images scaled to 0–1 are refused, with the fix to
 * apply); strings `<U…` (UTF-32) and `|S…` (bytes, UTF-8). Refused with a message: big-endian
 * data, Fortran order, object arrays (pickles), other dtypes, and truncated or overlong files.
 */
import { DataFormatError } from './check.js';

/** A parsed `.npy` file: its dtype, its shape and its raw little-endian bytes (a view, not a copy). */
export interface NpyArray {
  /** The dtype as written in the header, e.g. '<u1', '<i8', '<U9'. */
  readonly descr: string;
  /** The dtype's kind: unsigned, signed, float, unicode or byte string. */
  readonly kind: 'u' | 'i' | 'f' | 'U' | 'S';
  /** Bytes per element. */
  readonly itemSize: number;
  readonly shape: readonly number[];
  readonly data: Uint8Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** The item sizes each numeric kind may have. */
const NUMBER_SIZES: Record<string, number[]> = { u: [1, 2, 4, 8], i: [1, 2, 4, 8], f: [4, 8] };
const KIND_NAMES: Record<string, string> = { b: 'bool', c: 'complex', f: 'float', M: 'datetime', m: 'timedelta', V: 'void' };

/** "(60000, 28, 28)", as NumPy writes a shape. */
export const shapeText = (shape: readonly number[]) => `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;

/**
 * Parses a `.npy` file and checks that its data are all there.
 * @example const { shape, data } = parseNpy(bytes, 'x_train.npy'); // shape [60000, 28, 28]
 */
export function parseNpy(bytes: Uint8Array, fileName: string): NpyArray {
  const bad = (problem: string) => new DataFormatError(`${fileName}: ${problem}`);
  if (bytes.length < 10 || MAGIC.some((b, k) => bytes[k] !== b)) {
    const found = Array.from(bytes.subarray(0, 6), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw bad(`not a .npy file: expected the magic bytes 93 4e 55 4d 50 59 ("\\x93NUMPY"), found ${found || 'nothing'}`);
  }
  const major = bytes[6]!;
  if (major < 1 || major > 3) throw bad(`.npy format version ${major}.${bytes[7]} is not supported (1.0, 2.0 and 3.0 are)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const start = major === 1 ? 10 : 12;
  if (bytes.length < start) throw bad(`truncated: ${bytes.length} bytes, too short for a version ${major} header`);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const end = start + headerLength;
  if (bytes.length < end) throw bad(`truncated: the header says it is ${headerLength} bytes long, the file has ${bytes.length - start} after the preamble`);
  const header = new TextDecoder().decode(bytes.subarray(start, end));

  const field = (key: string, value: string) => header.match(new RegExp(`'${key}'\\s*:\\s*${value}`))?.[1];
  if (/'descr'\s*:\s*\[/.test(header)) throw bad('structured dtype (named fields): expected a plain array of numbers or strings');
  const descr = field('descr', "'([^']*)'");
  const fortran = field('fortran_order', '(True|False)');
  const shapeList = field('shape', '\\(([^)]*)\\)');
  if (!header.trimStart().startsWith('{') || descr === undefined || fortran === undefined || shapeList === undefined) {
    throw bad(`the header is not a NumPy header (a dict with 'descr', 'fortran_order' and 'shape'): ${JSON.stringify(header.slice(0, 80))}`);
  }
  const dims = shapeList.split(',').map((d) => d.trim()).filter((d) => d !== '');
  if (dims.some((d) => !/^\d+L?$/.test(d))) throw bad(`the header's shape (${shapeList}) is not a tuple of sizes`);
  const shape = dims.map((d) => parseInt(d, 10));
  if (fortran === 'True' && shape.filter((d) => d > 1).length > 1) {
    throw bad('the array is in Fortran (column-major) order; save a C-ordered copy: np.save(f, np.ascontiguousarray(x))');
  }

  const { kind, itemSize } = parseDescr(descr, bad);
  const count = shape.reduce((a, b) => a * b, 1); // no allocation: a huge size is only compared
  const need = count * itemSize;
  const have = bytes.length - end;
  if (have < need) throw bad(`truncated: shape ${shapeText(shape)} of '${descr}' needs ${need} bytes of data, the file has ${have}`);
  if (have > need) throw bad(`${have - need} unexpected bytes after the ${need} bytes of data of shape ${shapeText(shape)} '${descr}'`);
  return { descr, kind, itemSize, shape, data: bytes.subarray(end) };
}

/** The kind and item size of a dtype string such as '<u1'; throws for those this reader refuses. */
function parseDescr(descr: string, bad: (problem: string) => Error): Pick<NpyArray, 'kind' | 'itemSize'> {
  if (/^[<>|=]?O/.test(descr)) {
    throw bad(`dtype '${descr}' is an object array (pickled Python objects); save numbers as integers, names as np.array(names, dtype=str)`);
  }
  const match = /^([<>|=])([a-zA-Z])(\d+)$/.exec(descr);
  if (!match) throw bad(`dtype '${descr}' is not supported: expected integers (u1, i1 … i8), float32/float64 or strings`);
  const [, order, kind, digits] = match as unknown as [string, string, string, string];
  const size = Number(digits);
  const itemSize = kind === 'U' ? 4 * size : size;
  if (kind === 'U' || kind === 'S') {
    if (size < 1) throw bad(`dtype '${descr}': strings of length 0`);
  } else if (!NUMBER_SIZES[kind]?.includes(size)) {
    const name = KIND_NAMES[kind] ? `${KIND_NAMES[kind]} ` : '';
    throw bad(`dtype '${descr}' (${name}${8 * size}-bit) is not supported: expected integers (u1, i1 … i8), float32/float64 or strings`);
  }
  if (order === '>' && itemSize > 1 && kind !== 'S') {
    throw bad(`dtype '${descr}' is big-endian; save it little-endian: x.astype('<${kind}${size}')`);
  }
  return { kind: kind as NpyArray['kind'], itemSize };
}

/**
 * The array's values as bytes, each a whole number in 0–`max`: pixels (max 255) or class indices.
 * A uint8 array is returned as is (a view). `what` names a value in messages ("pixel", "label").
 * @example const labels = npyToBytes(parseNpy(bytes, 'y_train.npy'), 'y_train.npy', 99, 'label');
 */
export function npyToBytes(array: NpyArray, fileName: string, max: number, what: string): Uint8Array {
  const { kind, itemSize, data } = array;
  if (kind === 'U' || kind === 'S') throw new DataFormatError(`${fileName}: holds strings ('${array.descr}'); expected numbers (${what}s)`);
  if (kind === 'u' && itemSize === 1 && max >= 255) return data;
  const read = reader(array);
  const count = data.length / itemSize;
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const value = read(i);
    if (value >= 0 && value <= max && Number.isInteger(value)) {
      out[i] = value;
      continue;
    }
    const problem = !Number.isInteger(value) ? 'is not a whole number' : value < 0 ? 'is negative' : `is above ${max}`;
    const fix = what === 'pixel' && kind === 'f' ? ' (images scaled to 0–1? save (x * 255).round().astype(np.uint8))' : '';
    throw new DataFormatError(`${fileName}: ${what} ${value} at index ${i} ${problem}; expected whole numbers 0–${max}${fix}`);
  }
  return out;
}

/** Element `i`'s value, for numeric kinds (64-bit integers beyond 2^53 lose precision, and fail the range check anyway). */
function reader({ kind, itemSize, data }: NpyArray): (i: number) => number {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  switch (`${kind}${itemSize}`) {
    case 'u1': return (i) => data[i]!;
    case 'i1': return (i) => view.getInt8(i);
    case 'u2': return (i) => view.getUint16(2 * i, true);
    case 'i2': return (i) => view.getInt16(2 * i, true);
    case 'u4': return (i) => view.getUint32(4 * i, true);
    case 'i4': return (i) => view.getInt32(4 * i, true);
    case 'u8': return (i) => view.getUint32(8 * i + 4, true) * 2 ** 32 + view.getUint32(8 * i, true);
    case 'i8': return (i) => view.getInt32(8 * i + 4, true) * 2 ** 32 + view.getUint32(8 * i, true);
    case 'f4': return (i) => view.getFloat32(4 * i, true);
    default: return (i) => view.getFloat64(8 * i, true); // f8, the last numeric kind parseDescr lets through
  }
}

/**
 * A 1-D array of strings (`<U…` or `|S…`), trailing NULs dropped: class names.
 * @example const names = npyToStrings(parseNpy(bytes, 'class_names.npy'), 'class_names.npy');
 */
export function npyToStrings(array: NpyArray, fileName: string): string[] {
  const { kind, itemSize, data, shape } = array;
  if (kind !== 'U' && kind !== 'S') throw new DataFormatError(`${fileName}: holds '${array.descr}' numbers; expected strings (np.array(names, dtype=str))`);
  if (shape.length !== 1) throw new DataFormatError(`${fileName}: strings of shape ${shapeText(shape)}; expected one name per class, shape (K,)`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  return Array.from({ length: shape[0]! }, (_, k) => {
    const at = k * itemSize;
    if (kind === 'S') {
      const item = data.subarray(at, at + itemSize);
      const length = item.indexOf(0);
      try {
        return utf8.decode(length < 0 ? item : item.subarray(0, length));
      } catch {
        throw new DataFormatError(`${fileName}: string ${k} is not UTF-8`);
      }
    }
    let text = '';
    for (let c = 0; c < itemSize / 4; c++) {
      const point = view.getUint32(at + 4 * c, true);
      if (point === 0) break;
      if (point > 0x10ffff || (point >= 0xd800 && point < 0xe000)) throw new DataFormatError(`${fileName}: string ${k} holds ${point}, which is no Unicode character`);
      text += String.fromCodePoint(point);
    }
    return text;
  });
}
