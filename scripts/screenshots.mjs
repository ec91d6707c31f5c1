// `npm run screenshots`: retakes the README's figures (www/screenshots/*.png) from the real app
// (www/index.html, one <nn-scope>) in headless Chromium. It serves www/ with esbuild, trains one
// epoch (seed 1; under a minute to a few minutes on SwiftShader), and photographs the element and
// its parts in the state the README describes; then the same in dark mode. First, one photograph
// 30 s into training (app-training.png).
import * as esbuild from 'esbuild';
import puppeteer from 'puppeteer-core';
import { mkdirSync, readFileSync } from 'node:fs';
import { chromiumArgs, chromiumPath } from './chromium.mjs';
import { buildOptions } from './build-options.mjs';

const outDir = 'www/screenshots';
mkdirSync(outDir, { recursive: true });
const context = await esbuild.context(buildOptions);
const { port } = await context.serve({ servedir: 'www', host: '127.0.0.1', port: 0 });
const started = Date.now();
const log = (text) => console.log(`${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s  ${text}`);

/** A page of www/ at `width` × `height`, in the light or dark system theme, its errors logged. */
async function openPage(browser, path, width, height, dark = false) {
  const page = await browser.newPage();
  page.on('pageerror', (error) => log(`[page exception] ${error.message}`));
  await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: dark ? 'dark' : 'light' }]);
  await page.setViewport({ width, height, deviceScaleFactor: 1 });
  await page.goto(`http://127.0.0.1:${port}${path}`);
  return page;
}

/** Opens the app and trains one epoch; resolves with the page once the epoch's evaluation is shown. */
async function trainedApp(browser, { dark = false } = {}) {
  const page = await openPage(browser, '/', 1280, 900, dark);
  const epoch = await page.evaluate(() => new Promise((resolve, reject) => {
    const scope = document.querySelector('nn-scope');
    scope.setAttribute('sample-rate', '0');
    const go = () => {
      scope.addEventListener('nn-epoch', (event) => scope.pause().then(() => resolve(event.detail)), { once: true });
      scope.start();
    };
    scope.addEventListener('nn-error', (event) => reject(new Error(event.detail.message)));
    if (scope.session) go();
    else scope.addEventListener('nn-ready', go, { once: true });
  }));
  log(`${dark ? 'dark' : 'light'}: epoch ${epoch.epoch}, test accuracy ${(100 * epoch.testAccuracy).toFixed(2)}%, weight change ${epoch.weightChange.map((c) => c.toFixed(3)).join(' / ')}`);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  return page;
}

const part = (page, name) => page.evaluateHandle((n) => document.querySelector('nn-scope').shadowRoot.querySelector(n), name);
const settle = () => new Promise((resolve) => setTimeout(resolve, 1200));

/** The app 30 s into training, test images animating at 2/s: what the page shows while it learns. */
async function whileTraining(browser) {
  const page = await openPage(browser, '/', 1280, 900);
  await page.evaluate(() => new Promise((resolve) => {
    const scope = document.querySelector('nn-scope');
    const go = () => (scope.start(), resolve());
    if (scope.session) go();
    else scope.addEventListener('nn-ready', go, { once: true });
  }));
  await new Promise((resolve) => setTimeout(resolve, 30_000));
  await page.screenshot({ path: `${outDir}/app-training.png`, clip: { x: 0, y: 0, width: 1280, height: 900 } });
  const state = await page.evaluate(() => {
    const session = document.querySelector('nn-scope').session;
    return `step ${session.engine.stepCount}, showing test image #${session.shown?.index} (${session.engine.msPerStep?.toFixed(0)} ms per step)`;
  });
  log(`wrote ${outDir}/app-training.png: ${state}`);
  await page.close();
}

/** www/blog.html: the element in a 680-px blog column, 20 s into training. */
async function blogColumn(browser) {
  const page = await openPage(browser, '/blog.html', 1000, 1500);
  await page.evaluate(() => void document.querySelector('nn-scope').start());
  await new Promise((resolve) => setTimeout(resolve, 20_000));
  await page.screenshot({ path: `${outDir}/blog-column.png` });
  log(`wrote ${outDir}/blog-column.png`);
  await page.close();
}

