/**
 * The confusion explorer: the matrix, the most confused pairs, and a gallery of the samples of the
 * clicked cell; picking a thumbnail makes it the current sample (its strips show at once), and the
 * arrow keys step through the gallery. By keyboard, the arrow keys move a cursor over the focused
 * matrix (outlined, and spoken through `announce`) and Enter opens its cell.
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
  /** A live region: what the keyboard cursor is on. */
  announce?: HTMLElement;
}

type Cell = { truth: number; predicted: number };

export class ConfusionPanel {
  /** Called when a cell opens, with its samples (the element computes their mean saliency). */
  onOpen?: (samples: readonly number[], truth: number, predicted: number) => void;
  private evaluation?: Evaluation;
  private samples: number[] = [];
  private position = -1;
  /** The cell whose images the gallery shows, and the keyboard's cell. */
  private opened?: Cell;
  private cursor: Cell = { truth: 0, predicted: 0 };

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
    // Hover names the cell: with many classes the matrix has no room for every count and name.
    elements.canvas.onmousemove = (event) => {
      const cell = view.cellAt(event.offsetX, event.offsetY);
      elements.canvas.style.cursor = cell ? 'pointer' : 'default';
      elements.canvas.title = cell && this.evaluation ? this.cellText(cell) : '';
    };
    elements.canvas.onwheel = (event) => {
      event.preventDefault();
      view.zoomAt(Math.exp(-event.deltaY * 0.002), event.offsetX, event.offsetY);
    };
    elements.canvas.ondblclick = () => view.resetView();
    elements.previous.onclick = () => this.step(-1);
    elements.next.onclick = () => this.step(1);
    elements.canvas.onkeydown = (event) => this.onKey(event);
    elements.canvas.onfocus = () => elements.canvas.matches(':focus-visible') && this.moveCursor(this.cursor); // keyboard focus, not a click
    elements.canvas.onblur = () => (this.opened ? view.select(this.opened.truth, this.opened.predicted) : view.select()); // the outline marks the open cell again
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
    if (this.opened) this.open(this.opened.truth, this.opened.predicted);
  }

  /** Arrow keys move the cursor cell (outlined and announced), Enter opens it. */
  private onKey(event: KeyboardEvent): void {
    const { truth, predicted } = this.cursor;
    const last = this.names.length - 1;
    const moves: Record<string, Cell> = {
      ArrowUp: { truth: Math.max(0, truth - 1), predicted }, ArrowDown: { truth: Math.min(last, truth + 1), predicted },
      ArrowLeft: { truth, predicted: Math.max(0, predicted - 1) }, ArrowRight: { truth, predicted: Math.min(last, predicted + 1) },
      Home: { truth, predicted: 0 }, End: { truth, predicted: last },
    };
    if (event.key in moves) this.moveCursor(moves[event.key]);
    else if (event.key === 'Enter') {
      this.open(truth, predicted);
      if (this.evaluation) this.say(this.elements.caption.textContent ?? '');
    } else return;
    event.preventDefault();
  }

  private moveCursor(cell: Cell): void {
    this.cursor = cell;
    if (!this.evaluation) return this.say('No evaluation yet: evaluate, or finish an epoch, to fill the matrix.');
    this.view.select(cell.truth, cell.predicted);
    this.say(`${this.cellText(cell)}. Enter shows them.`);
  }

  /** "true Coat, predicted Shirt: 2 of 1000 test images (0.2%)". */
  private cellText(cell: Cell): string {
    const row = this.evaluation!.confusion[cell.truth];
    const count = row[cell.predicted];
    const total = row.reduce((a, b) => a + b, 0);
    const share = total ? ` (${((100 * count) / total).toFixed(1)}%)` : '';
    return `true ${this.names[cell.truth]}, predicted ${this.names[cell.predicted]}: ${count} of ${total} test images${share}`;
  }

  private say(text: string): void {
    if (this.elements.announce) this.elements.announce.textContent = text;
  }

  /** Opens cell (truth, predicted): its samples as thumbnails. */
  open(truth: number, predicted: number): void {
    if (!this.evaluation) return;
    this.opened = this.cursor = { truth, predicted };
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
        thumbnail.setAttribute('role', 'img');
        thumbnail.setAttribute('aria-label', thumbnail.title);
        thumbnail.onclick = () => this.pick(position);
        return thumbnail;
      }),
    );
    this.position = -1;
    this.onOpen?.(this.samples, truth, predicted);
    if (this.samples.length) this.pick(0);
  }

  private pick(position: number): void {
    const thumbnails = this.elements.gallery.children;
    thumbnails[this.position]?.classList.remove('picked');
    thumbnails[this.position]?.removeAttribute('aria-current');
    this.position = position;
    thumbnails[position]?.classList.add('picked');
    thumbnails[position]?.setAttribute('aria-current', 'true');
    thumbnails[position]?.scrollIntoView({ block: 'nearest' });
    this.showSample(this.samples[position]);
  }

  private step(delta: number): void {
    const shown = Math.min(this.samples.length, GALLERY_LIMIT);
    if (shown) this.pick((this.position + delta + shown) % shown);
  }
}
