// esbuild options shared by the bundle (esbuild.mjs) and the benchmark page (scripts/bench.mjs).
import { readFile } from 'node:fs/promises';

/**
 * WGSL as text, without its comments (but with the //#for unroll directives, src/engine/unroll.ts)
 * and indentation: the shaders' prose is for readers of
 * shaders/, not for every page that loads the bundle (WGSL has no string literals, so `//` always
 * starts a comment). Lines stay lines, so tokens never merge.
 */
const wgslText = {
  name: 'wgsl-text',
  setup(build) {
    build.onLoad({ filter: /\.wgsl$/ }, async ({ path }) => {
      const source = await readFile(path, 'utf8');
      const lines = source.split('\n').map((line) => line.replace(/\/\/(?!#).*$/, '').trim()).filter(Boolean);
      return { contents: lines.join('\n') + '\n', loader: 'text' };
    });
  },
};

/**
 * The all-in-one bundles leave the video encoder (src/video/media-writer.ts, with the mediabunny
 * muxer: ~40 KiB gzipped) to a file of its own beside them, `file`, which the page loads only when
 * it makes a video (a dynamic import, relative to the bundle's URL). The split package build makes
 * it a chunk by itself.
 */
const mediaWriterAsFile = (file) => ({
  name: 'media-writer-as-file',
  setup(build) {
    build.onResolve({ filter: /\/media-writer\.js$/ }, ({ kind }) => (kind === 'dynamic-import' ? { path: `./${file}.js`, external: true } : undefined));
  },
});

export const buildOptions = {
  entryPoints: { nnscope: 'src/bundle.ts', 'nnscope-media': 'src/video/media-writer.ts' },
  outdir: 'www/dist',
  bundle: true,
  format: 'esm',
  // Chromium cannot parse standard decorators yet, so esbuild must lower them.
  target: 'es2022',
  plugins: [wgslText, mediaWriterAsFile('nnscope-media')],
  minify: true, // the sourcemap keeps stack traces readable
  sourcemap: true,
  logLevel: 'warning',
};

// The npm package's builds (scripts/build-package.mjs), all into dist/ (data/ sits there too, and
// every module finds it beside itself, so no file may go into a subfolder).

/** The CDN file: the same all-in-one bundle as the app's, one file for a <script type="module">. */
export const cdnOptions = {
  ...buildOptions, entryPoints: { 'nnscope.min': 'src/bundle.ts', 'nnscope-media.min': 'src/video/media-writer.ts' }, outdir: 'dist',
  plugins: [wgslText, mediaWriterAsFile('nnscope-media.min')],
};

/** src/elements/dom-stand-ins.ts, imported from the element entry as the file dist/dom-stand-ins.js. */
const standInsAsFile = {
  name: 'dom-stand-ins-as-file',
  setup(build) {
    build.onResolve({ filter: /\/dom-stand-ins\.js$/ }, () => ({ path: './dom-stand-ins.js', external: true }));
  },
};

/**
 * The ES modules for bundlers: the element entry and the DOM-free engine entry share their chunks
 * (one Engine class, one device cache), and Lit and wgpu-matrix stay bare imports (dependencies),
 * so a bundler dedupes them.
 */
export const packageOptions = {
  ...buildOptions,
  entryPoints: { nnscope: 'src/bundle.ts', engine: 'src/engine-entry.ts' },
  outdir: 'dist',
  splitting: true,
  external: ['lit', 'lit/*', 'wgpu-matrix'],
  plugins: [wgslText, standInsAsFile],
};

/** dist/dom-stand-ins.js on its own: the element entry imports it before Lit (see the module). */
export const standInsOptions = { ...buildOptions, entryPoints: { 'dom-stand-ins': 'src/elements/dom-stand-ins.ts' }, outdir: 'dist' };
