/**
 * Where nnscope's own assets live: the folder that holds `data/` (the demo Fashion-MNIST set that
 * ships in the package). Like Shoelace's setBasePath(): a bundler or a CDN moves the script away
 * from its assets, so the page can say where they are. No DOM is touched at module level.
 */

import { pageUrl } from './data/fetch.js';

/** The attribute that names the base path on a script tag: `<script src="…" data-nnscope-base="/assets/nnscope/">`. */
export const BASE_PATH_ATTRIBUTE = 'data-nnscope-base';

let explicitBasePath: string | undefined;

/** What this module reads of the page's document, where there is one (not in workers or Node). */
interface PageDocument {
  querySelector(selector: string): { getAttribute(name: string): string | null } | null;
}

/** The base path asked for, and who asked: setBasePath(), else a script tag; none: the module's folder. */
function chosenBasePath(): { path?: string; source: string } {
  if (explicitBasePath !== undefined) return { path: explicitBasePath, source: 'set by setBasePath()' };
  const script = (globalThis as { document?: PageDocument }).document?.querySelector(`script[${BASE_PATH_ATTRIBUTE}]`);
  const path = script?.getAttribute(BASE_PATH_ATTRIBUTE) ?? undefined;
  return path === undefined ? { source: "the bundle's own folder" } : { path, source: `set by the script tag's ${BASE_PATH_ATTRIBUTE}` };
}

/**
 * Sets the folder URL that holds nnscope's `data/` folder (relative URLs resolve against the page).
 * @example
 * import { setBasePath } from 'nnscope';
 * setBasePath('/node_modules/nnscope/dist/'); // data from /node_modules/nnscope/dist/data/
 */
export function setBasePath(url: string | URL): void {
  explicitBasePath = String(url);
}

/**
 * The base path in effect, as an absolute URL ending in '/': setBasePath()'s, else a script tag's
 * `data-nnscope-base`, else the folder of this module (right when the package's files are served
 * as they are, e.g. from a CDN).
 */
export function getBasePath(): string {
  const chosen = chosenBasePath().path;
  let url: URL;
  try {
    url = new URL(chosen ?? moduleFolder() ?? './', pageUrl());
  } catch {
    throw new Error(`nnscope's base path ${JSON.stringify(chosen ?? './')} is not a URL here (no page to resolve it against): give setBasePath() an absolute URL.`);
  }
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url.href;
}

/** How the base path was chosen, for messages when something is not found there. */
export function basePathSource(): string {
  return chosenBasePath().source;
}

/** The URL of the demo data folder. */
export function demoDataUrl(): string {
  return new URL('data/', getBasePath()).href;
}

/** This module's folder, if its URL has folders (a blob: or data: module has none). */
function moduleFolder(): string | undefined {
  try {
    const url = new URL('./', import.meta.url);
    return url.protocol === 'blob:' || url.protocol === 'data:' ? undefined : url.href;
  } catch {
    return undefined;
  }
}
