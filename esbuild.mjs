// Builds the ES-module bundle www/dist/nnscope.js; with --serve also serves www/ and prints its URL.
import * as esbuild from 'esbuild';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { buildOptions } from './scripts/build-options.mjs';

const serve = process.argv.includes('--serve');
const port = Number(process.env.PORT ?? 8000);

if (!existsSync('www/data/train-images-idx3-ubyte.gz')) {
  execFileSync(process.execPath, ['scripts/prepare-data.mjs'], { stdio: 'inherit' });
}

if (serve) {
  const context = await esbuild.context(buildOptions);
  await context.watch();
  const { port: actual } = await context.serve({ servedir: 'www', port, host: '127.0.0.1' });
  console.log(`nnscope demo: http://localhost:${actual}/`);
} else {
  const result = await esbuild.build({ ...buildOptions, metafile: true });
  const bytes = result.metafile.outputs['www/dist/nnscope.js'].bytes;
  console.log(`built www/dist/nnscope.js (${(bytes / 1024).toFixed(1)} KiB)`);
}
