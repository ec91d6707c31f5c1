// Builds the app's bundle www/dist/nnscope.js and the npm package's dist/ (scripts/build-package.mjs);
// with --serve builds only the app's bundle, serves www/ and prints its URL.
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { buildOptions } from './scripts/build-options.mjs';
import { buildPackage } from './scripts/build-package.mjs';
import { writeDemoData } from './scripts/demo-data.mjs';

const serve = process.argv.includes('--serve');
const port = Number(process.env.PORT ?? 8000);

if (!existsSync('www/data/train-images-idx3-ubyte.gz')) {
  execFileSync(process.execPath, ['scripts/prepare-data.mjs'], { stdio: 'inherit' });
}
writeDemoData(); // dist/data/: the small set the package ships


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
  await esbuild.build(buildOptions);
  try {
    const sizes = await buildPackage({ appBundle: 'www/dist/nnscope.js' });
    copyFileSync('dist/custom-elements.json', 'www/dist/custom-elements.json'); // the app's copy, beside its bundle
    console.log(`built www/dist/nnscope.js, www/dist/custom-elements.json and the package in dist/ (minified, gzipped):\n${sizes.join('\n')}`);
  } catch (error) {
    console.error(`build failed: ${error.message}`);
    process.exit(1);
  }
}
