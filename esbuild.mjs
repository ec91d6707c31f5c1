// Builds the ES-module bundle www/dist/nnscope.js; with --serve also serves www/ and prints its URL.
import * as esbuild from 'esbuild';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { buildOptions } from './scripts/build-options.mjs';
import { buildManifest } from './scripts/custom-elements.mjs';

const serve = process.argv.includes('--serve');
const port = Number(process.env.PORT ?? 8000);

if (!existsSync('www/data/train-images-idx3-ubyte.gz')) {
  execFileSync(process.execPath, ['scripts/prepare-data.mjs'], { stdio: 'inherit' });
}

// The custom-elements manifest: attributes, properties, events, parts and CSS properties of every element.
mkdirSync('www/dist', { recursive: true });
writeFileSync('www/dist/custom-elements.json', JSON.stringify(buildManifest(), null, 2) + '\n');

if (serve) {
  const context = await esbuild.context(buildOptions);
  await context.watch();
  let actual;
  try {
    ({ port: actual } = await context.serve({ servedir: 'www', port, host: '127.0.0.1' }));
  } catch (error) {
    await context.dispose();
    console.error(/address already in use/.test(error.message)
      ? `Port ${port} is in use (another npm start?). Stop that server, or pick another port: PORT=${port + 1} npm start`
      : `Could not serve www/: ${error.message}`);
    process.exit(1);
  }
  console.log(`nnscope app: http://localhost:${actual}/  (the drop-in example: http://localhost:${actual}/embed.html)`);
} else {
  const result = await esbuild.build({ ...buildOptions, metafile: true });
  const bytes = result.metafile.outputs['www/dist/nnscope.js'].bytes;
  const gzipped = gzipSync(readFileSync('www/dist/nnscope.js')).length;
  console.log(`built www/dist/nnscope.js (${(bytes / 1024).toFixed(1)} KiB, ${(gzipped / 1024).toFixed(1)} KiB gzipped) and www/dist/custom-elements.json`);
}
