// esbuild options shared by the bundle (esbuild.mjs) and the benchmark page (scripts/bench.mjs).
export const buildOptions = {
  entryPoints: { nnscope: 'src/bundle.ts' },
  outdir: 'www/dist',
  bundle: true,
  format: 'esm',
  // Chromium cannot parse standard decorators yet, so esbuild must lower them.
  target: 'es2022',
  loader: { '.wgsl': 'text' },
  minify: true, // the sourcemap keeps stack traces readable
  sourcemap: true,
  logLevel: 'warning',
};