/**
 * The app on a generated 32×32 RGB data set of 10 classes (a hue and a shape per class, on noise),
 * 25 s into training: colour inputs, colour first-layer tiles, the data's own class names.
 */
async function rgbTraining(browser) {
  const page = await openPage(browser, '/', 1280, 1300);
  await page.evaluate(() => new Promise((resolve) => {
    const NAMES = ['red disc', 'orange square', 'yellow disc', 'green square', 'teal disc', 'cyan square', 'blue disc', 'violet square', 'pink disc', 'white square'];
    const HUES = [[230, 40, 40], [240, 140, 30], [230, 220, 40], [50, 180, 60], [30, 160, 150], [60, 200, 230], [50, 80, 220], [140, 70, 210], [230, 110, 180], [235, 235, 235]];
    let seed = 7;
    const random = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
    const set = (count) => {
      const images = new Uint8Array(count * 32 * 32 * 3);
      const labels = new Uint8Array(count);
      for (let i = 0; i < count; i++) {
        const label = i % 10;
        labels[i] = label;
        const [cx, cy, r] = [10 + random() * 12, 10 + random() * 12, 6 + random() * 4];
        for (let p = 0; p < 1024; p++) {
          const [x, y] = [p % 32, Math.floor(p / 32)];
          const inside = label % 2 ? Math.max(Math.abs(x - cx), Math.abs(y - cy)) < r : (x - cx) ** 2 + (y - cy) ** 2 < r * r;
          for (let k = 0; k < 3; k++) images[(i * 1024 + p) * 3 + k] = inside ? Math.min(255, HUES[label][k] * (0.7 + 0.3 * random())) : Math.floor(random() * 70);
        }
      }
      return { images, labels, count, rows: 32, cols: 32, channels: 3 };
    };
    const scope = document.querySelector('nn-scope');
    scope.setAttribute('sample-rate', '1');
    scope.addEventListener('nn-ready', () => (void scope.start(), resolve()), { once: true });
    scope.data = { train: set(4000), test: set(500), classNames: NAMES };
  }));
  await new Promise((resolve) => setTimeout(resolve, 25_000));
  await page.screenshot({ path: `${outDir}/rgb-training.png`, clip: { x: 0, y: 0, width: 1280, height: 1300 } });
  log(`wrote ${outDir}/rgb-training.png`);
  await page.close();
}

/** The app with the cnn preset's layers on the demo data, `seconds` into training: feature maps and filters while it learns. */
async function cnnTraining(browser, seconds = 60) {
  const page = await openPage(browser, '/', 1280, 1300);
  await page.evaluate(() => new Promise((resolve, reject) => {
    const scope = document.querySelector('nn-scope');
    scope.addEventListener('nn-error', (event) => reject(new Error(event.detail.message)));
    scope.setAttribute('sample-rate', '1');
    scope.setAttribute('layers', 'conv 3x3 16, pool 2, conv 3x3 32, pool 2, 64');
    // The MLP may be ready first; the CNN replaces it (nothing trained yet) with a second nn-ready.
    const isCnn = (engine) => engine?.config.layers.some((layer) => layer.kind === 'conv');
    const go = () => (void scope.start(), resolve());
    if (isCnn(scope.session?.engine)) go();
    else scope.addEventListener('nn-ready', function ready(event) {
      if (!isCnn(event.detail.engine)) return;
      scope.removeEventListener('nn-ready', ready);
      go();
    });
  }));
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  await page.screenshot({ path: `${outDir}/cnn-training.png`, clip: { x: 0, y: 0, width: 1280, height: 1300 } });
  const state = await page.evaluate(() => `step ${document.querySelector('nn-scope').session.engine.stepCount}`);
  log(`wrote ${outDir}/cnn-training.png: ${state}`);
  // After the first epoch (and its evaluation): the maps, filters and class means the README shows.
  const epoch = await page.evaluate(() => new Promise((resolve) => {
    const scope = document.querySelector('nn-scope');
    scope.addEventListener('nn-epoch', (event) => scope.pause().then(() => resolve(event.detail)), { once: true });
  }));
  log(`cnn: epoch ${epoch.epoch}, test accuracy ${(100 * epoch.testAccuracy).toFixed(2)}%`);
  await settle();
  for (const [name, file] of [['nn-strips', 'cnn-maps.png'], ['nn-weights', 'cnn-filters.png'], ['nn-class-means', 'cnn-class-means.png']]) {
    await (await part(page, name)).screenshot({ path: `${outDir}/${file}` });
    log(`wrote ${outDir}/${file}`);
  }
  await page.close();
}

