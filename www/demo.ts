/** The demo page until the views land: train, watch loss and accuracy, evaluate, see the confusion matrix. */
import { createEngine, loadFashionMnist, FASHION_MNIST_CLASSES, type Engine, type Progress } from '../src/index.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const trainButton = $<HTMLButtonElement>('train');
const evaluateButton = $<HTMLButtonElement>('evaluate');
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
  ctx.fillText(`train loss (orange, max ${maxLoss.toFixed(2)})   train accuracy (blue, 0–1)`, 8, 14);
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

async function main() {
  let engine: Engine;
  try {
    const [data, created] = await Promise.all([loadFashionMnist(new URL('./data/', location.href)), createEngine({ seed: 1 })]);
    engine = created;
    engine.setData(data);
  } catch (error) {
    status.innerHTML = `<span class="error">${(error as Error).message}</span>`;
    return;
  }
  status.textContent = `Ready: ${engine.config.sizes.join('-')}, ${engine.stepsPerEpoch} steps per epoch.`;
  trainButton.disabled = evaluateButton.disabled = false;

  trainButton.onclick = async () => {
    trainButton.disabled = evaluateButton.disabled = true;
    try {
      const result = await engine.trainEpoch({
        onProgress: (p: Progress) => {
          progressBar.value = p.stepInEpoch / p.stepsPerEpoch;
          history.push({ step: p.step, loss: p.loss, accuracy: p.accuracy });
          status.textContent = `epoch ${p.epoch + 1}: step ${p.stepInEpoch}/${p.stepsPerEpoch}, ${p.samplesPerSecond.toFixed(0)} samples/s`;
          drawCurve();
        },
      });
      say(`epoch ${result.epoch + 1}: loss ${result.loss.toFixed(4)}, train accuracy ${(100 * result.accuracy).toFixed(2)}%, ${result.samplesPerSecond.toFixed(0)} samples/s`);
    } catch (error) {
      status.innerHTML = `<span class="error">${(error as Error).message}</span>`;
    }
    trainButton.disabled = evaluateButton.disabled = false;
  };

  evaluateButton.onclick = async () => {
    trainButton.disabled = evaluateButton.disabled = true;
    try {
      const result = await engine.evaluate();
      say(`test accuracy ${(100 * result.accuracy).toFixed(2)}%, loss ${result.loss.toFixed(4)}, ${result.samplesPerSecond.toFixed(0)} samples/s`);
      showConfusion(result.confusion);
    } catch (error) {
      status.innerHTML = `<span class="error">${(error as Error).message}</span>`;
    }
    trainButton.disabled = evaluateButton.disabled = false;
  };
}

main();
