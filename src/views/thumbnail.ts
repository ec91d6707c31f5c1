/** Input images as small canvases (the gallery of misclassified samples): data-set bytes, not GPU state. */
import type { ImageSet } from '../data/dataset.js';

/**
 * Draws image `index` of `set` into a canvas of the image's own size (dark ink on white, like the
 * strips' input panel); scale it up with CSS `image-rendering: pixelated`.
 * @example gallery.append(imageCanvas(data.test, 42));
 */
export function imageCanvas(set: ImageSet, index: number, canvas: HTMLCanvasElement = document.createElement('canvas')): HTMLCanvasElement {
  if (!Number.isInteger(index) || index < 0 || index >= set.count) throw new RangeError(`Image ${index} does not exist: the set has images 0–${set.count - 1}.`);
  const { rows, cols } = set;
  canvas.width = cols;
  canvas.height = rows;
  const image = new ImageData(cols, rows);
  const pixels = set.images.subarray(index * rows * cols, (index + 1) * rows * cols);
  pixels.forEach((v, p) => image.data.set([255 - v, 255 - v, 255 - v, 255], p * 4));
  canvas.getContext('2d')!.putImageData(image, 0, 0);
  return canvas;
}
