// Builds the npm package's files into dist/ (beside dist/data/, which demo-data.mjs writes):
//   nnscope.js + engine.js (+ shared chunks)  ES modules for bundlers; lit and wgpu-matrix imported
//   dom-stand-ins.js                          loaded by nnscope.js before Lit (src/elements/dom-stand-ins.ts)
//   nnscope.min.js                            everything in one file, for a CDN <script type="module">
//   nnscope-media.min.js                      its video encoder and muxer, loaded beside it with the first video
//   types/                                    declarations (tsc), custom-elements.json (the manifest)
// and returns a size line per output. Fails when an element bundle passes its gzip budget.
import * as esbuild from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { cdnOptions, packageOptions, standInsOptions } from './build-options.mjs';

/**
 * Gzipped budgets (issue #11): the element bundle (dist/nnscope.js with the chunks it loads at once;
 * Lit and wgpu-matrix are the page's own dependencies there), and the all-in-one file that also
 * holds Lit (~15 KiB) and wgpu-matrix (~9 KiB: its one factory builds every namespace, so no
 * bundler can drop the parts nnscope does not use). The all-in-one budget went from 90 to 94 KiB
 * with the GEMM kernels (issue #16: the register and the tiled cores and three dense kernels, ~2 KiB
 * gzipped, beside the scalar kernels that other widths need), to 96 KiB with the convolution
 * and pooling kernels (issue #13, ~2 KiB), and to 100 KiB with CNNs in the engine (issue #13: the
 * layer text and its messages, the conv and pool passes, PyTorch conv import: ~3 KiB, measured
 * with esbuild's metafile; the feature-map views will need some of the rest), and to 122 KiB with
 * issue #14, each part measured by leaving it out of the build: GPU augmentation with its view,
 * the conv weight gradient's partial sums and the class-rows kernel 2.4 KiB; saliency (its pass,
 * four kernels, the strips' tiles and the confusion cell's mean) about 5.5 KiB; the run comparison
 * (<nn-compare>, its charts, compareEvaluations, the evaluation file) 9.4 KiB. The element bundle's
 * budget went from 80 to 100 KiB for the same. Issue #15 (videos) added 7.5 KiB to the all-in-one
 * file, measured with esbuild's metafile: the history export, live recorder, frame composer and
 * PNG-zip writer (~12 KiB minified, their option checks and messages included) and the controls'
 * Video and Record buttons; its encoder and muxer (mediabunny, ~40 KiB gzipped) is a file of its
 * own that loads with the first video (dist/nnscope-media.min.js, www/dist/nnscope-media.js), and
 * the element bundle loads all of the video code as lazy chunks. The output layer's ragged GEMM
 * kernels (issue #16: three WGSL files, 0.6 KiB gzipped) took the element bundle from 99.7 to
 * 100.3 KiB and the all-in-one file from 126.2 to 126.9 KiB: their budgets went to 101 and 128 KiB
 * (the comparison, 9.4 KiB, is the candidate to load lazily when more room is needed).
 */
export const ELEMENT_BUNDLE_BUDGET = 101 * 1024;
export const ALL_IN_ONE_BUDGET = 128 * 1024;

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
    for (const { path, external, kind } of outputs[file].imports) if (!external && kind !== 'dynamic-import') closure(path, seen); // lazy chunks load on demand
    return seen;
  };
  const measure = (files) => ({ bytes: files.reduce((sum, f) => sum + readFileSync(f).length, 0), gzip: files.reduce((sum, f) => sum + gzipped(f), 0) });
  const rows = [
    ['dist/nnscope.js', [...closure('dist/nnscope.js')], ELEMENT_BUNDLE_BUDGET, 'element entry with the chunks it loads at once, without lit and wgpu-matrix'],
    ['dist/engine.js', [...closure('dist/engine.js')], undefined, 'engine entry with its chunks'],
    ['dist/nnscope.min.js', ['dist/nnscope.min.js'], ALL_IN_ONE_BUDGET, 'CDN, all in one'],
    ['dist/nnscope-media.min.js', ['dist/nnscope-media.min.js'], undefined, 'video encoder and muxer, loaded with the first video'],
  ];
  if (appBundle) rows.push([appBundle, [appBundle], ALL_IN_ONE_BUDGET, 'the app, all in one']);
  const lines = [];
  const over = [];
  for (const [name, files, budget, note] of rows) {
    const { bytes, gzip } = measure(files);
    lines.push(`  ${name.padEnd(22)} ${kib(bytes).padStart(10)}  ${kib(gzip).padStart(9)} gzipped  (${note})`);
    if (budget && gzip > budget) over.push(`${name} is ${kib(gzip)} gzipped, over its ${kib(budget)}`);
  }
  if (over.length) throw new Error(`bundles over their budgets: ${over.join('; ')}. Find what grew (esbuild's metafile) before raising a budget.`);
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
