/**
 * Data augmentation on the GPU (issue #14): what the `augment` text says, and the gather kernel's
 * override constants that do it (shaders/gather-batch.wgsl). Training batches only; evaluation
 * and the strips' samples see the images as they are.
 *
 * Text: comma-separated items, each at most once, in any order:
 *   shift K     translate by a random whole number of pixels in [−K, K], in x and in y
 *   flip        mirror left–right, with probability ½
 *   rotate D    rotate about the centre by a random angle in [−D, D] degrees (bilinear)
 *   noise S     add Gaussian noise of standard deviation S to each input value (after scaling)
 *   cutout N    blank a random N × N square (its centre anywhere in the image)
 * Geometry is applied to each image as rotate, then shift, then flip; pixels from outside the
 * image and blanked ones read as a zero byte (black). Every draw comes from a hash of (seed, step,
 * batch row, …): the same seed gives the same batches, and there is no per-step CPU work.
 * @example parseAugment('shift 2, flip, noise 0.1') // { shift: 2, flip: true, rotate: 0, noise: 0.1, cutout: 0 }
 */

export interface Augmentation {
  /** Largest shift in pixels (0: none). */
  readonly shift: number;
  readonly flip: boolean;
  /** Largest rotation in degrees (0: none). */
  readonly rotate: number;
  /** Standard deviation of the added noise, in input units (0: none). */
  readonly noise: number;
  /** Side of the blanked square in pixels (0: none). */
  readonly cutout: number;
}

export const NO_AUGMENTATION: Augmentation = { shift: 0, flip: false, rotate: 0, noise: 0, cutout: 0 };

/** The largest shift, rotation, noise and cutout accepted. */
const LIMITS = { shift: 64, rotate: 180, noise: 10, cutout: 1024 } as const;

const ALLOWED =
  `'shift K' (K whole pixels, 1 to ${LIMITS.shift}), 'flip', 'rotate D' (degrees, up to ${LIMITS.rotate}), ` +
  `'noise S' (standard deviation, up to ${LIMITS.noise}), 'cutout N' (an N×N square, N whole pixels); example: 'shift 2, flip, noise 0.1'`;

/** An augment text that cannot be read; the message names the item and shows the allowed forms. */
export class AugmentSyntaxError extends Error {
  override name = 'AugmentSyntaxError';
}

/** Reads augment text ('' or 'none': no augmentation). Throws AugmentSyntaxError naming the bad item. */
export function parseAugment(text: string): Augmentation {
  if (typeof text !== 'string') throw new AugmentSyntaxError(`augment must be text such as 'shift 2, flip, noise 0.1', got ${JSON.stringify(text)}`);
  const trimmed = text.trim();
  if (trimmed === '' || trimmed.toLowerCase() === 'none') return NO_AUGMENTATION;
  const result: { -readonly [K in keyof Augmentation]: Augmentation[K] } = { ...NO_AUGMENTATION };
  const seen = new Set<string>();
  for (const item of trimmed.split(',')) {
    const words = item.trim().toLowerCase().split(/\s+/);
    const [name, value, ...rest] = words;
    const bad = (why: string) => new AugmentSyntaxError(`augment item '${item.trim()}' ${why}; allowed: ${ALLOWED}`);
    if (!name) throw bad('is empty');
    if (seen.has(name)) throw bad('is given twice');
    seen.add(name);
    if (rest.length > 0) throw bad('has too many words');
    if (name === 'flip') {
      if (value !== undefined) throw bad('takes no number');
      result.flip = true;
      continue;
    }
    if (!Object.hasOwn(LIMITS, name)) throw bad('is not an augmentation');
    const key = name as keyof typeof LIMITS;
    const number = Number(value);
    const whole = key === 'shift' || key === 'cutout';
    if (value === undefined || !/^[0-9.]+(e-?[0-9]+)?$/.test(value) || !Number.isFinite(number) || number <= 0 || number > LIMITS[key] || (whole && !Number.isInteger(number))) {
      throw bad(`needs ${whole ? 'a whole number' : 'a number'} above 0 and at most ${LIMITS[key]}`);
    }
    result[key] = number;
  }
  return result;
}

/** The text that parses back to `augment` ('none' for no augmentation). */
export function augmentText(augment: Augmentation): string {
  const items = [
    augment.shift ? `shift ${augment.shift}` : '',
    augment.flip ? 'flip' : '',
    augment.rotate ? `rotate ${augment.rotate}` : '',
    augment.noise ? `noise ${augment.noise}` : '',
    augment.cutout ? `cutout ${augment.cutout}` : '',
  ].filter(Boolean);
  return items.length ? items.join(', ') : 'none';
}

/** Whether `augment` changes anything. */
export function augments(augment: Augmentation): boolean {
  return augmentText(augment) !== 'none';
}

/** The gather kernel's override constants for `augment` (none: the plain copy is compiled). */
export function augmentConstants(augment: Augmentation, seed: number, shape: { rows: number; cols: number; channels: number }): Record<string, number> {
  if (!augments(augment)) return {};
  return {
    augment: 1,
    augmentSeed: seed >>> 0,
    imageRows: shape.rows,
    imageCols: shape.cols,
    imageChannels: shape.channels,
    shiftPixels: augment.shift,
    flip: augment.flip ? 1 : 0,
    rotateRadians: (augment.rotate * Math.PI) / 180,
    noiseStd: augment.noise,
    cutoutSide: augment.cutout,
  };
}
