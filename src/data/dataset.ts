/** One split of an image-classification data set, kept as bytes (4x smaller than floats). */
export interface ImageSet {
  /** count × rows × cols pixel bytes, row-major, 0 = background. */
  readonly images: Uint8Array;
  /** count class indices, 0–9. */
  readonly labels: Uint8Array;
  readonly count: number;
  readonly rows: number;
  readonly cols: number;
}

/** A train/test pair plus the class names, as the engine consumes it. */
export interface Dataset {
  readonly train: ImageSet;
  readonly test: ImageSet;
  readonly classNames: readonly string[];
}

/** Fashion-MNIST's ten classes, in label order. */
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat',
  'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
] as const;
