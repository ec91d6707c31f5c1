/**
 * The live curves (Canvas 2D: a few hundred points): train loss and accuracy per chunk with test
 * accuracy per epoch, and the relative weight change per layer per step, measured per chunk (log scale).
 */
const LAYER_COLORS = ['#3b6fe0', '#e0663b', '#2a9d5b', '#9b59b6'];

/** The curves' points, kept by the Scope so that a curves view attached later shows the whole run. */
export class CurveData {
  chunks: { step: number; loss: number; accuracy: number }[] = [];
  tests: { step: number; accuracy: number }[] = [];
  changes: { step: number; change: number[] }[] = [];

  addChunk(step: number, loss: number, accuracy: number): void {
    this.chunks.push({ step, loss, accuracy });
  }

  addTest(step: number, accuracy: number): void {
    this.tests.push({ step, accuracy });
  }

  /** Per layer, the relative weight change per step over the chunk that ended at `step`. */
  addChange(step: number, perStep: number[]): void {
    if (perStep.every((c) => c > 0)) this.changes.push({ step, change: perStep });
  }

  /** The training loss of the interval reported at `step`, or of the last one before it; undefined before the first. */
  lossAt(step: number): number | undefined {
    let loss: number | undefined;
    for (const chunk of this.chunks) if (chunk.step <= step) loss = chunk.loss;
    return loss;
  }

  clear(): void {
    this.chunks = [];
    this.tests = [];
    this.changes = [];
  }
}

/** Draws CurveData on two 2D canvases. */
export class TrainingCurves {
  constructor(private readonly data: CurveData, private readonly training: HTMLCanvasElement, private readonly change: HTMLCanvasElement) {}

  draw(): void {
    this.drawTraining();
    this.drawChange();
  }

  private context(canvas: HTMLCanvasElement) {
    const scale = devicePixelRatio;
    canvas.width = Math.round(canvas.clientWidth * scale);
    canvas.height = Math.round(canvas.clientHeight * scale);
    const ctx = canvas.getContext('2d')!;
    ctx.scale(scale, scale);
    ctx.font = '12px system-ui, sans-serif';
    ctx.lineWidth = 1.5;
    const color = getComputedStyle(canvas).color;
    return { ctx, width: canvas.clientWidth, height: canvas.clientHeight, color };
  }

  private drawTraining(): void {
    const { ctx, width, height, color } = this.context(this.training);
    const plot = { left: 36, top: 26, right: width - 36, bottom: height - 20 };
    const maxStep = Math.max(1, ...this.data.chunks.map((c) => c.step), ...this.data.tests.map((t) => t.step));
    const maxLoss = Math.max(1e-9, ...this.data.chunks.map((c) => c.loss));
    const x = (step: number) => plot.left + (step / maxStep) * (plot.right - plot.left);
    const y = (fraction: number) => plot.bottom - fraction * (plot.bottom - plot.top);
    axes(ctx, plot, color);
    ctx.fillStyle = color;
    ctx.textAlign = 'right';
    ctx.fillText('1', plot.left - 4, y(1) + 4);
    ctx.fillText('0', plot.left - 4, y(0) + 4);
    ctx.textAlign = 'left';
    ctx.fillText(maxLoss.toFixed(2), plot.right + 4, y(1) + 4);
    ctx.textAlign = 'center';
    ctx.fillText(`step ${maxStep}`, plot.right, height - 4);
    line(ctx, this.data.chunks.map((c) => [x(c.step), y(c.loss / maxLoss)]), '#e0663b');
    line(ctx, this.data.chunks.map((c) => [x(c.step), y(c.accuracy)]), '#7aa2ff');
    ctx.fillStyle = '#2a9d5b';
    for (const t of this.data.tests) {
      ctx.beginPath();
      ctx.arc(x(t.step), y(t.accuracy), 4, 0, 2 * Math.PI);
      ctx.fill();
      ctx.fillText(`${(100 * t.accuracy).toFixed(1)}%`, x(t.step) - 18, y(t.accuracy) + 16);
    }
    legend(ctx, [['loss (right axis)', '#e0663b'], ['train accuracy', '#7aa2ff'], ['test accuracy per epoch', '#2a9d5b']], plot.left, 14, color);
  }

  private drawChange(): void {
    const { ctx, width, height, color } = this.context(this.change);
    const plot = { left: 44, top: 26, right: width - 10, bottom: height - 20 };
    axes(ctx, plot, color);
    const all = this.data.changes.flatMap((c) => c.change);
    const layers = this.data.changes[0]?.change.length ?? 0;
    legend(ctx, Array.from({ length: layers }, (_, l) => [`layer ${l + 1}`, LAYER_COLORS[l % 4]] as [string, string]), plot.left, 14, color, '‖ΔW‖/‖W‖ per step (log)');
    if (all.length === 0) return;
    const [low, high] = [Math.log10(Math.min(...all)), Math.log10(Math.max(...all))];
    const span = Math.max(1e-6, high - low);
    const maxStep = Math.max(...this.data.changes.map((c) => c.step));
    const x = (step: number) => plot.left + (step / Math.max(1, maxStep)) * (plot.right - plot.left);
    const y = (value: number) => plot.bottom - ((Math.log10(value) - low) / span) * (plot.bottom - plot.top);
    ctx.fillStyle = color;
    ctx.textAlign = 'right';
    ctx.fillText(`${(10 ** high).toExponential(0)}`, plot.left - 4, plot.top + 4);
    ctx.fillText(`${(10 ** low).toExponential(0)}`, plot.left - 4, plot.bottom + 4);
    ctx.textAlign = 'center';
    ctx.fillText(`step ${maxStep}`, plot.right - 20, height - 4);
    for (let l = 0; l < layers; l++) line(ctx, this.data.changes.map((c) => [x(c.step), y(c.change[l])]), LAYER_COLORS[l % 4]);
  }
}

function axes(ctx: CanvasRenderingContext2D, plot: { left: number; top: number; right: number; bottom: number }, color: string) {
  ctx.strokeStyle = color;
  ctx.globalAlpha = 0.35;
  ctx.beginPath();
  ctx.moveTo(plot.left, plot.top);
  ctx.lineTo(plot.left, plot.bottom);
  ctx.lineTo(plot.right, plot.bottom);
  ctx.stroke();
  ctx.globalAlpha = 1;
}

function line(ctx: CanvasRenderingContext2D, points: number[][], color: string) {
  if (points.length < 2) return;
  ctx.strokeStyle = color;
  ctx.beginPath();
  points.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
  ctx.stroke();
}

function legend(ctx: CanvasRenderingContext2D, entries: [string, string][], x: number, y: number, color: string, title = '') {
  ctx.textAlign = 'left';
  ctx.fillStyle = color;
  if (title) {
    ctx.fillText(title, x, y);
    x += ctx.measureText(title).width + 8;
  }
  for (const [text, swatch] of entries) {
    ctx.fillStyle = swatch;
    ctx.fillRect(x, y - 8, 14, 3);
    ctx.fillStyle = color;
    ctx.fillText(text, x + 18, y);
    x += ctx.measureText(text).width + 26;
  }
}
