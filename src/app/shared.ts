/**
 * What every `<nn-scope>` on a page shares: one GPUDevice (replaced when it is lost) and one parsed
 * copy of each data set. Elements never destroy these; each destroys only the GPU resources it made.
 */
import { requestDevice } from '../gpu/device.js';
import { idxUrl, loadFashionMnist, loadIdxDataset } from '../data/idx.js';
import type { Dataset } from '../data/dataset.js';

let device: Promise<GPUDevice> | undefined;

/** The page's device: requested on first use, again after a loss. */
export function sharedDevice(): Promise<GPUDevice> {
  if (!device) {
    const request = requestDevice();
    device = request;
    const forget = () => {
      if (device === request) device = undefined;
    };
    request.then((d) => d.lost.then(forget), forget);
  }
  return device;
}

const datasets = new Map<string, Promise<Dataset>>();

/** The data set at `src` (a folder of IDX files), or the Fashion-MNIST copy shipped next to the bundle; fetched once per page. */
export function sharedDataset(src?: string): Promise<Dataset> {
  let key: string;
  try {
    key = src ? idxUrl(src, location.href).href : '';
  } catch (error) {
    return Promise.reject(error);
  }
  let dataset = datasets.get(key);
  if (!dataset) {
    dataset = src ? loadIdxDataset(key) : loadFashionMnist();
    datasets.set(key, dataset);
    dataset.catch(() => datasets.delete(key)); // a failed fetch may be retried
  }
  return dataset;
}
