// `npm run bench`: nnscope vs TensorFlow.js (webgpu and wasm backends) in ONE headless Chromium on
// the same WebGPU adapter. Bundles www/bench.ts, serves it with a tiny static server on 127.0.0.1,
// runs the page, streams its progress, prints the JSON and a table, writes bench-results/bench.json.
//
//   npm run bench                       reference workload 5 epochs ×3 frameworks, nnfs preset 10 epochs,
//                                       CNN preset 1 epoch ×3 frameworks on 5,000 train / 2,000 test images
//   npm run bench -- --quick            smoke run: 1 epoch on a 10,000-image subset, nnfs 1 epoch, CNN on 2,000 / 1,000
//   npm run bench -- --only=nnscope,tfjs-webgpu --epochs=2
//   npm run bench -- --only=cnn,tfjs-webgpu-cnn,tfjs-wasm-cnn --cnn-subset=2000 --cnn-test-subset=1000
// Flags: --quick, --only=probe|nnscope|augment|tfjs-webgpu|tfjs-wasm|nnfs|views|app|cnn|tfjs-webgpu-cnn|tfjs-wasm-cnn[,…],
//        --epochs=N, --nnfs-epochs=N, --subset=N (train images), --repeats=N (timed inference passes),
//        --cnn-epochs=N, --cnn-subset=N (CNN train images), --cnn-test-subset=N (CNN test images: its test
//        accuracy and inference passes), --yield=auto|batch|epoch|never (TF.js fit's yieldEvery),
//        --augment='TEXT' (the augment workload's; default every kind: 'shift 2, flip, rotate 10, noise 0.1, cutout 8'),
//        --wasm-threads=N, --out=FILE, --timeout-min=N, --headful.
import * as esbuild from 'esbuild';
import puppeteer from 'puppeteer-core';
import { createServer } from 'node:http';
import { createReadStream, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromiumArgs, chromiumPath } from './chromium.mjs';
import { buildOptions } from './build-options.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const WORKLOADS = ['probe', 'nnscope', 'augment', 'tfjs-webgpu', 'tfjs-wasm', 'nnfs', 'views', 'app', 'cnn', 'tfjs-webgpu-cnn', 'tfjs-wasm-cnn'];

// ── options ──────────────────────────────────────────────────────────────────────────────────────
function parseArgs(argv) {
  const flags = new Map();
  for (const arg of argv) {
    const m = /^--([\w-]+)(?:=(.*))?$/.exec(arg);
    if (!m) fail(`unknown argument ${arg} (flags look like --epochs=3; see the header of scripts/bench.mjs)`);
    flags.set(m[1], m[2] ?? true);
  }
  const known = ['quick', 'only', 'augment', 'epochs', 'nnfs-epochs', 'subset', 'repeats', 'cnn-epochs', 'cnn-subset', 'cnn-test-subset', 'yield', 'wasm-threads', 'out', 'timeout-min', 'headful', 'help'];
  for (const key of flags.keys()) if (!known.includes(key)) fail(`unknown flag --${key}; known: ${known.map((k) => `--${k}`).join(' ')}`);
  if (flags.has('help')) {
    console.log(
      `usage: npm run bench -- [--quick] [--only=${WORKLOADS.join(',')}] [--epochs=N] [--nnfs-epochs=N] [--subset=N] [--repeats=N] ` +
        '[--cnn-epochs=N] [--cnn-subset=N (CNN train images)] [--cnn-test-subset=N (CNN test images)] ' +
        "[--augment='shift 2, flip'] [--yield=auto|batch|epoch|never] [--wasm-threads=N] [--out=FILE] [--timeout-min=N] [--headful]",
    );
    process.exit(0);
  }
  const int = (key, fallback, min = 1) => {
    if (!flags.has(key)) return fallback;
    const value = Number(flags.get(key));
    if (!Number.isInteger(value) || value < min) fail(`--${key} must be an integer ≥ ${min}, got ${flags.get(key)}`);
    return value;
  };
  const quick = flags.has('quick');
  const only = flags.has('only') ? String(flags.get('only')).split(',').filter(Boolean) : WORKLOADS;
  const bad = only.filter((w) => !WORKLOADS.includes(w));
  if (bad.length || only.length === 0) fail(`--only takes a comma-separated list of ${WORKLOADS.join(', ')}; got ${flags.get('only')}`);
  const yieldEvery = flags.get('yield') ?? 'auto';
  if (!['auto', 'batch', 'epoch', 'never'].includes(yieldEvery)) fail(`--yield must be auto, batch, epoch or never, got ${yieldEvery}`);
  const config = {
    epochs: int('epochs', quick ? 1 : 5),
    nnfsEpochs: int('nnfs-epochs', quick ? 1 : 10),
    trainSubset: flags.has('subset') ? int('subset', null) : quick ? 10_000 : null,
    only: WORKLOADS.filter((w) => only.includes(w)),
    inferenceRepeats: int('repeats', 3),
    yieldEvery,
    seed: 1,
    wasmThreads: flags.has('wasm-threads') ? int('wasm-threads', null) : null,
    cnnEpochs: int('cnn-epochs', 1),
    cnnSubset: int('cnn-subset', quick ? 2000 : 5000),
    cnnTestSubset: int('cnn-test-subset', quick ? 1000 : 2000),
    ...(flags.has('augment') ? { augment: flags.get('augment') } : {}),
  };
  return {
    config,
    quick,
    out: flags.get('out') ?? join('bench-results', quick ? 'bench-quick.json' : 'bench.json'),
    // TF.js webgpu trains the CNN at ~5 samples/s on SwiftShader: ~15 min at the quick subsets.
    timeoutMs: int('timeout-min', quick ? 45 : 150) * 60_000,
    headful: flags.has('headful'),
  };
}

