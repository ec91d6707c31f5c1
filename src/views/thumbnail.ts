/** Input images as small canvases (the gallery of misclassified samples): data-set bytes, not GPU state. */
import type { ImageSet } from '../data/dataset.js';

/**
 * Draws image `index` of `set` into a canvas of the image's own size: grey images as dark ink on
 * white (like the strips' input panel), colour images in their colours. Scale it up with CSS
 * `image-rendering: pixelated`.
 * @example gallery.append(imageCanvas(data.test, 42));
 */
export function imageCanvas(set: ImageSet, index: number, canvas: HTMLCanvasElement = document.createElement('canvas')): HTMLCanvasElement {
  if (!Number.isInteger(index) || index < 0 || index >= set.count) throw new RangeError(`Image ${index} does not exist: the set has images 0–${set.count - 1}.`);
  const { rows, cols } = set;
  const channels = set.channels ?? 1;
  canvas.width = cols;
  canvas.height = rows;
  const image = new ImageData(cols, rows);
  const size = rows * cols * channels;
  const pixels = set.images.subarray(index * size, (index + 1) * size);
  for (let p = 0; p < rows * cols; p++) {
    const rgb = channels === 3 ? pixels.subarray(3 * p, 3 * p + 3) : [255 - pixels[p]!, 255 - pixels[p]!, 255 - pixels[p]!];
    image.data.set([rgb[0]!, rgb[1]!, rgb[2]!, 255], p * 4);
  }
  canvas.getContext('2d')!.putImageData(image, 0, 0);
  return canvas;
}
