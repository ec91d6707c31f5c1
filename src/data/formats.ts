/**
 * What tells the data formats beyond IDX apart: their file and array names. Kept apart from their
 * readers (cifar.ts, npz.ts), which load only when such data comes (see load.ts).
 */

/** CIFAR-10 and CIFAR-100: their files, label bytes (CIFAR-100: coarse then fine, the fine one is used), names. */
export interface CifarFormat {
  readonly name: string;
  readonly trainFiles: readonly string[];
  readonly testFile: string;
  readonly labelBytes: number;
  /** Which label byte is the class. */
  readonly label: number;
  readonly classes: number;
  /** The class names file, one a line (optional). */
  readonly namesFile: string;
}

export const CIFAR10: CifarFormat = {
  name: 'CIFAR-10',
  trainFiles: [1, 2, 3, 4, 5].map((k) => `data_batch_${k}.bin`),
  testFile: 'test_batch.bin',
  labelBytes: 1,
  label: 0,
  classes: 10,
  namesFile: 'batches.meta.txt',
};

export const CIFAR100: CifarFormat = {
  name: 'CIFAR-100',
  trainFiles: ['train.bin'],
  testFile: 'test.bin',
  labelBytes: 2,
  label: 1,
  classes: 100,
  namesFile: 'fine_label_names.txt',
};

/** The arrays of a NumPy data set, required first; each is stored as `${name}.npy`. */
export const NPY_ARRAYS = ['x_train', 'y_train', 'x_test', 'y_test'] as const;
/** The optional array of class names. */
export const NPY_CLASS_NAMES = 'class_names';
