/**
 * NumPy data sets: an `.npz` archive (np.savez, the layout of Keras' mnist.npz, fashion_mnist and
 * cifar10) or the same arrays as separate `.npy` files. Arrays: x_train, y_train, x_test, y_test and
 * optionally class_names. Images are [N, H, W] (grey) or [N, H, W, C] with C = 1 or 3 (channels
 * last); labels [N] or [N, 1] (Keras' CIFAR-10), class indices.
 */
import { MAX_CLASSES } from '../engine/config.js';
import { DataFormatError, makeDataset, type DataFile } from './check.js';
import type { Dataset, ImageSet } from './dataset.js';
import { npyToBytes, npyToStrings, parseNpy, shapeText, type NpyArray } from './npy.js';
import { readZip } from './zip.js';
import { NPY_ARRAYS, NPY_CLASS_NAMES } from './formats.js';


type ArrayName = (typeof NPY_ARRAYS)[number];

/** A parsed array and the name to give it in messages. */
interface Named {
  readonly array: NpyArray;
  readonly file: string;
}

/**
 * A Dataset from an `.npz` archive.
 * @example const data = await npzDataset({ name: 'mnist.npz', bytes });
 */
export async function npzDataset(file: DataFile): Promise<Dataset> {
  const entries = readZip(file.bytes, file.name);
  const read = async (name: string): Promise<Named | undefined> => {
    const entry = entries.get(`${name}.npy`);
    const where = `${file.name}: ${name}.npy`;
    return entry && { array: parseNpy(await entry.read(), where), file: where };
  };
  const missing = NPY_ARRAYS.filter((name) => !entries.has(`${name}.npy`));
  if (missing.length) {
    throw new DataFormatError(
      `${file.name}: no ${missing.join(', ')}; a data set .npz holds the arrays ${NPY_ARRAYS.join(', ')} (and optionally ${NPY_CLASS_NAMES}), ` +
        `as np.savez writes them; this one holds ${[...entries.keys()].join(', ') || 'nothing'}`,
    );
  }
  const [xTrain, yTrain, xTest, yTest, names] = await Promise.all([...NPY_ARRAYS, NPY_CLASS_NAMES].map(read));
  return datasetFromArrays({ x_train: xTrain!, y_train: yTrain!, x_test: xTest!, y_test: yTest! }, names);
}

/**
 * A Dataset from separate `.npy` files: x_train.npy, y_train.npy, x_test.npy, y_test.npy and an
 * optional class_names.npy.
 * @example const data = npyFilesDataset({ x_train: { name: 'x_train.npy', bytes }, ... });
 */
export function npyFilesDataset(files: Record<ArrayName, DataFile> & { class_names?: DataFile }): Dataset {
  const parse = (file: DataFile): Named => ({ array: parseNpy(file.bytes, file.name), file: file.name });
  const [xTrain, yTrain, xTest, yTest] = NPY_ARRAYS.map((name) => parse(files[name]));
  return datasetFromArrays({ x_train: xTrain!, y_train: yTrain!, x_test: xTest!, y_test: yTest! }, files.class_names && parse(files.class_names));
}

function datasetFromArrays(arrays: Record<ArrayName, Named>, names?: Named): Dataset {
  const train = imageSet(arrays.x_train, arrays.y_train);
  const test = imageSet(arrays.x_test, arrays.y_test);
  const files = (x: Named, y: Named) => ({ images: x.file, labels: y.file });
  return makeDataset(
    train,
    test,
    { train: files(arrays.x_train, arrays.y_train), test: files(arrays.x_test, arrays.y_test) },
    names && { names: npyToStrings(names.array, names.file), source: names.file },
  );
}

/** One split: images [N, H, W] or [N, H, W, C] and labels [N] or [N, 1], as bytes. */
function imageSet(x: Named, y: Named): ImageSet {
  const images = npyToBytes(x.array, x.file, 255, 'pixel');
  const labels = npyToBytes(y.array, y.file, MAX_CLASSES - 1, 'label');
  const shape = x.array.shape;
  const [count, rows, cols, channels = 1] = shape as [number, number, number, number?];
  if (!(shape.length === 3 || (shape.length === 4 && (channels === 1 || channels === 3)))) {
    const channelsFirst = shape.length === 4 && (shape[1] === 1 || shape[1] === 3) ? '; channels first? save x.transpose(0, 2, 3, 1)' : '';
    throw new DataFormatError(`${x.file}: images of shape ${shapeText(shape)}; expected (N, H, W) or (N, H, W, C) with C = 1 or 3${channelsFirst}`);
  }
  const labelShape = y.array.shape;
  if (!(labelShape.length === 1 || (labelShape.length === 2 && labelShape[1] === 1))) {
    const oneHot = labelShape.length === 2 ? '; one-hot labels? save y.argmax(1)' : '';
    throw new DataFormatError(`${y.file}: labels of shape ${shapeText(labelShape)}; expected class indices, shape (N,) or (N, 1)${oneHot}`);
  }
  if (labelShape[0] !== count) throw new DataFormatError(`${x.file} has ${count} images but ${y.file} has ${labelShape[0]} labels: they must match`);
  return { images, labels, count, rows, cols, channels: channels as 1 | 3 };
}
