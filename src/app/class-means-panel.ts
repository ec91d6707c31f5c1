/** The class-means explorer: all classes, or two compared (A, B, A − B), raw or activated, with a hover readout. */
import { FASHION_MNIST_CLASSES, isFashionMnist } from '../data/dataset.js';
import type { Evaluation } from '../engine/evaluation-pass.js';
import type { ClassMeansQuantity, ClassMeansView } from '../views/index.js';

export interface ClassMeansElements {
  canvas: HTMLCanvasElement;
  quantity: HTMLSelectElement;
  mode: HTMLSelectElement;
  a: HTMLSelectElement;
  b: HTMLSelectElement;
  readout: HTMLElement;
}

export class ClassMeansPanel {
  constructor(private readonly view: ClassMeansView, private readonly elements: ClassMeansElements, private readonly names: readonly string[]) {
    for (const select of [elements.a, elements.b]) select.replaceChildren(...names.map((name, c) => new Option(name, String(c))));
    // The pair to compare first: Fashion-MNIST's most confused one, else the first two classes.
    const [a, b] = isFashionMnist(names) ? [FASHION_MNIST_CLASSES.indexOf('Pullover'), FASHION_MNIST_CLASSES.indexOf('Shirt')] : [0, 1];
    elements.a.value = String(a);
    elements.b.value = String(b);
    const apply = () => {
      view.setQuantity(elements.quantity.value as ClassMeansQuantity);
      const comparing = elements.mode.value === 'compare';
      elements.a.disabled = elements.b.disabled = !comparing;
      if (comparing) view.compare(Number(elements.a.value), Number(elements.b.value));
      else view.compare();
    };
    for (const select of [elements.quantity, elements.mode, elements.a, elements.b]) select.onchange = apply;
    apply();
    elements.canvas.onmousemove = (event) => this.describe(event.offsetX, event.offsetY);
  }

  update(evaluation: Evaluation): void {
    this.view.setClassMeans(evaluation.classMeans);
  }

  private describe(x: number, y: number): void {
    const place = this.view.locate(x, y);
    const q = this.elements.quantity.value as ClassMeansQuantity;
    const layerName = (l: number) => (l === this.view.similarities.length - 1 ? 'output' : `hidden ${l + 1}`);
    if (!place || !this.view.similarities.length) return void (this.elements.readout.textContent = 'hover the view to read it');
    if (place.kind === 'similarity') {
      const value = this.view.similarities[place.layer][q][place.classA!][place.classB!];
      this.elements.readout.textContent = `${layerName(place.layer)}: cosine(${this.names[place.classA!]}, ${this.names[place.classB!]}) = ${value.toFixed(3)}`;
    } else {
      const classes = place.kind === 'difference' ? `${this.names[place.classA!]} − ${this.names[place.classB!]}` : this.names[place.classA!];
      this.elements.readout.textContent = `${layerName(place.layer)} neuron ${place.neuron}: mean ${q} output of ${classes}`;
    }
  }
}
