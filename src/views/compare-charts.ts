/**
 * The charts of `<nn-compare>` on Canvas 2D (a few hundred points and at most 100 × 100 cells):
 * two runs' curves overlaid, per-class accuracy Δ bars, and the confusion difference B − A on a
 * diverging scale. Colours come from the page (`Palette`, read from CSS custom properties), so they
 * follow the light and dark themes; the diverging scale fades into the view's background at 0.
 */
import type { RunComparison, RunEvaluations } from '../analysis/compare.js';
import { signed } from '../analysis/compare.js';
import { colormapColor } from './colormaps.js';

/** The page's colours, as CSS colour strings. */
export interface Palette {
  fg: string;
  muted: string;
  bg: string;
  good: string;
  bad: string;
  /** Run A's lines (the reference: dashed). */
  a: string;
  /** Run B's lines (solid). */
  b: string;
}

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

const percent = (v: number) => `${(100 * v).toFixed(1)}%`;
const FONT = '12px system-ui, -apple-system, "Segoe UI", sans-serif';

/** A 2D context sized to the canvas's CSS box × devicePixelRatio, drawing in CSS pixels, cleared to `bg`. */
function context(canvas: HTMLCanvasElement, bg: string) {
  const scale = devicePixelRatio || 1;
  const [width, height] = [canvas.clientWidth, canvas.clientHeight];
  canvas.width = Math.max(1, Math.round(width * scale));
  canvas.height = Math.max(1, Math.round(height * scale));
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(scale, 0, 0, scale, 0, 0);
  ctx.fillStyle = bg;
  ctx.fillRect(0, 0, width, height);
  ctx.font = FONT;
  ctx.textBaseline = 'middle';
  return { ctx, width, height };
}

function text(ctx: CanvasRenderingContext2D, value: string, x: number, y: number, color: string, align: CanvasTextAlign = 'left', font = FONT) {
  ctx.font = font;
  ctx.fillStyle = color;
  ctx.textAlign = align;
  ctx.fillText(value, x, y);
}

/** The smallest of 1, 2, 5 × 10ⁿ (or, `fine`, also 1.5, 2.5, 3, 4, 6, 8 × 10ⁿ) at least `value`. */
function niceCeil(value: number, fine = false): number {
  const power = 10 ** Math.floor(Math.log10(Math.max(value, 1e-9)));
  return (fine ? [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10] : [1, 2, 5, 10]).map((m) => m * power).find((v) => v >= value * (1 - 1e-9))!;
}

// ── curves ──────────────────────────────────────────────────────────────────────────────────────

/**
 * Loss (left) and accuracy (right) of both runs: train figures per chunk of steps as thin lines,
 * test accuracy per epoch as dots joined by a thick line; A dashed, B solid. Against epochs when
 * both runs know their steps per epoch (batch sizes may differ), else against steps.
 */
