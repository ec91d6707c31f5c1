/** Fetching data files: URLs, bytes with progress, optional files, and the error when a fetch fails. */

/** The files could not be fetched (a bad URL, no server, HTTP errors); the message names the URL. */
export class DataFetchError extends Error {
  override name = 'DataFetchError';
}

/**
 * Bytes fetched so far; `total` is known once every file's size is (Content-Length), else undefined.
 * An image folder then reports its decoding, counted in images (`unit: 'images'`).
 */
export interface LoadProgress {
  loaded: number;
  total: number | undefined;
  /** What `loaded` and `total` count: bytes when absent. */
  unit?: 'bytes' | 'images';
}

/** What a download reports: its bytes so far and its size, when known. */
export type FileProgress = (loaded: number, size: number | undefined) => void;

/**
 * `new URL`, with a DataFetchError that names the text when it is no URL.
 * @example const base = dataUrl('data/', location.href);
 */
export function dataUrl(text: string | URL, base?: string | URL): URL {
  try {
    return new URL(text, base);
  } catch {
    throw new DataFetchError(`${JSON.stringify(String(text))} is not a URL, even relative to ${base ?? 'nothing'}: give a folder such as "data/" or "https://example.org/mnist/".`);
  }
}

/** The URL relative URLs are resolved against: the document's base URL, else the location (none in Node). */
export function pageUrl(): string | undefined {
  const scope = globalThis as { document?: { baseURI: string }; location?: { href: string } };
  return scope.document?.baseURI ?? scope.location?.href;
}

/** Adds up the progress of several downloads into one report. */
export class ProgressMeter {
  private readonly loaded: number[];
  private readonly sizes: (number | undefined)[];
  constructor(files: number, private readonly report?: (progress: LoadProgress) => void) {
    this.loaded = new Array<number>(files).fill(0);
    this.sizes = new Array<number | undefined>(files).fill(undefined);
  }

  /** The callback for file `k`: its size when known, and its bytes so far. */
  file(k: number): FileProgress {
    return (loaded, size) => {
      this.loaded[k] = loaded;
      this.sizes[k] = size;
      const total = this.sizes.every((s) => s !== undefined) ? this.sizes.reduce((a, b) => a! + b!, 0) : undefined;
      this.report?.({ loaded: this.loaded.reduce((a, b) => a + b, 0), total });
    };
  }
}

/**
 * The bytes at `url`; an HTTP error's message ends with `hint` (what the folder should hold).
 * @example const bytes = await fetchBytes(new URL('test.bin', base), meter.file(1), 'CIFAR-100 needs train.bin and test.bin.');
 */
export async function fetchBytes(url: URL, progress?: FileProgress, hint = ''): Promise<Uint8Array> {
  const response = await fetchResponse(url);
  if (!response.ok) {
    throw new DataFetchError(`could not fetch ${url.href}: HTTP ${response.status} ${response.statusText}`.trimEnd() + (hint && `. ${hint}`));
  }
  return readBody(response, progress);
}

/**
 * The response at `url` if the server has that file, else the problem ("HTTP 404 Not Found"): an
 * HTTP error, or an HTML page (a single-page app's server answers every path with its index.html),
 * means "not there".
 * @example const { response } = await fetchOptional(new URL('classes.txt', base));
 */
export async function fetchOptional(url: URL): Promise<{ response?: Response; problem: string }> {
  const response = await fetchResponse(url);
  const html = response.headers.get('content-type')?.startsWith('text/html');
  if (response.ok && !html) return { response, problem: '' };
  await response.body?.cancel();
  return { problem: html && response.ok ? 'an HTML page, not a data file' : `HTTP ${response.status} ${response.statusText}`.trimEnd() };
}

/** `fetch`, whose network errors (no server, a bad scheme) become a DataFetchError naming the URL. */
async function fetchResponse(url: URL): Promise<Response> {
  try {
    return await fetch(url);
  } catch (error) {
    throw new DataFetchError(
      `could not fetch ${url.href}: ${(error as Error).message}` +
        (url.protocol === 'file:' ? ' (Node cannot fetch file: URLs: read the files and use datasetFromFiles or idxDatasetFromBytes)' : ''),
    );
  }
}

/**
 * The response's bytes, reporting progress as they arrive (a compressed transfer has no usable size).
 * @example const bytes = await readBody(response, meter.file(0));
 */
export async function readBody(response: Response, progress?: FileProgress): Promise<Uint8Array> {
  const length = Number(response.headers.get('content-length') ?? NaN);
  const encoded = !!response.headers.get('content-encoding');
  const size = Number.isFinite(length) && !encoded ? length : undefined;
  if (!progress || !response.body) return new Uint8Array(await response.arrayBuffer());
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  progress(0, size);
  const reader = response.body.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    chunks.push(read.value);
    loaded += read.value.length;
    progress(loaded, size);
  }
  progress(loaded, loaded); // done: the size is known now, whatever the headers said
  if (chunks.length === 1) return chunks[0]!;
  const bytes = new Uint8Array(loaded);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}
