// Builds the npm package's files into dist/ (beside dist/data/, which demo-data.mjs writes):
//   nnscope.js + engine.js (+ shared chunks)  ES modules for bundlers; lit and wgpu-matrix imported
//   dom-stand-ins.js                          loaded by nnscope.js before Lit (src/elements/dom-stand-ins.ts)
//   nnscope.min.js                            everything in one file, for a CDN <script type="module">
//   types/                                    declarations (tsc), custom-elements.json (the manifest)
// and returns a size line per output. Fails when an element bundle passes its gzip budget.
import * as esbuild from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { cdnOptions, packageOptions, standInsOptions } from './build-options.mjs';

/** What a page that shows <nn-scope> downloads at most, gzipped (issue #11). */
export const ELEMENT_BUNDLE_BUDGET = 80 * 1024;

const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
const gzipped = (file) => gzipSync(readFileSync(file)).length;

/** Builds dist/; returns the lines to print. `appBundle` (www/dist/nnscope.js) is checked against the budget too. */
export async function buildPackage({ appBundle } = {}) {
  // Old chunks have other hashes: clear everything but the demo data.
  mkdirSync('dist', { recursive: true });
  for (const name of readdirSync('dist')) if (name !== 'data') rmSync(join('dist', name), { recursive: true, force: true });

  const [modules] = await Promise.all([
    esbuild.build({ ...packageOptions, metafile: true }),
    esbuild.build(standInsOptions),
    esbuild.build(cdnOptions),
  ]);
  checkStandInsFirst('dist/nnscope.js');
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  // The manifest, by @custom-elements-manifest/analyzer (custom-elements-manifest.config.mjs).
  execFileSync(process.execPath, ['node_modules/@custom-elements-manifest/analyzer/cem.js', 'analyze'], { stdio: 'ignore' });

  // Sizes: an entry of the split build counts with every chunk it imports.
  const outputs = modules.metafile.outputs;
  const closure = (file, seen = new Set()) => {
    if (seen.has(file)) return seen;
    seen.add(file);
    for (const { path, external } of outputs[file].imports) if (!external) closure(path, seen);
    return seen;
  };
  const measure = (files) => ({ bytes: files.reduce((sum, f) => sum + readFileSync(f).length, 0), gzip: files.reduce((sum, f) => sum + gzipped(f), 0) });
  const rows = [
    ['dist/nnscope.js', [...closure('dist/nnscope.js')], true, 'element entry with its chunks, without lit and wgpu-matrix'],
    ['dist/engine.js', [...closure('dist/engine.js')], false, 'engine entry with its chunks'],
    ['dist/nnscope.min.js', ['dist/nnscope.min.js'], true, 'CDN, all in one'],
  ];
  if (appBundle) rows.push([appBundle, [appBundle], true, 'the app, all in one']);
  const lines = [];
  const over = [];
  for (const [name, files, isElementBundle, note] of rows) {
    const { bytes, gzip } = measure(files);
    lines.push(`  ${name.padEnd(22)} ${kib(bytes).padStart(10)}  ${kib(gzip).padStart(9)} gzipped  (${note})`);
    if (isElementBundle && gzip > ELEMENT_BUNDLE_BUDGET) over.push(`${name} is ${kib(gzip)} gzipped`);
  }
  if (over.length) {
    throw new Error(`element bundle over its budget of ${kib(ELEMENT_BUNDLE_BUDGET)} gzipped: ${over.join('; ')}. Find what grew (esbuild's metafile) before raising the budget.`);
  }
  return lines;
}

/** ESM runs a module's imports before its body, so the stand-ins must be imported before lit. */
function checkStandInsFirst(file) {
  const code = readFileSync(file, 'utf8');
  const standIns = code.indexOf('"./dom-stand-ins.js"');
  const lit = code.search(/from\s*"lit(\/[^"]*)?"/);
  if (standIns < 0 || lit < 0 || standIns > lit) {
    throw new Error(`${file}: ./dom-stand-ins.js must be imported before lit (found at ${standIns}, lit at ${lit})`);
  }
}