export function drawCurves(canvas: HTMLCanvasElement, runs: readonly (RunEvaluations | undefined)[], palette: Palette): void {
  const { ctx, width, height } = context(canvas, palette.bg);
  const shown = runs.map((run, i) => run && { run, color: i ? palette.b : palette.a, dash: i ? [] : [6, 4], label: i ? 'B' : 'A' }).filter((r) => !!r);
  const byEpoch = shown.length > 0 && shown.every(({ run }) => !!run.stepsPerEpoch);
  const x = (run: RunEvaluations, step: number) => (byEpoch ? step / run.stepsPerEpoch! : step);
  const maxX = Math.max(byEpoch ? 1 : 16, ...shown.flatMap(({ run }) => [...run.curves.chunks, ...run.curves.tests].map((p) => x(run, p.step))));
  // The legend: one entry per run, and how train and test figures are drawn.
  let lx = 8;
  for (const { run, color, dash, label } of shown) {
    swatch(ctx, lx, 12, color, dash);
    const entry = `${label}: ${run.name}`;
    text(ctx, entry, lx + 28, 12, palette.fg, 'left', `600 ${FONT}`);
    lx += ctx.measureText(entry).width + 44;
  }
  text(ctx, 'thin: train, per 16 steps · dots: test, per epoch', lx, 12, palette.muted);
  const gap = 56;
  const panel = (i: number): Rect => ({ x: 44 + i * ((width - 44 - 12 + gap) / 2), y: 48, width: (width - 44 - 12 - gap) / 2, height: height - 48 - 30 });
  const losses = shown.flatMap(({ run }) => run.curves.chunks.map((c) => c.loss));
  const maxLoss = niceCeil(Math.max(0.1, ...losses), true);
  const accuracies = shown.flatMap(({ run }) => [...run.curves.chunks.map((c) => c.accuracy), ...run.curves.tests.map((t) => t.accuracy)]);
  const lowAccuracy = Math.min(0.9, Math.floor(10 * Math.min(1, ...accuracies)) / 10);
  const accuracyStep = 1 - lowAccuracy > 0.5 ? 0.2 : 0.1;
  const panels = [
    { rect: panel(0), title: 'loss (train)', low: 0, high: maxLoss, ticks: xTicks(maxLoss, 5), format: (v: number) => (maxLoss < 1 ? v.toFixed(2) : String(Number(v.toFixed(2)))) },
    {
      rect: panel(1), title: 'accuracy (train thin, test dots)', low: lowAccuracy, high: 1, format: (v: number) => `${Math.round(100 * v)}%`,
      ticks: Array.from({ length: Math.round((1 - lowAccuracy) / accuracyStep) + 1 }, (_, j) => 1 - j * accuracyStep),
    },
  ];
  for (const [i, { rect, title, low, high, ticks, format }] of panels.entries()) {
    const px = (v: number) => rect.x + (v / maxX) * rect.width;
    const py = (v: number) => rect.y + rect.height - ((v - low) / (high - low)) * rect.height;
    frame(ctx, rect, palette, ticks.map((v) => [py(v), format(v)]), xTicks(maxX).map((v) => [px(v), String(v)]));
    text(ctx, title, rect.x, rect.y - 12, palette.fg, 'left', `600 ${FONT}`);
    text(ctx, byEpoch ? 'epoch' : 'step', rect.x + rect.width, rect.y + rect.height + 22, palette.muted, 'right');
    ctx.save();
    ctx.beginPath();
    ctx.rect(rect.x, rect.y - 4, rect.width + 4, rect.height + 8);
    ctx.clip();
    for (const { run, color, dash } of shown) {
      const chunks = run.curves.chunks.map((c) => [px(x(run, c.step)), py(i ? c.accuracy : c.loss)] as const);
      polyline(ctx, chunks, color, 1.25, dash, i ? 0.55 : 1);
      if (!i) continue;
      const tests = run.curves.tests.map((t) => [px(x(run, t.step)), py(t.accuracy)] as const);
      polyline(ctx, tests, color, 2.5, dash);
      ctx.fillStyle = color;
      for (const [tx, ty] of tests) {
        ctx.beginPath();
        ctx.arc(tx, ty, 4, 0, 2 * Math.PI);
        ctx.fill();
      }
    }
    ctx.restore();
    if (!i) continue;
    // The last test accuracy of each run, beside its dot: the higher run's label above, the lower's below.
    const lasts = shown.map(({ run, color }) => ({ color, test: run.curves.tests.at(-1) && { x: px(x(run, run.curves.tests.at(-1)!.step)), value: run.curves.tests.at(-1)!.accuracy } }));
    lasts.forEach(({ color, test }, j) => {
      if (!test) return;
      const other = lasts[1 - j]?.test;
      const above = !other || test.value > other.value || (test.value === other.value && j === 1);
      text(ctx, percent(test.value), Math.min(test.x, rect.x + rect.width - 2), py(test.value) + (above ? -13 : 14), color, 'right', `600 ${FONT}`);
    });
  }
  if (shown.every(({ run }) => run.curves.chunks.length === 0)) text(ctx, 'No training steps yet.', width / 2, height / 2, palette.muted, 'center');
}

