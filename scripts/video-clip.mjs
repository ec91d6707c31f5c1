// `npm run video-clip`: the README's clip. Opens the app (www/index.html) in headless Chromium,
// trains one epoch of the reference MLP on Fashion-MNIST (seed 1), then presses the same export a
// user gets from the Video button: the recorded history (a snapshot every 16 steps) as a WebM of
// the first-layer weights, 8 fps, one snapshot a frame. Writes www/media/weights-epoch1.webm, a
// photograph of the controls while it exports (www/screenshots/video-export.png), and an animated
// PNG preview decoded back from the WebM (www/media/weights-epoch1-preview.png) for the README.
import * as esbuild from 'esbuild';
import puppeteer from 'puppeteer-core';
import { mkdirSync, writeFileSync } from 'node:fs';
import { chromiumArgs, chromiumPath } from './chromium.mjs';
import { buildOptions } from './build-options.mjs';
import { assembleApng } from './apng.mjs';

const FPS = 8;
const PREVIEW = { width: 640, every: 2, levels: 16 }; // every second frame at half the rate: the same 3.75 s in half the bytes
mkdirSync('www/media', { recursive: true });
const context = await esbuild.context(buildOptions);
const { port } = await context.serve({ servedir: 'www', host: '127.0.0.1', port: 0 });
const started = Date.now();
const log = (text) => console.log(`${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s  ${text}`);
const reader = await esbuild.build({ entryPoints: ['www/video-preview.ts'], bundle: true, format: 'esm', write: false, target: 'es2022', logLevel: 'warning' });

const browser = await puppeteer.launch({ executablePath: chromiumPath, args: [...chromiumArgs], headless: true, protocolTimeout: 900_000 });
try {
  const page = await browser.newPage();
  page.on('pageerror', (error) => log(`[page exception] ${error.message}`));
  await page.setViewport({ width: 1280, height: 900, deviceScaleFactor: 1 });
  await page.goto(`http://127.0.0.1:${port}/`);
  const epoch = await page.evaluate(() => new Promise((resolve, reject) => {
    const scope = document.querySelector('nn-scope');
    scope.setAttribute('sample-rate', '0');
    scope.addEventListener('nn-error', (event) => reject(new Error(event.detail.message)));
    scope.whenReady().then(() => {
      scope.addEventListener('nn-epoch', (event) => scope.pause().then(() => resolve(event.detail)), { once: true });
      scope.start();
    });
  }));
  log(`epoch ${epoch.epoch}: test accuracy ${(100 * epoch.testAccuracy).toFixed(2)}%`);
  await page.addScriptTag({ content: reader.outputFiles[0].text, type: 'module' }); // previewFrames, toBase64
  // The export, as the Video button starts it; the controls are photographed at its third frame.
  await page.evaluate((fps) => {
    const scope = document.querySelector('nn-scope');
    window.exported = scope.exportVideo({ views: ['weights'], quantity: 'changeSinceInit', fps, width: 960 }).then(async (blob) => {
      window.exportedBlob = blob;
      return { base64: await globalThis.toBase64(blob), type: blob.type };
    });
    window.thirdFrame = new Promise((resolve) => scope.addEventListener('nn-video-progress', (e) => e.detail.frame === 3 && resolve(e.detail)));
  }, FPS);
  const third = await page.evaluate(() => window.thirdFrame);
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  const controls = await page.evaluateHandle(() => document.querySelector('nn-scope').shadowRoot.querySelector('nn-controls'));
  await controls.screenshot({ path: 'www/screenshots/video-export.png' });
  log(`photographed the controls at frame ${third.frame} of ${third.frames}`);
  const exported = await page.evaluate(() => window.exported);
  const webm = Buffer.from(exported.base64, 'base64');
  writeFileSync('www/media/weights-epoch1.webm', webm);
  log(`wrote www/media/weights-epoch1.webm: ${(webm.length / 1024).toFixed(0)} KiB, ${exported.type}`);
  // The preview: the WebM decoded back in the page, its frames scaled down, as an animated PNG.
  const preview = await page.evaluate((options) => globalThis.previewFrames(window.exportedBlob, options.width, options.every, options.levels), PREVIEW);
  log(`decoded ${preview.count} frames, ${preview.duration.toFixed(3)} s (${preview.fps.toFixed(2)} fps)`);
  const apng = assembleApng(preview.frames.map((f) => Buffer.from(f, 'base64')), { delayMs: (1000 * PREVIEW.every) / FPS });
  writeFileSync('www/media/weights-epoch1-preview.png', apng);
  log(`wrote www/media/weights-epoch1-preview.png: ${(apng.length / 1024).toFixed(0)} KiB, ${preview.frames.length} frames`);
} finally {
  await browser.close();
  await context.dispose();
}