/** The training batch view (issue #14) with every kind of augmentation, `seconds` into training of the reference MLP. */
async function augmentedBatch(browser, seconds = 20) {
  const page = await openPage(browser, '/', 1280, 900);
  await page.evaluate(() => new Promise((resolve, reject) => {
    const scope = document.querySelector('nn-scope');
    scope.addEventListener('nn-error', (event) => reject(new Error(event.detail.message)));
    scope.setAttribute('augment', 'shift 2, flip, rotate 10, noise 0.1, cutout 8');
    scope.setAttribute('view', 'controls,batch');
    const augmented = (engine) => engine?.config.augment.flip;
    const go = () => (void scope.start(), resolve());
    if (augmented(scope.session?.engine)) go();
    else scope.addEventListener('nn-ready', function ready(event) {
      if (!augmented(event.detail.engine)) return;
      scope.removeEventListener('nn-ready', ready);
      go();
    });
  }));
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  await settle();
  await (await part(page, 'nn-batch')).screenshot({ path: `${outDir}/augment-batch.png` });
  const state = await page.evaluate(() => `step ${document.querySelector('nn-scope').session.engine.stepCount}, training ${document.querySelector('nn-scope').session.training}`);
  log(`wrote ${outDir}/augment-batch.png: ${state}`);
  await page.close();
}

/**
 * Saliency (issue #14) after a short training of the reference MLP (`steps` steps): the strips of a
 * coat the network calls a shirt, with d logit / d pixel of both classes beside the input
 * (test/screenshots/saliency.png), and the coat → shirt cell's mean saliency in the confusion
 * explorer (saliency-cell.png beside it).
 */
async function saliency(browser, steps = 150) {
  const page = await openPage(browser, '/', 1280, 1400);
  const found = await page.evaluate((n) => new Promise((resolve, reject) => {
    const scope = document.querySelector('nn-scope');
    scope.setAttribute('sample-rate', '0');
    scope.setAttribute('view', 'strips,confusion');
    scope.addEventListener('nn-error', (event) => reject(new Error(event.detail.message)));
    const go = async () => {
      await scope.step(n);
      const evaluation = await scope.evaluate();
      const session = scope.session;
      const labels = session.dataset.test.labels;
      const coats = [...evaluation.predictions.keys()].filter((i) => labels[i] === 4 && evaluation.predictions[i] === 6);
      await session.showSample(coats[0]);
      resolve({ index: coats[0], count: coats.length, accuracy: evaluation.accuracy, step: session.engine.stepCount });
    };
    if (scope.session) void go().catch(reject);
    else scope.addEventListener('nn-ready', () => void go().catch(reject), { once: true });
  }), steps);
  log(`saliency: step ${found.step}, test accuracy ${(100 * found.accuracy).toFixed(2)}%, ${found.count} coats called shirts; showing #${found.index}`);
  await settle();
  await (await part(page, 'nn-strips')).screenshot({ path: 'test/screenshots/saliency.png' });
  log('wrote test/screenshots/saliency.png');
  const started = Date.now();
  await page.evaluate(() => {
    const confusion = document.querySelector('nn-scope').shadowRoot.querySelector('nn-confusion');
    confusion.panel.open(4, 6); // as a click on the cell (true Coat, predicted Shirt) does
  });
  await page.waitForFunction(() => /Mean d logit/.test(document.querySelector('nn-scope').shadowRoot.querySelector('nn-confusion').shadowRoot.querySelector('.saliency-status').textContent), { timeout: 300_000 });
  log(`the coat → shirt cell's mean saliency took ${Date.now() - started} ms (click to drawn)`);
  await settle();
  await (await part(page, 'nn-confusion')).screenshot({ path: 'test/screenshots/saliency-cell.png' });
  log('wrote test/screenshots/saliency-cell.png');
  await page.close();
}