/** 0 and multiples of a nice step up to `max`, about `count` of them. */
function xTicks(max: number, count = 6): number[] {
  const step = niceCeil(max / count);
  return Array.from({ length: Math.floor(max / step + 1e-9) + 1 }, (_, i) => Number((i * step).toPrecision(6)));
}

function swatch(ctx: CanvasRenderingContext2D, x: number, y: number, color: string, dash: number[]) {
  polyline(ctx, [[x, y], [x + 22, y]], color, 2.5, dash);
}

function polyline(ctx: CanvasRenderingContext2D, points: readonly (readonly [number, number])[], color: string, width: number, dash: number[] = [], alpha = 1) {
  if (points.length < 2) return;
  ctx.save();
  ctx.globalAlpha = alpha;
  ctx.strokeStyle = color;
  ctx.lineWidth = width;
  ctx.setLineDash(dash);
  ctx.beginPath();
  points.forEach(([px, py], i) => (i ? ctx.lineTo(px, py) : ctx.moveTo(px, py)));
  ctx.stroke();
  ctx.restore();
}

/** Axes with light grid lines at the y ticks, tick labels on the left and below. */
function frame(ctx: CanvasRenderingContext2D, rect: Rect, palette: Palette, yTicks: [number, string][], ticksX: [number, string][]) {
  ctx.save();
  ctx.strokeStyle = palette.muted;
  ctx.lineWidth = 1;
  ctx.globalAlpha = 0.25;
  for (const [y] of yTicks) {
    ctx.beginPath();
    ctx.moveTo(rect.x, Math.round(y) + 0.5);
    ctx.lineTo(rect.x + rect.width, Math.round(y) + 0.5);
    ctx.stroke();
  }
  ctx.globalAlpha = 0.7;
  ctx.beginPath();
  ctx.moveTo(rect.x + 0.5, rect.y);
  ctx.lineTo(rect.x + 0.5, rect.y + rect.height + 0.5);
  ctx.lineTo(rect.x + rect.width, rect.y + rect.height + 0.5);
  ctx.stroke();
  ctx.restore();
  for (const [y, label] of yTicks) text(ctx, label, rect.x - 6, y, palette.muted, 'right');
  for (const [x, label] of ticksX) text(ctx, label, x, rect.y + rect.height + 10, palette.muted, 'center');
}

// ── per-class accuracy Δ ────────────────────────────────────────────────────────────────────────

/** The height the Δ bars need for `classes` rows. */
export const barsHeight = (classes: number) => 40 + classes * rowHeight(classes);
const rowHeight = (classes: number) => (classes > 30 ? 14 : 22);

/** One bar per class from a zero line: B − A of its accuracy in points; green where B is better, red where worse. */
export function drawClassDeltas(canvas: HTMLCanvasElement, comparison: RunComparison, palette: Palette): void {
  const { ctx, width } = context(canvas, palette.bg);
  const { classNames, classAccuracyDelta, classAccuracyA: accuracyA } = comparison;
  const points = classAccuracyDelta.map((d) => 100 * d);
  const scale = niceCeil(Math.max(1, ...points.map(Math.abs)));
  const row = rowHeight(classNames.length);
  const nameWidth = Math.min(130, 8 + Math.max(...classNames.map((n) => ctx.measureText(n).width)));
  const left = nameWidth + 8;
  const right = width - 168;
  const zero = (left + right) / 2;
  const half = (right - left) / 2 - 6;
  const top = 22;
  text(ctx, `−${scale}`, left, 10, palette.muted, 'left');
  text(ctx, '0', zero, 10, palette.muted, 'center');
  text(ctx, `+${scale} points`, right, 10, palette.muted, 'right');
  text(ctx, 'A → B', width - 4, 10, palette.muted, 'right');
  ctx.fillStyle = palette.muted;
  ctx.fillRect(Math.round(zero), top - 4, 1, classNames.length * row + 6);
  classNames.forEach((name, c) => {
    const y = top + c * row + row / 2;
    text(ctx, fit(ctx, name, nameWidth - 6), left - 8, y, palette.fg, 'right');
    const length = (points[c] / scale) * half;
    ctx.fillStyle = points[c] >= 0 ? palette.good : palette.bad;
    ctx.fillRect(length >= 0 ? zero : zero + length, y - row * 0.3, Math.abs(length), row * 0.6);
    text(ctx, signed(points[c]), right + 52, y, points[c] > 0.05 ? palette.good : points[c] < -0.05 ? palette.bad : palette.muted, 'right', `600 ${FONT}`);
    text(ctx, `${percent(accuracyA[c])} → ${percent(accuracyA[c] + classAccuracyDelta[c])}`, width - 4, y, palette.muted, 'right');
  });
  text(ctx, 'B − A of each class\'s test accuracy, in percentage points', left, top + classNames.length * row + 10, palette.muted);
}

