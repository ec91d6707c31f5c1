/** Driving `<nn-scope>` in browser tests as a user would: a small data set, events awaited with a timeout, view pixels. */
import { loadFashionMnist } from '../../src/data/idx.js';
import type { Dataset, ImageSet } from '../../src/data/dataset.js';
import type { CanvasView } from '../../src/views/canvas-view.js';
import type { NnScope } from '../../src/elements/nn-scope.js';
import '../../src/elements/index.js';

let full: Promise<Dataset> | undefined;

function firstOf(set: ImageSet, count: number): ImageSet {
  const size = set.rows * set.cols;
  return { ...set, count, images: set.images.subarray(0, count * size), labels: set.labels.subarray(0, count) };
}

/** The first `train` and `test` images of the embedded Fashion-MNIST (fetched once per page). */
export async function smallDataset(train = 512, test = 200): Promise<Dataset> {
  full ??= loadFashionMnist('/www/data/');
  const data = await full;
  return { train: firstOf(data.train, train), test: firstOf(data.test, test), classNames: data.classNames };
}

/** Resolves with the next `type` event's detail from `target`; rejects after `ms`. */
export function nextEvent<T = unknown>(target: EventTarget, type: string, ms = 60_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${type} event within ${ms / 1000} s`)), ms);
    target.addEventListener(type, (event) => {
      clearTimeout(timer);
      resolve((event as CustomEvent<T>).detail);
    }, { once: true });
  });
}

/**
 * Adds an `<nn-scope>` with `attributes` (and the small data set unless `data: false`) to the page;
 * resolves when it fired nn-ready.
 */
export async function addScope(attributes: Record<string, string> = {}, { data = true, parent = document.body } = {}): Promise<NnScope> {
  const element = document.createElement('nn-scope');
  // Eager: tests stack elements below the fold; lazy loading has its own test.
  for (const [name, value] of Object.entries({ loading: 'eager', ...attributes })) element.setAttribute(name, value);
  if (data) element.data = await smallDataset();
  const ready = nextEvent(element, 'nn-ready');
  const failed = nextEvent<{ message: string }>(element, 'nn-error').then((detail) => Promise.reject(new Error(detail.message)));
  parent.append(element);
  await Promise.race([ready, failed]);
  return element;
}

/** The view's pixels, drawn afresh (a PNG of the canvas: works for canvases shown on the page). */
export async function viewPixels(view: CanvasView): Promise<Uint8ClampedArray> {
  const bitmap = await createImageBitmap(await view.toPNG());
  const context = new OffscreenCanvas(bitmap.width, bitmap.height).getContext('2d')!;
  context.drawImage(bitmap, 0, 0);
  return context.getImageData(0, 0, bitmap.width, bitmap.height).data;
}

/** Share of bytes that differ by more than `tolerance`. */
export function differingShare(a: Uint8ClampedArray, b: Uint8ClampedArray, tolerance = 2): number {
  if (a.length !== b.length) return 1;
  let differ = 0;
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i] - b[i]) > tolerance) differ++;
  return differ / a.length;
}

/** Waits until `condition()` holds (polling each frame); rejects after `ms`. */
export async function until(condition: () => boolean, what: string, ms = 30_000): Promise<void> {
  const start = performance.now();
  while (!condition()) {
    if (performance.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => requestAnimationFrame(resolve));
  }
}
