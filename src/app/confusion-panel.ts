/**
 * The confusion explorer: the matrix, the most confused pairs, and a gallery of the samples of the
 * clicked cell; picking a thumbnail makes it the current sample (its strips show at once), and the
 * arrow keys step through the gallery.
 */
import { mostConfusedPairs, samplesWith } from '../analysis/diagnosis.js';
import { FASHION_MNIST_CLASSES, type ImageSet } from '../data/dataset.js';
import type { Evaluation } from '../engine/evaluation-pass.js';
import { imageCanvas, type ConfusionView } from '../views/index.js';

const GALLERY_LIMIT = 200;

export interface ConfusionPanelElements {
  canvas: HTMLCanvasElement;
  pairs: HTMLElement;
  gallery: HTMLElement;
  caption: HTMLElement;
  previous: HTMLButtonElement;
  next: HTMLButtonElement;
}

export class ConfusionPanel {
  private evaluation?: Evaluation;
  private samples: number[] = [];
  private position = -1;

  constructor(
    private readonly view: ConfusionView,
    private readonly test: ImageSet,
    private readonly elements: ConfusionPanelElements,
    /** Makes test sample `index` the current one (the strips follow). */
    private readonly showSample: (index: number) => void,
    private readonly names: readonly string[] = FASHION_MNIST_CLASSES,
  ) {
    elements.canvas.onclick = (event) => {
      const cell = view.cellAt(event.offsetX, event.offsetY);
      if (cell) this.open(cell.truth, cell.predicted);
    };
    elements.canvas.onmousemove = (event) => (elements.canvas.style.cursor = view.cellAt(event.offsetX, event.offsetY) ? 'pointer' : 'default');
    elements.previous.onclick = () => this.step(-1);
    elements.next.onclick = () => this.step(1);
    elements.gallery.onkeydown = (event) => {
      if (event.key === 'ArrowLeft' || event.key === 'ArrowRight') {
        event.preventDefault();
        this.step(event.key === 'ArrowLeft' ? -1 : 1);
      }
    };
  }

  /** Shows a new evaluation; the open cell stays open with the new predictions. */
  update(evaluation: Evaluation): void {
    this.evaluation = evaluation;
    this.view.setConfusion(evaluation.confusion);
    this.elements.pairs.replaceChildren(
      'Most confused: ',
      ...mostConfusedPairs(evaluation.confusion, 5).map((pair) => {
        const button = document.createElement('button');
        button.className = 'pair';
        button.textContent = `${this.names[pair.truth]} → ${this.names[pair.predicted]} ${(100 * pair.rate).toFixed(1)}%`;
        button.onclick = () => this.open(pair.truth, pair.predicted);
        return button;
      }),
    );
    const selected = this.view.selected;
    if (selected) this.open(selected.truth, selected.predicted);
  }

  /** Opens cell (truth, predicted): its samples as thumbnails. */
  open(truth: number, predicted: number): void {
    if (!this.evaluation) return;
    this.view.select(truth, predicted);
    this.samples = samplesWith(this.evaluation.predictions, this.test.labels, truth, predicted);
    const what = truth === predicted ? `${this.names[truth]} classified correctly` : `${this.names[truth]} predicted as ${this.names[predicted]}`;
    const shown = Math.min(this.samples.length, GALLERY_LIMIT);
    this.elements.caption.textContent = `${what}: ${this.samples.length} test images` + (shown < this.samples.length ? ` (first ${shown} shown)` : '') +
      (this.samples.length ? ' · click one, or use ← → to step' : '');
    this.elements.gallery.replaceChildren(
      ...this.samples.slice(0, shown).map((index, position) => {
        const thumbnail = imageCanvas(this.test, index);
        thumbnail.title = `test image #${index}`;
        thumbnail.onclick = () => this.pick(position);
        return thumbnail;
      }),
    );
    this.position = -1;
    if (this.samples.length) this.pick(0);
  }

  private pick(position: number): void {
    const thumbnails = this.elements.gallery.children;
    thumbnails[this.position]?.classList.remove('picked');
    this.position = position;
    thumbnails[position]?.classList.add('picked');
    thumbnails[position]?.scrollIntoView({ block: 'nearest' });
    this.showSample(this.samples[position]);
  }

  private step(delta: number): void {
    const shown = Math.min(this.samples.length, GALLERY_LIMIT);
    if (shown) this.pick((this.position + delta + shown) % shown);
  }
}
