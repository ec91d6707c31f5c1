/**
 * What every `<nn-scope>` on a page shares: one GPUDevice (replaced when it is lost) and one parsed
 * copy of each data set. Elements never destroy these; each destroys only the GPU resources it made.
 */
import { requestDevice } from '../gpu/device.js';
import { BASE_PATH_ATTRIBUTE, basePathSource, demoDataUrl } from '../assets.js';
import { loadFashionMnist } from '../data/idx.js';
import { DataFetchError, dataUrl, pageUrl, type LoadProgress } from '../data/fetch.js';
import { loadDataset, type DatasetOptions } from '../data/load.js';
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

/** A data set being fetched (or fetched) once for the page, and who follows its download. */
interface SharedLoad {
  dataset: Promise<Dataset>;
  progress?: LoadProgress;
  readonly listeners: Set<(progress: LoadProgress) => void>;
}

const loads = new Map<string, SharedLoad>();

/**
 * The data set at `src` (relative to the page; any format loadDataset reads), read once per page
 * for each `options` (an image folder's size). The demo set is Fashion-MNIST, with its class names;
 * its errors say how to tell nnscope where its assets are. `onProgress` follows the download (at
 * once with the bytes so far).
 */
export function sharedDataset(src: string, onProgress?: (progress: LoadProgress) => void, options: DatasetOptions = {}): Promise<Dataset> {
  let url: string;
  try {
    url = dataUrl(src, pageUrl()).href;
  } catch (error) {
    return Promise.reject(error);
  }
  const key = `${url} ${JSON.stringify(options)}`;
  const load = loads.get(key) ?? startLoad(url, key, options);
  if (onProgress) {
    load.listeners.add(onProgress);
    if (load.progress) onProgress(load.progress);
  }
  return load.dataset;
}

function startLoad(url: string, key: string, options: DatasetOptions): SharedLoad {
  const listeners = new Set<(progress: LoadProgress) => void>();
  const report = (progress: LoadProgress) => {
    load.progress = progress;
    for (const listener of listeners) listener(progress);
  };
  const demo = url === demoDataUrl();
  const dataset = demo ? loadFashionMnist(url, report).catch((error: Error) => Promise.reject(demoDataError(error, url))) : loadDataset(url, report, options);
  const load: SharedLoad = { dataset, listeners };
  loads.set(key, load);
  dataset.catch(() => loads.delete(key)).finally(() => listeners.clear()); // a failed fetch may be retried
  return load;
}

/** The demo data was not where the base path says: name the URL and the ways to set it. */
function demoDataError(error: Error, url: string): Error {
  if (!(error instanceof DataFetchError)) return error;
  return new DataFetchError(
    `${error.message.split('. ')[0]}. nnscope looked for its demo data at ${url} (base path ${basePathSource()}). ` +
      "Serve the package's dist/data/ folder and say where it is: setBasePath('/path/to/nnscope/dist/') from 'nnscope', " +
      `or ${BASE_PATH_ATTRIBUTE}="/path/to/nnscope/dist/" on the script tag; or give the element src="folder/of/idx/files/".`,
  );
}