function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(2);
}

// ── static server: only what the page needs ──────────────────────────────────────────────────────
const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.gz': 'application/gzip', // the IDX loader gunzips itself: no Content-Encoding
};

/** URL path → file under the repository, or null (404). */
function route(pathname) {
  if (pathname === '/' || pathname === '/bench.html') return 'www/bench.html';
  if (pathname === '/dist/bench.js' || pathname === '/dist/bench.js.map') return `www${pathname}`;
  let m = /^\/data\/([\w-][\w.-]*)$/.exec(pathname);
  if (m) return `www/data/${m[1]}`;
  m = /^\/tfjs-wasm\/(tfjs-backend-wasm[\w-]*\.wasm)$/.exec(pathname);
  if (m) return `node_modules/@tensorflow/tfjs-backend-wasm/dist/${m[1]}`;
  return null;
}

function startServer() {
  const server = createServer((req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://127.0.0.1');
    // Cross-origin isolation lets TF.js pick its multi-threaded SIMD wasm binary (SharedArrayBuffer).
    const headers = {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cross-Origin-Resource-Policy': 'same-origin',
      'Cache-Control': 'no-store',
    };
    if (pathname === '/favicon.ico') return res.writeHead(204, headers).end();
    const rel = route(pathname);
    const file = rel && join(root, rel);
    let stat;
    try {
      stat = file && statSync(file);
    } catch {}
    if (!stat?.isFile() || req.method !== 'GET') {
      console.error(`bench: server: ${req.method} ${pathname} → 404`);
      return res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' }).end('not found');
    }
    const ext = /\.[^.]+$/.exec(file)?.[0] ?? '';
    res.writeHead(200, { ...headers, 'Content-Type': MIME[ext] ?? 'application/octet-stream', 'Content-Length': stat.size });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// ── formatting ───────────────────────────────────────────────────────────────────────────────────
const pct = (x) => (x == null || Number.isNaN(x) ? '—' : `${(x * 100).toFixed(2)}%`);
const rate = (x) => (x == null || Number.isNaN(x) ? '—' : Math.round(x).toLocaleString('en-US'));
const ratio = (a, b) => (a && b ? `${(a / b).toFixed(2)}×` : '—');

function table(rows, header) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function report(result) {
  const { config, runs = {} } = result;
  const out = [];
  const a = result.adapter;
  out.push('');
  out.push(`nnscope vs TensorFlow.js — ${result.data?.train ?? '?'} train / ${result.data?.test ?? '?'} test images`);
  out.push(`adapter: ${a ? `${a.vendor} / ${a.architecture} / ${a.description || a.device || '(no description)'}` : 'none (no WebGPU)'}`);
  out.push(`browser: ${result.userAgent}`);
  const accEpochs = [...new Set([1, Math.min(5, config.epochs), config.epochs])];
  const reference = ['nnscope', 'tfjs-webgpu', 'tfjs-wasm'].filter((n) => runs[n]);
  if (reference.length) {
    out.push(`reference workload: 784-128-128-10 ReLU, softmax-CE, SGD momentum 0.9 lr 0.01, batch 128, x/255, Glorot-uniform; ${config.epochs} epoch(s)`);
    out.push('');
    const header = ['workload', 'train samples/s', 'train (epoch 1)', 'inference samples/s', ...accEpochs.map((e) => `test acc @${e}`), 'setup s'];
    const rows = reference.map((n) => {
      const r = runs[n];
      if (!r.ok && !r.epochs?.length) return [n, `FAILED: ${String(r.error).split('\n')[0]}`, '', '', ...accEpochs.map(() => ''), ''];
      return [
        n + (r.ok ? '' : ' (failed)'),
        rate(r.train?.medianSamplesPerSecond),
        rate(r.train?.firstEpochSamplesPerSecond),
        rate(r.inference?.samplesPerSecond),
        ...accEpochs.map((e) => pct(r.testAccuracy?.[e])),
        r.setupSeconds?.toFixed(1) ?? '—',
      ];
    });
    out.push(table(rows, header));
    out.push('train samples/s: median over epochs of samples / wall time of one whole epoch (work finished); inference: median of');
    out.push(`${config.inferenceRepeats} timed passes over the test set (nnscope evaluate(); TF.js predict in batches of 1000 + argmax read back).`);
    const n = runs.nnscope;
    if (n?.train) {
      const rows2 = ['tfjs-webgpu', 'tfjs-wasm']
        .filter((o) => runs[o]?.train)
        .map((o) => [`nnscope / ${o}`, ratio(n.train.medianSamplesPerSecond, runs[o].train.medianSamplesPerSecond), ratio(n.inference?.samplesPerSecond, runs[o].inference?.samplesPerSecond)]);
      if (rows2.length) out.push('', table(rows2, ['ratio', 'training', 'inference']));
    }
    // Achieved GFLOP/s: samples/s × the products' work per sample, against the probe's best matmul.
    const probe = runs.probe;
    const flops = result.flopsPerSample;
    const gflops = (rate, perSample) => (rate && perSample ? (rate * perSample) / 1e9 : undefined);
    const rows3 = reference.filter((name) => runs[name]?.train).map((name) => {
      const r = runs[name];
      const train = gflops(r.train.medianSamplesPerSecond, flops?.training);
      const infer = gflops(r.inference?.samplesPerSecond, flops?.inference);
      return [name, train?.toFixed(2) ?? '—', probe?.best ? `${((100 * train) / probe.best.gflops).toFixed(0)}%` : '—', infer?.toFixed(2) ?? '—'];
    });
    if (rows3.length) {
      out.push('', table(rows3, ['GFLOP/s', 'training', 'of the probe\'s best', 'inference']));
      out.push(`(training counts ${(flops.training / 1e6).toFixed(3)} MFLOP per sample: forward and weight gradients of every layer, input gradients of all but the first; inference ${(flops.inference / 1e6).toFixed(3)})`);
    }
  }
  const aug = runs.augment;
  if (aug) {
    out.push('');
    out.push(`augmentation: the reference workload with augment '${result.augment ?? '?'}' (gathered on the GPU), same run:`);
    const plain = runs.nnscope;
    out.push(table([
      ['augment', rate(aug.train?.medianSamplesPerSecond), plain?.train ? ratio(aug.train?.medianSamplesPerSecond, plain.train.medianSamplesPerSecond) : '—', ...accEpochs.map((e) => pct(aug.testAccuracy?.[e]))],
    ], ['workload', 'train samples/s', 'vs nnscope', ...accEpochs.map((e) => `test acc @${e}`)]));
  }
  out.push(...cnnReport(result));
  const probe = runs.probe;
  if (probe) {
    out.push('');
    if (!probe.ok) out.push(`probe failed: ${probe.error}`);
    else {
      out.push(`matmul probe (${probe.shape.rows}×${probe.shape.inputs} · ${probe.shape.inputs}×${probe.shape.outputs}, the engine's GEMM core with other blocks):`);
      out.push(table(probe.candidates.map((c) => [c.name, c.gflops.toFixed(2), c === probe.best || c.name === probe.best.name ? 'best' : c.name === probe.engine?.name ? 'engine' : '']), ['candidate', 'GFLOP/s', '']));
    }
  }
  const f = runs.nnfs;
  if (f) {
    out.push('');
    out.push(`nnfs preset (784-128-128-10, Adam lr 0.001 decay 1e-3, batch 128, inputs in [−1, 1], 0.01·N(0,1) init), ${config.nnfsEpochs} epoch(s):`);
    if (f.epochs?.length) {
      out.push(
        table(
          [
            ['test accuracy', ...f.epochs.map((e) => pct(e.testAccuracy))],
            ['train loss', ...f.epochs.map((e) => e.trainLoss.toFixed(4))],
            ['train samples/s', ...f.epochs.map((e) => rate(e.trainSamplesPerSecond))],
          ],
          ['epoch', ...f.epochs.map((e) => String(e.epoch))],
        ),
      );
      out.push(`train ${rate(f.train?.medianSamplesPerSecond)} samples/s (median epoch), inference ${rate(f.inference?.samplesPerSecond)} samples/s`);
    }
    if (!f.ok) out.push(`FAILED: ${f.error}`);
  }
  const v = runs.views;
  if (v?.ok) {
    out.push('');
    out.push(`views (${v.size.width}×${v.size.height}: all layer strips + all weight textures of the reference network):`);
    out.push(
      table(
        [
          ['zero-copy views, alone', v.framesPerSecondAlone.toFixed(1), '', ''],
          ['naive read-back + Canvas 2D', v.naiveFramesPerSecond.toFixed(1), '', ''],
          ['zero-copy / naive', ratio(v.framesPerSecondAlone, v.naiveFramesPerSecond), '', ''],
          [`training, views off (chunks of ${v.stepsPerChunk})`, '', rate(v.trainSamplesPerSecondViewsOff), ''],
          [`training, views on (chunks of ${v.stepsPerChunk})`, v.framesPerSecondWhileTraining.toFixed(1), rate(v.trainSamplesPerSecondViewsOn), ratio(v.trainSamplesPerSecondViewsOn, v.trainSamplesPerSecondViewsOff)],
        ],
        ['', 'frames/s', 'train samples/s', 'on / off'],
      ),
    );
  }
  const app = runs.app;
  if (app?.ok) {
    out.push('');
    out.push(`app: training ${app.steps} steps with the page's frame rate (test images at 2/s), same page; ratios against the bare engine:`);
    const bare = app.runs[0].samplesPerSecond;
    out.push(
      table(
        app.runs.map((r) => [r.label, rate(r.samplesPerSecond), ratio(r.samplesPerSecond, bare), r.pageFramesPerSecond.toFixed(1), r.weightsFramesPerSecond.toFixed(1), r.longestFrameGapMs.toFixed(0), r.msPerStep?.toFixed(1) ?? '']),
        ['', 'train samples/s', 'vs engine', 'page frames/s', 'weights frames/s', 'longest frame gap ms', 'GPU ms/step'],
      ),
    );
    for (const r of app.runs.slice(1)) out.push(`${r.label}: frames drawn ${Object.entries(r.framesPerView).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}; ${r.samplesShown} test images shown`);
  }
  for (const [name, r] of Object.entries(runs)) if (!r.ok) out.push('', `${name} failed: ${r.error}`);
  if (result.pageWarnings?.length) out.push('', `page warnings/errors (${result.pageWarnings.length}): see "pageWarnings" in the JSON`);
  out.push('', `total ${(result.totalSeconds ?? 0).toFixed(0)} s`);
  return out.join('\n');
}

/** The CNN section: the three frameworks on presets.cnn's network, their ratios and GFLOP/s. */
function cnnReport(result) {
  const { config, runs = {} } = result;
  const names = ['cnn', 'tfjs-webgpu-cnn', 'tfjs-wasm-cnn'].filter((n) => runs[n]);
  if (!names.length) return [];
  const out = [''];
  out.push(
    `CNN (presets.cnn: conv 3x3 16, pool 2, conv 3x3 32, pool 2, 64, 10; ReLU, Adam lr 0.001, batch 64, x/255, Glorot-uniform), ` +
      `${config.cnnEpochs} epoch(s) on ${result.cnnData?.train ?? '?'} train / ${result.cnnData?.test ?? '?'} test images:`,
  );
  const accEpochs = [...new Set([1, config.cnnEpochs])];
  const perSample = result.cnnFlopsPerSample?.training;
  const rows = names.map((n) => {
    const r = runs[n];
    if (!r.ok && !r.epochs?.length) return [n, 'FAILED', '', ...accEpochs.map(() => ''), '', ''];
    const train = r.train?.medianSamplesPerSecond;
    return [
      n + (r.ok ? '' : ' (failed)'),
      rate(train),
      rate(r.inference?.samplesPerSecond),
      ...accEpochs.map((e) => pct(r.testAccuracy?.[e])),
      train && perSample ? ((train * perSample) / 1e9).toFixed(2) : '—',
      r.setupSeconds?.toFixed(1) ?? '—',
    ];
  });
  out.push(table(rows, ['workload', 'train samples/s', 'inference samples/s', ...accEpochs.map((e) => `test acc @${e}`), 'train GFLOP/s', 'setup s']));
  for (const n of names) if (!runs[n].ok) out.push(`${n}: ${String(runs[n].error).split('\n')[0]}`);
  for (const n of names) if (runs[n].info?.trainingUnavailable) out.push(`${n}: ${runs[n].info.trainingUnavailable}`);
  if (perSample) out.push(`(train GFLOP/s counts ${(perSample / 1e6).toFixed(3)} MFLOP per sample: forward and weight gradients of every layer, input gradients of all but the first)`);
  const n = runs.cnn;
  if (n?.train) {
    const ratios = ['tfjs-webgpu-cnn', 'tfjs-wasm-cnn']
      .filter((o) => runs[o]?.ok)
      .map((o) => [`cnn / ${o}`, runs[o].train ? ratio(n.train.medianSamplesPerSecond, runs[o].train.medianSamplesPerSecond) : '—', ratio(n.inference?.samplesPerSecond, runs[o].inference?.samplesPerSecond)]);
    if (ratios.length) out.push('', table(ratios, ['ratio', 'training', 'inference']));
  }
  return out;
}

// ── main ─────────────────────────────────────────────────────────────────────────────────────────
const options = parseArgs(process.argv.slice(2));
process.chdir(root);
if (!existsSync('www/data/train-images-idx3-ubyte.gz')) fail('www/data/ has no Fashion-MNIST: run `npm run prepare-data` first');

const built = Date.now();
await esbuild.build({ ...buildOptions, entryPoints: { bench: 'www/bench.ts' } });
console.log(`bench: built www/dist/bench.js in ${Date.now() - built} ms`);

const server = await startServer();
const origin = `http://127.0.0.1:${server.address().port}`;
const started = Date.now();
const stamp = () => `${((Date.now() - started) / 1000).toFixed(0).padStart(5)} s`;
const pageWarnings = [];
let browser;
let exitCode = 0;
try {
  // A copy: puppeteer splices --enable-features out of the array it is given (merging it into its own).
  browser = await puppeteer.launch({ executablePath: chromiumPath, args: [...chromiumArgs], headless: !options.headful });
  const page = await browser.newPage();
  let finish;
  const done = new Promise((resolve, reject) => {
    finish = resolve;
    page.on('error', (error) => reject(new Error(`the page crashed: ${error.message}`)));
    setTimeout(() => reject(new Error(`no result after ${options.timeoutMs / 60_000} min (--timeout-min)`)), options.timeoutMs).unref();
  });
  page.on('console', (msg) => {
    const text = msg.text();
    if (text.startsWith('[bench] ')) return console.log(`${stamp()}  ${text.slice(8)}`);
    const type = msg.type();
    console.log(`${stamp()}  [page ${type}] ${text}`);
    if (type === 'warn' || type === 'warning' || type === 'error') pageWarnings.push({ type, text });
  });
  page.on('pageerror', (error) => {
    console.log(`${stamp()}  [page exception] ${error.message}`);
    pageWarnings.push({ type: 'exception', text: error.message });
  });
  page.on('requestfailed', (req) => console.log(`${stamp()}  [page request failed] ${req.url()}: ${req.failure()?.errorText}`));
  await page.exposeFunction('benchDone', (result) => finish(result));
  const url = `${origin}/bench.html?config=${encodeURIComponent(JSON.stringify(options.config))}`;
  console.log(`bench: ${url}`);
  console.log(`bench: ${options.quick ? 'quick run, ' : ''}${JSON.stringify(options.config)}`);
  await page.goto(url);
  const result = await done;
  if (pageWarnings.length) result.pageWarnings = pageWarnings;
  result.browserVersion = await browser.version();
  result.driver = { node: process.version, chromium: chromiumPath, args: chromiumArgs, headless: !options.headful, commandLine: browser.process()?.spawnargs };

  const json = JSON.stringify(result, null, 2);
  mkdirSync(dirname(options.out), { recursive: true });
  writeFileSync(options.out, json + '\n');
  console.log(json);
  if (result.fatal) {
    console.error(`bench: the page failed: ${result.fatal}`);
    exitCode = 1;
  } else {
    console.log(report(result));
    if (Object.values(result.runs).some((r) => !r.ok)) exitCode = 1;
  }
  console.log(`\nbench: wrote ${options.out}`);
} catch (error) {
  console.error(`bench: ${error.stack ?? error}`);
  exitCode = 1;
} finally {
  await browser?.close().catch(() => {});
  server.close();
}
process.exit(exitCode);
