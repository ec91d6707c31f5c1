/** The demo page: train, watch the layer outputs and weight textures live, evaluate, read the confusion matrix. */
import {
  createEngine, cosineSimilarities, groupSimilarity, loadFashionMnist, mostConfusedPairs, WeightChangeMeter,
  type Engine, type Evaluation, type Progress,
} from '../src/index.js';
import { ClassMeansView, ConfusionView, LayerStripsView, WeightsView, type WeightQuantity } from '../src/views/index.js';
import { ClassMeansPanel } from './demo/class-means-panel.js';
import { ConfusionPanel } from './demo/confusion-panel.js';
import { TrainingCurves } from './demo/curves.js';
import { Timeline } from './demo/timeline.js';
import { ViewLoop } from './demo/view-loop.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const trainButton = $<HTMLButtonElement>('train');
const evaluateButton = $<HTMLButtonElement>('evaluate');
const playButton = $<HTMLButtonElement>('play');
const status = $('status');
const progressBar = $<HTMLProgressElement>('progress');
const log = $('log');

function say(line: string) {
  log.textContent += line + '\n';
  log.scrollTop = log.scrollHeight;
}

async function main() {
  let engine: Engine;
  let strips: LayerStripsView, galleryStrips: LayerStripsView, weights: WeightsView, confusion: ConfusionView, classMeans: ClassMeansView;
  let data: Awaited<ReturnType<typeof loadFashionMnist>>;
  try {
    [data, engine] = await Promise.all([loadFashionMnist(new URL('./data/', location.href)), createEngine({ seed: 1, stepsPerChunk: 8 })]);
    engine.setData(data);
    const { device, dictionary, config } = engine;
    const classNames = data.classNames;
    [strips, galleryStrips, weights, confusion, classMeans] = await Promise.all([
      LayerStripsView.create(device, $<HTMLCanvasElement>('strips'), dictionary, config, { classNames }),
      LayerStripsView.create(device, $<HTMLCanvasElement>('gallery-strips'), dictionary, config, { classNames }),
      WeightsView.create(device, $<HTMLCanvasElement>('weights'), dictionary, config),
      ConfusionView.create(device, $<HTMLCanvasElement>('confusion'), { classNames }),
      ClassMeansView.create(device, $<HTMLCanvasElement>('class-means'), config.sizes, { classNames }),
    ]);
  } catch (error) {
    status.innerHTML = `<span class="error">${(error as Error).message}</span>`;
    return;
  }

  // Two meters: one measured per epoch (the report's figure), one per chunk (the fine curve).
  const [meter, chunkMeter] = await Promise.all([WeightChangeMeter.create(engine.device, engine.dictionary), WeightChangeMeter.create(engine.device, engine.dictionary)]);
  const curves = new TrainingCurves($<HTMLCanvasElement>('curve'), $<HTMLCanvasElement>('change-curve'));
  let training = false;
  let sample = 0;
  let predictions: Uint32Array | undefined;
  const sampleTexts = [$('sample'), $('gallery-sample')];
  let timeline: Timeline | undefined;
  const showSample = async () => {
    // A replayed snapshot's parameters while the timeline is scrubbed (never during training: the engine is busy).
    const snapshot = training ? undefined : timeline?.snapshot;
    await engine.forward([sample], { snapshot });
    const truth = data.classNames[data.test.labels[sample]];
    const guess = predictions && data.classNames[predictions[sample]];
    const text = `test image #${sample}: <b>${truth}</b>` +
      (guess ? `, predicted <b class="${guess === truth ? 'right' : 'wrong'}">${guess}</b> (at the last evaluation)` : '');
    for (const element of sampleTexts) element.innerHTML = text;
  };
  await showSample();

  // The history: weights, biases, gradients and momentums every 20 steps, at most 128 MiB of GPU memory.
  engine.recordHistory({ every: 20, budgetBytes: 128 * 2 ** 20 });
  timeline = new Timeline(engine, weights, { slider: $('timeline'), caption: $('timeline-caption'), live: $('timeline-live'), play: $('timeline-play') }, showSample);

  // Rendering runs on its own frame loop; training submits chunks of steps and never waits for it.
  const loop = new ViewLoop();
  loop.add(strips, $('strips-labels'));
  loop.add(weights, $('weights-labels'));
  loop.add(galleryStrips, $('gallery-strips-labels'));
  loop.add(confusion, $('confusion-labels'));
  loop.add(classMeans, $('class-means-labels'));

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
    else sampleTexts[0].innerHTML = `<span class="error">Test images are numbered 0–${data.test.count - 1}.</span>`;
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

  const confusionPanel = new ConfusionPanel(confusion, data.test, {
    canvas: $('confusion'), pairs: $('pairs'), gallery: $('gallery'), caption: $('gallery-caption'), previous: $('gallery-previous'), next: $('gallery-next'),
  }, goTo, data.classNames);
  const classMeansPanel = new ClassMeansPanel(classMeans, {
    canvas: $('class-means'), quantity: $('means-quantity'), mode: $('means-mode'), a: $('means-a'), b: $('means-b'), readout: $('means-readout'),
  }, data.classNames);

  // Chunk-level weight change: one 8-byte-per-layer read-back per chunk, never more than one in flight.
  let measuring = false;
  const measureChunk = async (step: number) => {
    if (measuring) return;
    measuring = true;
    curves.addChange(step, await chunkMeter.measure());
    measuring = false;
  };

  const evaluate = async (): Promise<Evaluation> => {
    const result = await engine.evaluate();
    predictions = result.predictions;
    say(`test accuracy ${(100 * result.accuracy).toFixed(2)}%, loss ${result.loss.toFixed(4)}, ${result.samplesPerSecond.toFixed(0)} samples/s`);
    const confused = mostConfusedPairs(result.confusion, 3).map((p) => `${data.classNames[p.truth]} → ${data.classNames[p.predicted]} ${(100 * p.rate).toFixed(1)}%`);
    say(`  most confused: ${confused.join(', ')}`);
    const similarity = result.classMeans.map((means) => groupSimilarity(cosineSimilarities(means.activated, 10), [2, 4, 6]));
    say(`  pullover/coat/shirt look alike inside: cosine of class means ${similarity.map((g) => `${g.group.toFixed(2)} vs ${g.allPairs.toFixed(2)}`).join(' | ')} (per layer, vs all pairs)`);
    confusionPanel.update(result);
    classMeansPanel.update(result);
    await showSample();
    return result;
  };

  trainButton.onclick = async () => {
    trainButton.disabled = evaluateButton.disabled = true;
    training = true;
    weights.captureSnapshot('epoch');
    try {
      const result = await engine.trainEpoch({
        onProgress: (p: Progress) => {
          progressBar.value = p.stepInEpoch / p.stepsPerEpoch;
          curves.addChunk(p.step, p.chunkLoss, p.chunkAccuracy);
          void measureChunk(engine.stepCount); // the measure is queued after every chunk submitted so far
          timeline!.refresh();
          status.textContent = `epoch ${p.epoch + 1}: step ${p.stepInEpoch}/${p.stepsPerEpoch}, ${p.samplesPerSecond.toFixed(0)} samples/s`;
        },
      });
      const change = await meter.measure();
      say(`epoch ${result.epoch + 1}: loss ${result.loss.toFixed(4)}, train accuracy ${(100 * result.accuracy).toFixed(2)}%, ` +
        `${result.samplesPerSecond.toFixed(0)} samples/s; weights moved ${change.map((c) => `${(100 * c).toFixed(1)}%`).join(' / ')} (layers 1 / 2 / 3)`);
      training = false;
      if ($<HTMLInputElement>('auto-evaluate').checked) {
        status.textContent = `epoch ${result.epoch + 1} done; evaluating on the test set…`;
        const evaluation = await evaluate();
        curves.addTest(engine.stepCount, evaluation.accuracy);
        status.textContent = `epoch ${result.epoch + 1}: test accuracy ${(100 * evaluation.accuracy).toFixed(2)}%`;
      }
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
  $('confusion-png').onclick = async () => download(await confusion.toPNG(), `nnscope-confusion-step${engine.stepCount}.png`);
  $('means-png').onclick = async () => download(await classMeans.toPNG(), `nnscope-class-means-step${engine.stepCount}.png`);

  $('export').onclick = async () => {
    const bytes = await engine.exportParameters();
    download(new Blob([bytes], { type: 'application/octet-stream' }), `nnscope-${engine.config.sizes.join('-')}-step${engine.stepCount}.safetensors`);
  };
  $('export-history').onclick = async () => {
    const bytes = await engine.history!.exportSafetensors();
    download(new Blob([bytes], { type: 'application/octet-stream' }), `nnscope-history-${engine.config.sizes.join('-')}-step${engine.stepCount}.safetensors`);
  };
  $<HTMLInputElement>('import-history').onchange = async (event) => {
    const file = (event.target as HTMLInputElement).files?.[0];
    if (!file) return;
    try {
      const history = engine.importHistory(new Uint8Array(await file.arrayBuffer()), file.name);
      timeline!.refresh();
      say(`imported the history ${file.name}: ${history.length} snapshots, steps ${history.snapshots[0]?.step}–${history.snapshots.at(-1)?.step}; drag the timeline to replay it`);
    } catch (error) {
      status.innerHTML = `<span class="error">${(error as Error).message}</span>`;
    }
  };
  $<HTMLInputElement>('import').onchange = async (event) => {
    const file = (event.target as HTMLInputElement).files?.[0];
    if (!file) return;
    try {
      const format = engine.importParameters(new Uint8Array(await file.arrayBuffer()), file.name);
      meter.restart();
      chunkMeter.restart();
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
      await evaluate();
    } catch (error) {
      status.innerHTML = `<span class="error">${(error as Error).message}</span>`;
    }
    trainButton.disabled = evaluateButton.disabled = false;
  };
  status.textContent = `Ready: ${engine.config.sizes.join('-')}, ${engine.stepsPerEpoch} steps per epoch.`;
  for (const id of ['train', 'evaluate', 'play', 'previous', 'next', 'export', 'import', 'strips-png', 'weights-png', 'confusion-png', 'means-png', 'export-history', 'import-history']) $<HTMLButtonElement | HTMLInputElement>(id).disabled = false;
}

main();
