/**
 * nnscope as a consumer gets it: `npm pack`, the tarball installed into a fresh project (its
 * dependencies from the registry), a page that imports 'nnscope' bundled with esbuild and opened in
 * Chromium with WebGPU, where <nn-scope> trains three steps on the demo data shipped in the package;
 * and a consumer's TypeScript checked against the shipped declarations.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as esbuild from 'esbuild';
import puppeteer from 'puppeteer-core';
import { chromiumArgs, chromiumPath } from '../../scripts/chromium.mjs';
import { serveFolder } from '../shared/static-server.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const exec = promisify(execFile);
/**
 * npm without the npm_* variables that an enclosing `npm test` exports (npm_config_local_prefix
 * and the like would steer the inner npm to this repository); the registry and cache stay.
 */
const KEPT = /^npm_config_(registry|cache|userconfig)$/;
const npm = (args: string[], cwd: string) => {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('npm_') || KEPT.test(name)));
  return exec('npm', args, { cwd, env, maxBuffer: 64 << 20 });
};
const NETWORK_ERROR = /E(NOTFOUND|AI_AGAIN|CONNREFUSED|CONNRESET|TIMEDOUT|NETUNREACH)|network/i;

// The consumer's page: the data must be found where the package was installed.
const MAIN_TS = `import 'nnscope';
import { setBasePath } from 'nnscope';

setBasePath('/node_modules/nnscope/dist/'); // the demo data: /node_modules/nnscope/dist/data/
const scope = document.createElement('nn-scope');
document.body.append(scope);
const report = window as unknown as { result?: unknown };
scope.whenReady()
  .then(async () => {
    await scope.step(3);
    report.result = { steps: scope.engine?.stepCount };
  })
  .catch((error: Error) => (report.result = { error: error.message }));
`;

// Compiles only if the declarations type the element, its properties and its events.
const TYPES_TS = `import { type NnScope } from 'nnscope';
import { createEngine, type Engine } from 'nnscope/engine';

const el: NnScope = document.querySelector('nn-scope')!;
const epochs: number = el.epochs;
// @ts-expect-error epochs is a number
const epochsText: string = el.epochs;
el.addEventListener('nn-epoch', (event) => {
  const accuracy: number | undefined = event.detail.testAccuracy;
  // @ts-expect-error testAccuracy is a number
  const accuracyText: string = event.detail.testAccuracy;
  console.log(accuracy, accuracyText);
});
const engine: Promise<Engine> = createEngine({ layers: [8] });
const created: NnScope = document.createElement('nn-scope');
console.log(epochs, epochsText, engine, created);
`;

test('npm pack → install in a fresh project → bundle, type-check, and train three steps in Chromium', { timeout: 600_000 }, async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'nnscope-consumer-'));
  try {
    await npm(['pack', '--pack-destination', work], repo); // prepack builds dist/
    const tarball = readdirSync(work).find((name) => name.endsWith('.tgz'));
    assert.ok(tarball, 'npm pack wrote a tarball');

    const app = join(work, 'app');
    mkdirSync(join(app, 'src'), { recursive: true });
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: { nnscope: `file:../${tarball}` } }));
    try {
      await npm(['install', '--prefer-offline', '--no-audit', '--no-fund'], app);
    } catch (error) {
      const text = String((error as { stderr?: string }).stderr ?? error);
      if (NETWORK_ERROR.test(text)) return t.skip(`the npm registry is unreachable: ${text.split('\n').find((line) => NETWORK_ERROR.test(line))}`);
      throw error;
    }

    writeFileSync(join(app, 'src/main.ts'), MAIN_TS);
    writeFileSync(join(app, 'src/types.ts'), TYPES_TS);
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'es2022', module: 'esnext', moduleResolution: 'bundler', lib: ['es2022', 'dom', 'dom.iterable'], strict: true, noEmit: true },
      include: ['src'],
    }));
    const tsc = await exec(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', join(app, 'tsconfig.json')]).catch((error) => error as { stdout: string });
    assert.equal(tsc.stdout.trim(), '', 'the consumer type-checks against the shipped declarations');

    await esbuild.build({ absWorkingDir: app, entryPoints: ['src/main.ts'], outfile: 'app.js', bundle: true, format: 'esm', target: 'es2022', logLevel: 'error' });
    writeFileSync(join(app, 'index.html'), '<!doctype html>\n<meta charset="utf-8">\n<script type="module" src="/app.js"></script>\n');

    const server = await serveFolder(app);
    const browser = await puppeteer.launch({ executablePath: chromiumPath, headless: true, args: [...chromiumArgs] });
    try {
      const page = await browser.newPage();
      const pageErrors: string[] = [];
      page.on('pageerror', (error) => pageErrors.push(String(error)));
      await page.goto(`http://127.0.0.1:${server.port}/`);
      await page.waitForFunction('window.result !== undefined', { timeout: 300_000 });
      const result = await page.evaluate('window.result');
      assert.deepEqual(pageErrors, [], 'no page error');
      assert.deepEqual(result, { steps: 3 });
      assert.ok(server.requests.includes('/node_modules/nnscope/dist/data/train-images-idx3-ubyte.gz'), `data from the package: ${server.requests.join(' ')}`);
    } finally {
      await browser.close();
      await server.close();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
