/** The demo page: train, watch the layer outputs and weight textures live, evaluate, read the confusion matrix. */
import {
  createEngine, cosineSimilarities, groupSimilarity, loadFashionMnist, mostConfusedPairs, WeightChangeMeter, FASHION_MNIST_CLASSES,
  type Engine, type Progress,
} from '../src/index.js';
import { LayerStripsView, WeightsView, type CanvasView, type ViewLabel, type WeightQuantity } from '../src/views/index.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const trainButton = $<HTMLButtonElement>('train');
const evaluateButton = $<HTMLButtonElement>('evaluate');
const playButton = $<HTMLButtonElement>('play');
const status = $('status');
const progressBar = $<HTMLProgressElement>('progress');
const log = $('log');
const curve = $<HTMLCanvasElement>('curve');
const history: { step: number; loss: number; accuracy: number }[] = [];

function say(line: string) {
  log.textContent += line + '\n';
  log.scrollTop = log.scrollHeight;
}

function drawCurve() {
  const ctx = curve.getContext('2d')!;
  const { width, height } = curve;
  ctx.clearRect(0, 0, width, height);
  if (history.length < 2) return;
  const maxStep = history[history.length - 1].step;
  const maxLoss = Math.max(...history.map((h) => h.loss));
  const plot = (value: (h: (typeof history)[number]) => number, color: string) => {
    ctx.strokeStyle = color;
    ctx.lineWidth = 2;
    ctx.beginPath();
    history.forEach((h, i) => {
      const x = (h.step / maxStep) * (width - 10) + 5;
      const y = height - 5 - value(h) * (height - 30); // the top 25 px hold the legend
      if (i === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    });
    ctx.stroke();
  };
  plot((h) => h.loss / maxLoss, '#e0663b');
  plot((h) => h.accuracy, '#3b6fe0');
  ctx.fillStyle = getComputedStyle(document.body).color;
  ctx.font = '12px system-ui';
  ctx.fillText(`train loss per chunk (orange, max ${maxLoss.toFixed(2)})   train accuracy per chunk (blue, 0–1)`, 8, 14);
}

function showConfusion(confusion: number[][]) {
  const max = Math.max(...confusion.flatMap((row, i) => row.filter((_, j) => j !== i)));
  const cells = confusion.map((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    return `<tr><th>${FASHION_MNIST_CLASSES[i]}</th>${row
      .map((n, j) => {
        const alpha = i === j ? 0.35 * (n / total) : 0.8 * (n / Math.max(1, max));
        const hue = i === j ? '59,111,224' : '224,102,59';
        return `<td style="background:rgba(${hue},${alpha.toFixed(3)})">${n}</td>`;
      })
      .join('')}</tr>`;
  });
  $('confusion').innerHTML =
    `<table><tr><th>true \\ predicted</th>${FASHION_MNIST_CLASSES.map((c) => `<th>${c}</th>`).join('')}</tr>${cells.join('')}</table>`;
}

/** Places a view's labels over its canvas; legend ends get their numbers from `ranges`. */
function drawLabels(overlay: HTMLElement, labels: readonly ViewLabel[], ranges: [number, number][]) {
  overlay.replaceChildren(
    ...labels.map((label) => {
      const span = document.createElement('span');
      span.className = `label ${label.kind} ${label.align}`;
      span.style.left = `${label.x}px`;
      span.style.top = `${label.y}px`;
      const range = label.rangeOf && ranges[label.rangeOf.panel];
      span.textContent = label.rangeOf ? (range ? formatNumber(range[label.rangeOf.end === 'low' ? 0 : 1]) : '') : label.text;
      return span;
    }),
  );
}

const formatNumber = (x: number) => (x === 0 ? '0' : Math.abs(x) >= 100 || Math.abs(x) < 0.01 ? x.toExponential(1) : x.toPrecision(2));

async function main() {
  let engine: Engine;
  let strips: LayerStripsView;
  let weights: WeightsView;
  let data: Awaited<ReturnType<typeof loadFashionMnist>>;
  try {
    [data, engine] = await Promise.all([loadFashionMnist(new URL('./data/', location.href)), createEngine({ seed: 1, stepsPerChunk: 8 })]);
    engine.setData(data);
    [strips, weights] = await Promise.all([
      LayerStripsView.create(engine.device, $<HTMLCanvasElement>('strips'), engine.dictionary, engine.config, { classNames: data.classNames }),
      WeightsView.create(engine.device, $<HTMLCanvasElement>('weights'), engine.dictionary, engine.config),
    ]);
  } catch (error) {
    status.innerHTML = `<span class="error">${(error as Error).message}</span>`;
    return;
  }

  const meter = await WeightChangeMeter.create(engine.device, engine.dictionary);
  let training = false;
  let sample = 0;
  let predictions: Uint32Array | undefined;
  const sampleText = $('sample');
  const showSample = async () => {
    await engine.forward([sample]);
    const truth = data.classNames[data.test.labels[sample]];
    const guess = predictions && data.classNames[predictions[sample]];
    sampleText.innerHTML = `test image #${sample}: <b>${truth}</b>` +
      (guess ? `, predicted <b class="${guess === truth ? 'right' : 'wrong'}">${guess}</b> (at the last evaluation)` : '');
  };
  await showSample();

  // Rendering runs on its own frame loop; training submits chunks of steps and never waits for it.
  const views: [CanvasView, HTMLElement][] = [[strips, $('strips-labels')], [weights, $('weights-labels')]];
  const ranges = new Map<CanvasView, [number, number][]>();
  const frame = () => {
    for (const [view, overlay] of views) {
      const before = view.labels;
      view.render(); // skipped while its last frame is still queued behind training
      if (view.labels !== before) drawLabels(overlay, view.labels, ranges.get(view) ?? []);
    }
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  // Legend numbers: one 100-byte read-back per view twice a second (never per frame).
  setInterval(async () => {
    for (const [view, overlay] of views) {
      ranges.set(view, await view.readRanges());
      drawLabels(overlay, view.labels, ranges.get(view)!);
    }
  }, 500);

  const goTo = (index: number) => {
    sample = ((index % data.test.count) + data.test.count) % data.test.count;
    $<HTMLInputElement>('jump').value = String(sample);
    void showSample();
  };
  $('previous').onclick = () => goTo(sample - 1);
  $('next').onclick = () => goTo(sample + 1);
  $<HTMLInputElement>('jump').onchange = (event) => {
    const value = Number((event.target as HTMLInputElement).value);
    if (Number.isInteger(value) && value >= 0 && value < data.test.count) goTo(value);
    else sampleText.innerHTML = `<span class="error">Test images are numbered 0–${data.test.count - 1}.</span>`;
  };

  // Hover readout: the one value under the cursor is read back; its neuron is outlined in the strips.
  const weightsCanvas = $<HTMLCanvasElement>('weights');
  let hoverToken = 0;
  weightsCanvas.onmousemove = async (event) => {
    const place = weights.locate(event.offsetX, event.offsetY);
    strips.highlightNeuron(place && place.layer < engine.dictionary.layers.length - 1 ? place.layer : -1, place?.neuron ?? -1);
    const token = ++hoverToken;
    if (!place) return void ($('readout').textContent = '');
    const value = await weights.readValue(place.hit);
    if (token !== hoverToken) return;
    const from = place.input === undefined ? '' : ` from ${place.layer === 0 ? `pixel (${place.input % 28}, ${Math.floor(place.input / 28)})` : `neuron ${place.input}`}`;
    $('readout').textContent = `layer ${place.layer + 1} ${place.what}, neuron ${place.neuron}${from}: ${value.toPrecision(4)}`;
  };
  weightsCanvas.onmouseleave = () => strips.highlightNeuron(-1, -1);
  // Zoom with the wheel, pan by dragging, double-click for the whole view.
  weightsCanvas.onwheel = (event) => {
    event.preventDefault();
    weights.zoomAt(Math.exp(-event.deltaY * 0.002), event.offsetX, event.offsetY);
  };
  weightsCanvas.onpointerdown = (event) => weightsCanvas.setPointerCapture(event.pointerId);
  weightsCanvas.onpointerup = (event) => weightsCanvas.releasePointerCapture(event.pointerId);
  weightsCanvas.addEventListener('pointermove', (event) => {
    if (weightsCanvas.hasPointerCapture(event.pointerId)) weights.panBy(event.movementX, event.movementY);
  });
  weightsCanvas.ondblclick = () => weights.resetView();

  let playing: ReturnType<typeof setInterval> | undefined;
  playButton.onclick = () => {
    if (playing) {
      clearInterval(playing);
      playing = undefined;
      playButton.textContent = 'Play samples';
      return;
    }
    playButton.textContent = 'Pause';
    const perSecond = Number($<HTMLSelectElement>('rate').value);
    playing = setInterval(() => training || goTo(sample + 1), 1000 / perSecond);
  };
  $<HTMLSelectElement>('quantity').onchange = (event) => {
    const quantity = (event.target as HTMLSelectElement).value as WeightQuantity;
    engine.dictionary.layers.forEach((_, l) => weights.setQuantity(l, quantity));
  };

  trainButton.onclick = async () => {
    trainButton.disabled = evaluateButton.disabled = true;
    training = true;
    weights.captureSnapshot('epoch');
    try {
      const result = await engine.trainEpoch({
        onProgress: (p: Progress) => {
          progressBar.value = p.stepInEpoch / p.stepsPerEpoch;
          history.push({ step: p.step, loss: p.chunkLoss, accuracy: p.chunkAccuracy });
          status.textContent = `epoch ${p.epoch + 1}: step ${p.stepInEpoch}/${p.stepsPerEpoch}, ${p.samplesPerSecond.toFixed(0)} samples/s`;
          drawCurve();
        },
      });
      const change = await meter.measure();
      say(`epoch ${result.epoch + 1}: loss ${result.loss.toFixed(4)}, train accuracy ${(100 * result.accuracy).toFixed(2)}%, ` +
        `${result.samplesPerSecond.toFixed(0)} samples/s; weights moved ${change.map((c) => `${(100 * c).toFixed(1)}%`).join(' / ')} (layers 1 / 2 / 3)`);
    } catch (error) {
      status.innerHTML = `<span class="error">${(error as Error).message}</span>`;
    }
    training = false;
    await showSample();
    trainButton.disabled = evaluateButton.disabled = false;
  };

  const download = (blob: Blob, name: string) => {
    const link = document.createElement('a');
    link.href = URL.createObjectURL(blob);
    link.download = name;
    link.click();
    URL.revokeObjectURL(link.href);
  };
  $('strips-png').onclick = async () => download(await strips.toPNG(), `nnscope-layer-outputs-${sample}.png`);
  $('weights-png').onclick = async () => download(await weights.toPNG(), `nnscope-weights-step${engine.stepCount}.png`);

  $('export').onclick = async () => {
    const bytes = await engine.exportParameters();
    download(new Blob([bytes], { type: 'application/octet-stream' }), `nnscope-${engine.config.sizes.join('-')}-step${engine.stepCount}.safetensors`);
  };
  $<HTMLInputElement>('import').onchange = async (event) => {
    const file = (event.target as HTMLInputElement).files?.[0];
    if (!file) return;
    try {
      const format = engine.importParameters(new Uint8Array(await file.arrayBuffer()), file.name);
      meter.restart();
      weights.captureSnapshot('initial');
      say(`imported ${file.name} (${format} layout)`);
      await showSample();
    } catch (error) {
      status.innerHTML = `<span class="error">${(error as Error).message}</span>`;
    }
  };

  evaluateButton.onclick = async () => {
    trainButton.disabled = evaluateButton.disabled = true;
    try {
      const result = await engine.evaluate();
      predictions = result.predictions;
      say(`test accuracy ${(100 * result.accuracy).toFixed(2)}%, loss ${result.loss.toFixed(4)}, ${result.samplesPerSecond.toFixed(0)} samples/s`);
      const confused = mostConfusedPairs(result.confusion, 3).map((p) => `${data.classNames[p.truth]} → ${data.classNames[p.predicted]} ${(100 * p.rate).toFixed(1)}%`);
      say(`  most confused: ${confused.join(', ')}`);
      const similarity = result.classMeans.map((means) => groupSimilarity(cosineSimilarities(means.activated, 10), [2, 4, 6]));
      say(`  pullover/coat/shirt look alike inside: cosine of class means ${similarity.map((g) => `${g.group.toFixed(2)} vs ${g.allPairs.toFixed(2)}`).join(' | ')} (per layer, vs all pairs)`);
      showConfusion(result.confusion);
      await showSample();
    } catch (error) {
      status.innerHTML = `<span class="error">${(error as Error).message}</span>`;
    }
    trainButton.disabled = evaluateButton.disabled = false;
  };
  status.textContent = `Ready: ${engine.config.sizes.join('-')}, ${engine.stepsPerEpoch} steps per epoch.`;
  for (const id of ['train', 'evaluate', 'play', 'previous', 'next', 'export', 'import', 'strips-png', 'weights-png']) $<HTMLButtonElement | HTMLInputElement>(id).disabled = false;
}

main();