/** `value` cut with … to fit `width` in `font`. */
function fit(ctx: CanvasRenderingContext2D, value: string, width: number, font = FONT): string {
  ctx.font = font;
  if (ctx.measureText(value).width <= width) return value;
  let cut = value;
  while (cut.length > 1 && ctx.measureText(`${cut}…`).width > width) cut = cut.slice(0, -1);
  return `${cut}…`;
}

// ── confusion difference ────────────────────────────────────────────────────────────────────────

/** Where the confusion difference drew its cells (CSS pixels of the canvas): cell (t, p) at x + p·cell, y + t·cell. */
export interface DiffLayout {
  x: number;
  y: number;
  cell: number;
  classes: number;
  /** The colour scale's end: |Δ| that gets the full colour (points, or images for counts). */
  scale: number;
}

/**
 * The colour of Δ/scale = t ∈ [−1, 1]: from the view's background at 0 towards the blue (below) or
 * the red (above) of ColorBrewer RdBu, so that 0 is the page's own background in light and dark
 * themes; any change at all gets at least a tint.
 */
export function divergingColor(t: number, bg: [number, number, number]): [number, number, number] {
  if (t === 0) return bg;
  const end = colormapColor('diverging', t > 0 ? 0.9 : 0.1);
  const w = 0.1 + 0.9 * Math.min(1, Math.abs(t));
  return [0, 1, 2].map((i) => Math.round(bg[i] + (end[i] - bg[i]) * w)) as [number, number, number];
}

/**
 * The K × K grid of B − A: rates per true class (each row divided by that class's test images) in
 * percentage points, or counts of images; on a symmetric diverging scale whose end is the largest
 * |Δ|. Rows are true classes, columns predictions; the diagonal (correct) is outlined.
 */
