/**
 * Image files to pixels in the browser. `createImageBitmap` decodes (and resizes, when a size is
 * given) off the main thread; each bitmap is then drawn 1:1 onto one small OffscreenCanvas of the
 * calling thread and read back. (In a worker, all of it runs off the main thread.) Transparent
 * pixels are drawn over black.
 */
import { DataFormatError } from './check.js';
import type { LoadProgress } from './fetch.js';

/** One image to decode: `where` names it in messages ('shapes.zip: train/cat/1.png'). */
export interface DecodeJob {
  readonly where: string;
  readonly type: string;
  read(): Promise<Uint8Array>;
}

/** Every image as RGB bytes (count × rows × cols × 3, in job order); `grey` when R = G = B in all. */
export interface DecodedImages {
  readonly rows: number;
  readonly cols: number;
  readonly grey: boolean;
  readonly rgb: Uint8Array;
}

/** What this module uses of a browser's imaging, looked up at run time (Node, and the Node typings, lack it). */
interface Bitmap {
  readonly width: number;
  readonly height: number;
  close(): void;
}
interface Context2D {
  fillStyle: string;
  fillRect(x: number, y: number, width: number, height: number): void;
  drawImage(image: Bitmap, x: number, y: number): void;
  getImageData(x: number, y: number, width: number, height: number): { readonly data: Uint8ClampedArray };
}
interface Imaging {
  createImageBitmap(image: Blob, options: Record<string, unknown>): Promise<Bitmap>;
  OffscreenCanvas: new (width: number, height: number) => { getContext(type: '2d', options: Record<string, unknown>): Context2D | null };
}
const imaging = globalThis as unknown as Partial<Imaging>;

/** Decodes in flight at once: enough to keep the browser's decoder threads busy. */
const IN_FLIGHT = 4;

/**
 * Decodes `jobs` to rows × cols: `size` if given, else the first image's (another size is refused,
 * naming the file and both sizes). `onProgress` counts images.
 * @example const { rows, cols, grey, rgb } = await decodeImages(jobs, [32, 32]);
 */
export async function decodeImages(jobs: readonly DecodeJob[], size?: readonly [number, number], onProgress?: (progress: LoadProgress) => void): Promise<DecodedImages> {
  const { createImageBitmap, OffscreenCanvas } = imaging;
  if (typeof createImageBitmap !== 'function' || typeof OffscreenCanvas !== 'function') {
    throw new DataFormatError(`${jobs[0]?.where ?? 'image folder'}: image folders are decoded with createImageBitmap and OffscreenCanvas, which a browser (page or worker) has and this environment lacks`);
  }
  if (size && !size.every((side) => Number.isInteger(side) && side >= 1)) throw new DataFormatError(`image size ${size.join('×')}: expected whole rows and cols of at least 1`);
  const total = jobs.length;
  let done = 0;
  const report = () => onProgress?.({ loaded: done, total, unit: 'images' });
  report();

  const decode = (job: DecodeJob) => bitmapOf(job, size, createImageBitmap);
  const first = await decode(jobs[0]!);
  const rows = size?.[0] ?? first.height;
  const cols = size?.[1] ?? first.width;
  const canvas = new OffscreenCanvas(cols, rows);
  const context = canvas.getContext('2d', { willReadFrequently: true, alpha: false })!;
  const rgb = new Uint8Array(total * rows * cols * 3);
  let grey = true;
  const draw = (bitmap: Bitmap, k: number) => {
    context.fillStyle = '#000';
    context.fillRect(0, 0, cols, rows);
    context.drawImage(bitmap, 0, 0);
    bitmap.close();
    const rgba = context.getImageData(0, 0, cols, rows).data;
    const out = rgb.subarray(k * rows * cols * 3);
    for (let p = 0, q = 0; p < rows * cols; p++, q += 4) {
      const r = rgba[q]!, g = rgba[q + 1]!, b = rgba[q + 2]!;
      out[p * 3] = r;
      out[p * 3 + 1] = g;
      out[p * 3 + 2] = b;
      if (r !== g || g !== b) grey = false;
    }
    done++;
    report();
  };
  draw(first, 0);

  let next = 1;
  const worker = async () => {
    while (next < total) {
      const k = next++;
      const bitmap = await decode(jobs[k]!);
      const { width, height } = bitmap;
      if (width !== cols || height !== rows) {
        bitmap.close();
        throw new DataFormatError(
          `${jobs[k]!.where}: ${height}×${width} pixels (rows×cols), but ${jobs[0]!.where} is ${rows}×${cols}: ` +
            'the images of a folder need one size, or give a size to resize them to ({ size: [rows, cols] } to loadDataset or datasetFromFiles)',
        );
      }
      draw(bitmap, k);
    }
  };
  // The first failure stops the others from taking more images.
  const stopping = () => worker().catch((error: unknown) => ((next = total), Promise.reject(error)));
  const workers = Array.from({ length: Math.min(IN_FLIGHT, total - 1) }, stopping);
  const results = await Promise.allSettled(workers);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return { rows, cols, grey, rgb };
}

/** The decoded image (resized to `size` when given); a file the browser cannot decode is refused by name. */
async function bitmapOf(job: DecodeJob, size: readonly [number, number] | undefined, createImageBitmap: Imaging['createImageBitmap']): Promise<Bitmap> {
  const bytes = await job.read();
  const blob = new Blob([bytes as Uint8Array<ArrayBuffer>], { type: job.type });
  const resize = size ? { resizeHeight: size[0], resizeWidth: size[1], resizeQuality: 'high' } : {};
  try {
    return await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'default', ...resize });
  } catch (error) {
    throw new DataFormatError(`${job.where}: not a readable image (the browser could not decode it as ${job.type}: ${(error as Error).message})`);
  }
}
