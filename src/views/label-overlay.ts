/**
 * A view's text labels as DOM elements over its canvas: class names, titles, legend numbers, cell
 * counts. Text stays crisp at any zoom, and pages style it with CSS by each label's kind.
 */
import type { ViewLabel } from './canvas-view.js';

/** How legend numbers are written: 2 significant digits, exponent form when very large or small. */
export const formatRangeNumber = (x: number) => (x === 0 ? '0' : Math.abs(x) >= 100 || Math.abs(x) < 0.01 ? x.toExponential(1) : x.toPrecision(2));

/**
 * Replaces the children of `overlay` (positioned over the canvas) with one span per label, classed
 * `label <kind> <align>`; legend ends get their numbers from `ranges` (CanvasView.readRanges()).
 * @example renderLabels(overlayDiv, view.labels, await view.readRanges());
 */
export function renderLabels(overlay: HTMLElement, labels: readonly ViewLabel[], ranges: readonly [number, number][] = []): void {
  overlay.replaceChildren(
    ...labels.map((label) => {
      const span = document.createElement('span');
      span.className = `label ${label.kind} ${label.align}`;
      span.style.left = `${label.x}px`;
      span.style.top = `${label.y}px`;
      const range = label.rangeOf && ranges[label.rangeOf.panel];
      span.textContent = label.rangeOf ? (range ? formatRangeNumber(range[label.rangeOf.end === 'low' ? 0 : 1]) : '') : label.text;
      return span;
    }),
  );
}