export function drawConfusionDelta(canvas: HTMLCanvasElement, comparison: RunComparison, mode: 'rates' | 'counts', palette: Palette): DiffLayout {
  const names = comparison.classNames;
  const k = names.length;
  // The canvas is as tall as its cells need at its width (cells of 12 to 46 pixels).
  const measure = canvas.getContext('2d')!;
  measure.font = FONT;
  const nameWidth = Math.min(120, 8 + Math.max(...names.map((n) => measure.measureText(n).width)));
  const labels = k <= 24;
  const head = labels ? Math.min(90, nameWidth * 0.72 + 14) : 24;
  const legend = 58;
  const x = (labels ? nameWidth : 24) + 22;
  const cell = Math.max(12, Math.min(46, Math.floor((canvas.clientWidth - x - 8) / k)));
  canvas.style.height = `${Math.ceil(head + k * cell + legend)}px`;
  const { ctx } = context(canvas, palette.bg);
  const values = mode === 'rates' ? comparison.confusionDelta.rates.map((row) => row.map((v) => 100 * v)) : comparison.confusionDelta.counts;
  const largest = Math.max(...values.flat().map(Math.abs));
  const scale = largest > 0 ? largest : 1;
  const y = head;
  const bg = rgbOf(ctx, palette.bg);
  for (let t = 0; t < k; t++) {
    for (let p = 0; p < k; p++) {
      const v = values[t][p];
      const [r, g, b] = divergingColor(v / scale, bg);
      ctx.fillStyle = `rgb(${r},${g},${b})`;
      ctx.fillRect(x + p * cell, y + t * cell, cell - 1, cell - 1);
      if (cell >= 24 && v !== 0) {
        const light = 0.299 * r + 0.587 * g + 0.114 * b < 140;
        const label = mode === 'rates' ? signed(v) : signed(v, 0);
        if (Math.abs(v) >= (mode === 'rates' ? 0.05 : 1)) text(ctx, label, x + (p + 0.5) * cell, y + (t + 0.5) * cell, light ? '#ffffff' : '#1d2330', 'center', `${cell >= 34 ? 11 : 9}px ui-monospace, monospace`);
      }
    }
    // The diagonal: correct predictions (there, red means B gets more right).
    ctx.strokeStyle = palette.fg;
    ctx.globalAlpha = 0.55;
    ctx.strokeRect(x + t * cell + 0.5, y + t * cell + 0.5, cell - 2, cell - 2);
    ctx.globalAlpha = 1;
  }
  if (labels) {
    names.forEach((name, c) => {
      text(ctx, fit(ctx, name, nameWidth - 4), x - 6, y + (c + 0.5) * cell, palette.fg, 'right');
      ctx.save();
      ctx.translate(x + (c + 0.5) * cell, y - 6);
      ctx.rotate(-Math.PI / 4);
      text(ctx, fit(ctx, name, head * 1.3 - 12), 0, 0, palette.fg, 'left');
      ctx.restore();
    });
  }
  // Axis titles.
  ctx.save();
  ctx.translate(10, y + (k * cell) / 2);
  ctx.rotate(-Math.PI / 2);
  text(ctx, 'true class', 0, 0, palette.muted, 'center');
  ctx.restore();
  text(ctx, 'predicted →', x + k * cell, 10, palette.muted, 'right');
  // The scale: a gradient bar from −scale to +scale, and what the numbers are.
  const bar = { x, y: y + k * cell + 12, width: Math.min(240, k * cell), height: 10 };
  for (let i = 0; i < bar.width; i++) {
    const [r, g, b] = divergingColor((2 * i) / (bar.width - 1) - 1, bg);
    ctx.fillStyle = `rgb(${r},${g},${b})`;
    ctx.fillRect(bar.x + i, bar.y, 1, bar.height);
  }
  const unit = mode === 'rates' ? ' points' : ' images';
  const end = mode === 'rates' ? scale.toFixed(1) : String(scale);
  text(ctx, `−${end}`, bar.x, bar.y + 20, palette.muted, 'left');
  text(ctx, '0', bar.x + bar.width / 2, bar.y + 20, palette.muted, 'center');
  text(ctx, `+${end}${unit}`, bar.x + bar.width, bar.y + 20, palette.muted, 'right');
  text(ctx, mode === 'rates' ? 'B − A, % of each true class (row-normalised) · red: more in B, blue: fewer' : 'B − A, images · red: more in B, blue: fewer', bar.x, bar.y + 38, palette.muted);
  return { x, y, cell, classes: k, scale };
}

/** A CSS colour as RGB bytes (the 2D context normalises any CSS colour syntax). */
function rgbOf(ctx: CanvasRenderingContext2D, color: string): [number, number, number] {
  ctx.save();
  ctx.fillStyle = '#ffffff';
  ctx.fillStyle = color;
  const value = ctx.fillStyle;
  ctx.restore();
  const hex = /^#([0-9a-f]{6})$/i.exec(value);
  if (hex) return [0, 2, 4].map((i) => parseInt(hex[1].slice(i, i + 2), 16)) as [number, number, number];
  const parts = /rgba?\(([^)]+)\)/.exec(value)?.[1].split(',').map(Number) ?? [255, 255, 255];
  return [parts[0], parts[1], parts[2]];
}