/**
 * Comparing runs (issue #14): the reference MLP (A) and a small CNN (B), `epochs` epochs each on the
 * first 10,000 training images, tested on the same first 2,000 test images, in <nn-compare>
 * (test/screenshots/compare.png; with --dark, compare-dark.png in the dark theme).
 */
async function compareRuns(browser, { epochs = 2, dark = false } = {}) {
  const page = await openPage(browser, '/', 1280, 1400, dark);
  const runs = await page.evaluate((epochs) => (async () => {
    const { loadFashionMnist } = await import('/dist/nnscope.js');
    const full = await loadFashionMnist('data/');
    const first = (set, n) => ({ ...set, count: n, images: set.images.subarray(0, n * set.rows * set.cols), labels: set.labels.subarray(0, n) });
    const data = { train: first(full.train, 10_000), test: first(full.test, 2_000), classNames: full.classNames };
    document.querySelector('main').innerHTML = `
      <nn-scope id="mlp" hidden view="none" loading="eager" epochs="${epochs}"></nn-scope>
      <nn-scope id="cnn" hidden view="none" loading="eager" epochs="${epochs}" layers="conv 3x3 8, pool 2, 64"></nn-scope>
      <nn-compare for="mlp cnn"></nn-compare>`;
    const found = [];
    for (const id of ['mlp', 'cnn']) {
      const scope = document.getElementById(id);
      scope.data = data;
      await scope.whenReady();
      const started = performance.now();
      await scope.start();
      found.push(`${id}: ${(100 * scope.session.evaluation.accuracy).toFixed(2)}% after ${epochs} epochs (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    }
    const compare = document.querySelector('nn-compare');
    await new Promise((resolve) => setTimeout(resolve, 500));
    return `${found.join('; ')}; ${compare.comparison.largestChanges.slice(0, 3).map((c) => c.text).join('; ')}`;
  })(), epochs);
  log(`compare: ${runs}`);
  await settle();
  const file = `test/screenshots/compare${dark ? '-dark' : ''}.png`;
  await (await page.$('nn-compare')).screenshot({ path: file });
  log(`wrote ${file}`);
  await page.close();
}

/** <nn-compare> of two saved evaluation files (`--compare-files A.json B.json`, e.g. from `npm run train -- --evaluations`), into www/screenshots/compare-story.png. */
async function compareFiles(browser, [fileA, fileB]) {
  const page = await openPage(browser, '/', 1280, 1400);
  const texts = [readFileSync(fileA, 'utf8'), readFileSync(fileB, 'utf8')];
  const changes = await page.evaluate(async ([a, b]) => {
    document.querySelector('main').innerHTML = '<nn-compare></nn-compare>';
    const compare = document.querySelector('nn-compare');
    await compare.loadRun(new File([a], 'a.json'), 'a');
    await compare.loadRun(new File([b], 'b.json'), 'b');
    await new Promise((resolve) => setTimeout(resolve, 500));
    return compare.comparison.largestChanges.slice(0, 5).map((c) => c.text).join('; ');
  }, texts);
  log(`compare: ${changes}`);
  await settle();
  await (await page.$('nn-compare')).screenshot({ path: `${outDir}/compare-story.png` });
  log(`wrote ${outDir}/compare-story.png`);
  await page.close();
}

const browser = await puppeteer.launch({ executablePath: chromiumPath, args: [...chromiumArgs], headless: true, protocolTimeout: 600_000 });
try {
  if (process.argv.includes('--blog')) {
    await blogColumn(browser);
    process.exit(0);
  }
  const files = process.argv.indexOf('--compare-files');
  if (files > 0) {
    await compareFiles(browser, process.argv.slice(files + 1, files + 3));
    process.exit(0);
  }
  if (process.argv.includes('--compare')) {
    await compareRuns(browser, { dark: process.argv.includes('--dark') });
    process.exit(0);
  }
  if (process.argv.includes('--saliency')) {
    await saliency(browser);
    process.exit(0);
  }
  if (process.argv.includes('--augment')) {
    await augmentedBatch(browser);
    process.exit(0);
  }
  if (process.argv.includes('--cnn')) {
    await cnnTraining(browser);
    process.exit(0);
  }
  if (process.argv.includes('--rgb')) {
    await rgbTraining(browser);
    process.exit(0);
  }
  await blogColumn(browser);
  await rgbTraining(browser);
  await whileTraining(browser);
  const page = await trainedApp(browser);
  // The most confused pair's gallery, its first image in the strips.
  await page.evaluate(() => {
    const confusion = document.querySelector('nn-scope').shadowRoot.querySelector('nn-confusion');
    confusion.shadowRoot.querySelector('button.pair').click();
  });
  await settle();
  await page.evaluate(() => window.scrollTo(0, 0)); // the gallery scrolled its pick into view
  await page.screenshot({ path: `${outDir}/app.png`, clip: { x: 0, y: 0, width: 1280, height: 1300 } });
  log(`wrote ${outDir}/app.png`);
  for (const [name, file] of [['nn-confusion', 'confusion-explorer.png'], ['nn-class-means', 'class-means.png'], ['nn-curves', 'curves.png'], ['nn-strips', 'layer-outputs.png']]) {
    await (await part(page, name)).screenshot({ path: `${outDir}/${file}` });
    log(`wrote ${outDir}/${file}`);
  }
  const pairs = await page.evaluate(() => document.querySelector('nn-scope').shadowRoot.querySelector('nn-confusion').shadowRoot.querySelector('.pairs').textContent);
  log(`pairs: ${pairs}`);
  const change = await page.evaluate(() => {
    const points = document.querySelector('nn-scope').session.curves.changes;
    const show = (p) => `step ${p.step}: ${p.change.map((c) => c.toExponential(2)).join(' / ')}`;
    return `${points.length} points; first ${show(points[0])}; last ${show(points.at(-1))}`;
  });
  log(`weight change per step (16-step chunks, layers 1/2/3): ${change}`);
  // Replay: the second recorded snapshot.
  const caption = await page.evaluate(() => {
    const session = document.querySelector('nn-scope').session;
    session.setReplay(session.engine.history.snapshots[1]);
    const history = session.engine.history;
    return `${history.length} snapshots, ${(history.length * history.bytesPerSnapshot / 2 ** 20).toFixed(1)} MiB, ${(history.bytesPerSnapshot / 2 ** 20).toFixed(2)} MiB each, room for ${Math.floor(history.budgetBytes / history.bytesPerSnapshot)}`;
  });
  await settle();
  await (await part(page, 'nn-weights')).screenshot({ path: `${outDir}/weights-replay.png` });
  log(`wrote ${outDir}/weights-replay.png (history: ${caption})`);
  // Live again, showing how far each weight moved since initialisation.
  await page.evaluate(() => {
    const scope = document.querySelector('nn-scope');
    scope.session.setReplay(undefined);
    const select = scope.shadowRoot.querySelector('nn-weights').shadowRoot.querySelector('select');
    select.value = 'changeSinceInit';
    select.dispatchEvent(new Event('change'));
  });
  await settle();
  await (await part(page, 'nn-weights')).screenshot({ path: `${outDir}/weights-change.png` });
  log(`wrote ${outDir}/weights-change.png`);
  await page.close();

  const dark = await trainedApp(browser, { dark: true });
  await dark.screenshot({ path: `${outDir}/app-dark.png`, clip: { x: 0, y: 0, width: 1280, height: 1300 } });
  log(`wrote ${outDir}/app-dark.png`);
} finally {
  await browser.close();
  await context.dispose();
}
