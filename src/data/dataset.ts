/** One split of an image-classification data set, kept as bytes (4x smaller than floats). */
export interface ImageSet {
  /** count × rows × cols × channels pixel bytes, row-major with the channels of a pixel together (HWC). */
  readonly images: Uint8Array;
  /** count class indices, 0 to K−1 (K = the Dataset's classNames.length). */
  readonly labels: Uint8Array;
  readonly count: number;
  readonly rows: number;
  readonly cols: number;
  /** 1: grey (absent means 1); 3: RGB, interleaved per pixel (count × rows × cols × 3 bytes). */
  readonly channels?: 1 | 3;
}

/** A train/test pair plus the class names, as the engine consumes it. */
export interface Dataset {
  readonly train: ImageSet;
  readonly test: ImageSet;
  /** One name per class, in label order: K = its length, 2 ≤ K ≤ 100. */
  readonly classNames: readonly string[];
}

/** Fashion-MNIST's ten classes, in label order. */
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat',
  'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
] as const;

/** Whether `names` are Fashion-MNIST's (the views then tell its story: pullover, coat and shirt). */
export function isFashionMnist(names: readonly string[]): boolean {
  return names.length === FASHION_MNIST_CLASSES.length && names.every((name, k) => name === FASHION_MNIST_CLASSES[k]);
}

/** The shape a network is built for, taken from its data: images rows × cols × channels, K classes. */
export interface DataShape {
  readonly rows: number;
  readonly cols: number;
  /** 1: grey; 3: RGB, interleaved. */
  readonly channels: 1 | 3;
  readonly classes: number;
}

/** Fashion-MNIST's shape: 28×28 grey images, 10 classes (the engine's default). */
export const FASHION_MNIST_SHAPE: DataShape = { rows: 28, cols: 28, channels: 1, classes: FASHION_MNIST_CLASSES.length };

/** The shape of `dataset`: its train split's images; K = the number of class names (unnamed: the largest label + 1, at least 2). */
export function shapeOf(dataset: Dataset): DataShape {
  const { rows, cols } = dataset.train;
  const channels = dataset.train.channels ?? 1;
  const largest = (set: ImageSet) => set.labels.reduce((a, b) => Math.max(a, b), 0);
  return { rows, cols, channels, classes: dataset.classNames.length || Math.max(2, largest(dataset.train) + 1, largest(dataset.test) + 1) };
}

/** An image shape as files record it: '28×28×1'. */
export function shapeText({ rows, cols, channels }: DataShape): string {
  return `${rows}×${cols}×${channels}`;
}

/** Input values per image: rows × cols × channels. */
export function pixelsOf(shape: DataShape): number {
  return shape.rows * shape.cols * shape.channels;
}
