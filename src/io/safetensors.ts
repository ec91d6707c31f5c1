/**
 * The safetensors format: 8 bytes little-endian header length N, N bytes of JSON header
 * ({ name: { dtype, shape, data_offsets: [begin, end] }, __metadata__?: { string: string } }),
 * then the raw little-endian tensor bytes. We write F32; we read F32, F64, F16 and BF16 as float32.
 */

export interface Tensor {
  shape: number[];
  data: Float32Array;
}

/** A file that is not valid safetensors (or not what was expected): the message names the file and the problem. */
export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
}

const BYTES_PER_ELEMENT: Record<string, number> = { F32: 4, F64: 8, F16: 2, BF16: 2 };
const MAX_HEADER = 100_000_000;

/** Encodes tensors (in the given order) and optional string metadata. */
export function encodeSafetensors(tensors: ReadonlyMap<string, Tensor>, metadata: Record<string, string> = {}): Uint8Array<ArrayBuffer> {
  const header: Record<string, unknown> = Object.keys(metadata).length ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const [name, tensor] of tensors) {
    const count = tensor.shape.reduce((a, b) => a * b, 1);
    if (count !== tensor.data.length) throw new RangeError(`Tensor ${name}: shape [${tensor.shape}] holds ${count} values, data has ${tensor.data.length}.`);
    header[name] = { dtype: 'F32', shape: tensor.shape, data_offsets: [offset, offset + tensor.data.byteLength] };
    offset += tensor.data.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + json.length) % 8)) % 8); // align the data to 8 bytes
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const tensor of tensors.values()) {
    out.set(new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength), at);
    at += tensor.data.byteLength;
  }
  return out;
}

/** A value for a message: its JSON, cut short. */
function brief(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

const isSize = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;

/**
 * Decodes every tensor to float32, in header order; throws SafetensorsError naming `fileName` and the
 * problem. Everything is checked before any tensor is converted: dtypes, shapes, offsets that stay in
 * the data and match shape × dtype size, no two tensors sharing bytes, and string-only metadata.
 */
export function decodeSafetensors(bytes: Uint8Array, fileName: string): { tensors: Map<string, Tensor>; metadata: Record<string, string> } {
  const fail = (problem: string): never => {
    throw new SafetensorsError(`${fileName} is not a usable safetensors file: ${problem}`);
  };
  if (bytes.byteLength < 8) fail(`it has ${bytes.byteLength} bytes, fewer than the 8-byte header length.`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > MAX_HEADER || 8 + headerLength > bytes.byteLength) fail(`the header claims ${headerLength} bytes but the file has ${bytes.byteLength - 8} after the length (truncated, or not safetensors).`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)));
  } catch (error) {
    return fail(`its header is not JSON (${(error as Error).message}).`);
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) fail('its header is not a JSON object.');
  const dataStart = 8 + headerLength;
  const dataLength = bytes.byteLength - dataStart;
  const entries: { name: string; dtype: string; shape: number[]; begin: number; end: number }[] = [];
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = checkMetadata(entry, fail);
      continue;
    }
    if (!entry || typeof entry !== 'object' || Array.isArray(entry)) fail(`tensor ${name} is ${brief(entry)}, not { dtype, shape, data_offsets }.`);
    const { dtype, shape, data_offsets: offsets } = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof dtype !== 'string' || !Object.hasOwn(BYTES_PER_ELEMENT, dtype)) fail(`tensor ${name} has dtype ${brief(dtype)}; nnscope reads F32, F64, F16 and BF16.`);
    if (!Array.isArray(shape) || !shape.every(isSize)) fail(`tensor ${name} has shape ${brief(shape)}, not a list of sizes.`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isSize) || offsets[0] > offsets[1]) {
      fail(`tensor ${name} has data_offsets ${brief(offsets)}, not [begin, end].`);
    }
    const [begin, end] = offsets as [number, number];
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    const size = BYTES_PER_ELEMENT[dtype as string];
    if (end - begin !== count * size) fail(`tensor ${name} of shape [${shape}] and dtype ${dtype} needs ${count * size} bytes, its offsets span ${end - begin}.`);
    if (end > dataLength) fail(`tensor ${name} ends at byte ${end} of the data, which has only ${dataLength} (truncated file).`);
    entries.push({ name, dtype: dtype as string, shape: shape as number[], begin, end });
  }
  // Tensors sharing bytes mean a corrupt header (the safetensors library refuses them too).
  const spans = entries.filter((e) => e.end > e.begin).sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < spans.length; i++) {
    const [a, b] = [spans[i - 1], spans[i]];
    if (b.begin < a.end) fail(`tensors ${a.name} (bytes ${a.begin}–${a.end}) and ${b.name} (bytes ${b.begin}–${b.end}) overlap; each tensor needs bytes of its own.`);
  }
  const tensors = new Map<string, Tensor>();
  for (const { name, dtype, shape, begin, end } of entries) tensors.set(name, { shape, data: toFloat32(bytes.subarray(dataStart + begin, dataStart + end), dtype) });
  return { tensors, metadata };
}

/** `__metadata__` maps strings to strings; null means none (as the safetensors library reads it). */
function checkMetadata(entry: unknown, fail: (problem: string) => never): Record<string, string> {
  if (entry === null) return {};
  if (typeof entry !== 'object' || Array.isArray(entry)) return fail(`its __metadata__ is ${brief(entry)}, not an object of strings.`);
  const bad = Object.entries(entry).find(([, value]) => typeof value !== 'string');
  if (bad) fail(`its __metadata__ entry ${brief(bad[0])} is ${brief(bad[1])}, not a string.`);
  return entry as Record<string, string>;
}

function toFloat32(raw: Uint8Array, dtype: string): Float32Array {
  if (dtype === 'F32') return new Float32Array(raw.slice().buffer); // a copy: aligned, and the file may go
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = new Float32Array(raw.byteLength / BYTES_PER_ELEMENT[dtype]);
  const bits = new Uint32Array(1);
  const asFloat = new Float32Array(bits.buffer);
  for (let i = 0; i < out.length; i++) {
    if (dtype === 'F64') out[i] = view.getFloat64(i * 8, true);
    else if (dtype === 'F16') out[i] = halfToFloat(view.getUint16(i * 2, true));
    else {
      bits[0] = view.getUint16(i * 2, true) << 16; // BF16 is the top half of a float32
      out[i] = asFloat[0];
    }
  }
  return out;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}
