// `npm run screenshots`: retakes the README's figures (www/screenshots/*.png) from the real demo in
// headless Chromium. It serves www/ with esbuild, trains one epoch (seed 1; about 2–3 minutes on
// SwiftShader), then photographs each card of the page in the state the README describes.
import * as esbuild from 'esbuild';
import puppeteer from 'puppeteer-core';
import { mkdirSync } from 'node:fs';
import { chromiumArgs, chromiumPath } from './chromium.mjs';
import { buildOptions } from './build-options.mjs';

const outDir = 'www/screenshots';
mkdirSync(outDir, { recursive: true });
const context = await esbuild.context(buildOptions);
const { port } = await context.serve({ servedir: 'www', host: '127.0.0.1', port: 0 });
const started = Date.now();
const log = (text) => console.log(`${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s  ${text}`);

// A copy: puppeteer splices --enable-features out of the array it is given.
const browser = await puppeteer.launch({ executablePath: chromiumPath, args: [...chromiumArgs], headless: true });
try {
  const page = await browser.newPage();
  page.on('pageerror', (error) => log(`[page exception] ${error.message}`));
  await page.setViewport({ width: 1280, height: 900, deviceScaleFactor: 1 });
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.waitForSelector('#train:not([disabled])', { timeout: 120_000 });
  log('demo ready; training one epoch');
  await page.click('#train');
  // The demo evaluates after the epoch; the most-confused-pair buttons appear when that is done.
  await page.waitForSelector('#pairs button.pair', { timeout: 900_000 });
  log(`trained: ${await page.$eval('#status', (el) => el.textContent)}`);

  await page.click('#pairs button.pair'); // the most confused pair: fills the gallery and its strips
  await page.select('#means-mode', 'compare');
  await page.select('#means-a', '2');
  await page.select('#means-b', '6');
  await page.$eval('#timeline', (el) => {
    el.value = '1'; // the second snapshot: step `every` of the recorded history
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await new Promise((resolve) => setTimeout(resolve, 1500)); // a few animation frames

  const cards = await page.$$('.card');
  const shots = [
    ['curves.png', 0],
    ['weights-replay.png', 2],
    ['confusion-explorer.png', 3],
    ['class-means.png', 4],
  ];
  for (const [name, index] of shots) {
    await cards[index].screenshot({ path: `${outDir}/${name}` });
    log(`wrote ${outDir}/${name}`);
  }
  log(`timeline: ${await page.$eval('#timeline-caption', (el) => el.textContent)}`);
  log(`pairs: ${await page.$eval('#pairs', (el) => el.textContent)}`);
} finally {
  await browser.close();
  await context.dispose();
}
