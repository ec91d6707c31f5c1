/**
 * Accessibility. axe-core on the pages (www/index.html, embed.html, parts.html, blog.html), light and
 * dark, idle and after an epoch, finds no serious or critical violation. Then what axe cannot see:
 * the host's role and name, the confusion matrix and the weights readout by keyboard, focus rings,
 * and a live region that speaks once per epoch, not once per chunk.
 */
import { expect } from '@esm-bundle/chai';
import { emulateMedia, sendKeys } from '@web/test-runner-commands';
import type { AxeResults } from 'axe-core';
import type { Dataset, ImageSet } from '../../src/data/dataset.js';
import type { NnScope } from '../../src/elements/nn-scope.js';
import { addScope, nextEvent, smallDataset, until } from '../shared/element-fixture.js';

const PARTS = 'nn-controls, nn-strips, nn-weights, nn-curves, nn-confusion, nn-class-means';
const settle = (ms = 500) => new Promise((resolve) => setTimeout(resolve, ms));

// ── the pages, in an iframe, with axe injected into it ─────────────────────────────────────────

interface Page {
  frame: HTMLIFrameElement;
  doc: Document;
  scope: NnScope;
}

/** Opens `path` in an iframe (a page-sized one) and waits until its <nn-scope> and parts are drawn. */
async function openPage(path: string): Promise<Page> {
  const frame = document.createElement('iframe');
  frame.style.cssText = 'width:1280px;height:3200px;border:0;display:block';
  const loaded = new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
  frame.src = path;
  document.body.append(frame);
  await loaded;
  const doc = frame.contentDocument!;
  await frame.contentWindow!.customElements.whenDefined('nn-scope');
  const scope = doc.querySelector('nn-scope') as NnScope;
  await scope.whenReady();
  await viewsDrawn(doc, scope);
  return { frame, doc, scope };
}

/** Every part of the page (placed by the page, or inside the scope). */
function partsOf(doc: Document, scope: NnScope): HTMLElement[] {
  return [...doc.querySelectorAll<HTMLElement>(PARTS), ...scope.shadowRoot!.querySelectorAll<HTMLElement>(PARTS)];
}

async function viewsDrawn(doc: Document, scope: NnScope): Promise<void> {
  const parts = partsOf(doc, scope) as (HTMLElement & { view?: { frames: number }; updateComplete: Promise<unknown> })[];
  await until(() => parts.every((part) => !part.shadowRoot?.querySelector('canvas.gpu') || (part.view?.frames ?? 0) > 0), 'every view drawn');
  await Promise.all(parts.map((part) => part.updateComplete));
  await settle();
}

function firstOf(set: ImageSet, count: number): ImageSet {
  const size = set.rows * set.cols;
  return { ...set, count, images: set.images.subarray(0, count * size), labels: set.labels.subarray(0, count) };
}

/** Trains one epoch on a small subset of the page's own data set, pauses, and opens a confusion cell. */
async function trainOneEpoch({ doc, scope }: Page): Promise<void> {
  const full = scope.session!.dataset;
  const ready = new Promise((resolve) => scope.addEventListener('nn-ready', resolve, { once: true }));
  scope.data = { train: firstOf(full.train, 256), test: firstOf(full.test, 200), classNames: full.classNames } satisfies Dataset;
  await ready;
  const epoch = new Promise((resolve) => scope.addEventListener('nn-epoch', resolve, { once: true }));
  void scope.start();
  await epoch;
  await scope.pause();
  await viewsDrawn(doc, scope);
  const confusion = partsOf(doc, scope).find((part) => part.localName === 'nn-confusion');
  (confusion?.shadowRoot!.querySelector('button.pair') as HTMLButtonElement | null)?.click(); // fills the gallery
  await settle();
}

let axeSource: Promise<string> | undefined;

/** axe-core's results on the page (it looks into shadow roots by itself). */
async function runAxe({ frame, doc }: Page): Promise<AxeResults> {
  const win = frame.contentWindow as Window & { axe?: typeof import('axe-core') };
  if (!win.axe) {
    axeSource ??= fetch('/node_modules/axe-core/axe.min.js').then((response) => response.text());
    const script = doc.createElement('script');
    script.textContent = await axeSource;
    doc.head.append(script);
  }
  return win.axe!.run(doc, { resultTypes: ['violations'] });
}

/** One line per serious or critical violation at one node: what to fix, and where. */
function serious(results: AxeResults, where: string): string[] {
  return results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').flatMap((v) =>
    v.nodes.map((node) => `${where}: ${v.id} (${v.impact}) at ${JSON.stringify(node.target)}: ${node.failureSummary?.replace(/\s+/g, ' ')}`));
}

/** Counts of every violation by id and impact, for the log. */
function summary(results: AxeResults): string {
  return results.violations.map((v) => `${v.id}/${v.impact}×${v.nodes.length}`).join(', ') || 'none';
}

/** Sets (or removes) the theme attribute on every nnscope element the page placed. */
function setTheme(doc: Document, theme: string | null): void {
  for (const element of doc.querySelectorAll(`nn-scope, ${PARTS}`)) {
    if (theme) element.setAttribute('theme', theme);
    else element.removeAttribute('theme');
  }
}

/** The page in each theme: system light, system dark, and the theme attribute against the system. */
async function checkThemes(page: Page, state: string, found: string[]): Promise<void> {
  const themes: [string, 'light' | 'dark', string | null][] = [
    ['light', 'light', null], ['dark', 'dark', null], ['theme="dark" on a light system', 'light', 'dark'], ['theme="light" on a dark system', 'dark', 'light'],
  ];
  for (const [name, system, attribute] of themes) {
    await emulateMedia({ colorScheme: system });
    setTheme(page.doc, attribute);
    await viewsDrawn(page.doc, page.scope);
    const results = await runAxe(page);
    console.log(`axe ${page.frame.src.replace(location.origin, '')}, ${state}, ${name}: ${summary(results)}`);
    found.push(...serious(results, `${state}, ${name}`));
  }
  setTheme(page.doc, null);
  await emulateMedia({ colorScheme: 'light' });
}

describe('accessibility (axe-core): no serious or critical violations', () => {
  for (const path of ['/www/index.html', '/www/embed.html', '/www/parts.html', '/www/blog.html']) {
    it(`${path}, light and dark, idle and after an epoch`, async () => {
      const page = await openPage(path);
      try {
        const found: string[] = [];
        await checkThemes(page, 'idle', found);
        await trainOneEpoch(page);
        await checkThemes(page, 'after an epoch', found);
        expect(found, `axe violations on ${path}:\n${found.join('\n')}\n`).to.deep.equal([]);
      } finally {
        page.frame.remove();
        await emulateMedia({ colorScheme: 'light' });
      }
    });
  }
});

// ── what axe cannot see ─────────────────────────────────────────────────────────────────────────

const inShadow = <T extends Element = HTMLElement>(element: Element, selector: string) => element.shadowRoot!.querySelector(selector) as T;
const part = <T extends Element = HTMLElement>(scope: NnScope, name: string) => inShadow<T>(scope, name);

/** The focused element, looking into shadow roots. */
function deepActive(): Element | null {
  let active = document.activeElement;
  while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
  return active;
}

/** A scope on `train` / `test` images of the small data set. */
async function scopeOn(attributes: Record<string, string>, train = 512, test = 200): Promise<NnScope> {
  const scope = document.createElement('nn-scope');
  for (const [name, value] of Object.entries(attributes)) scope.setAttribute(name, value);
  scope.data = await smallDataset(train, test);
  const ready = nextEvent(scope, 'nn-ready');
  document.body.append(scope);
  await ready;
  return scope;
}

describe('accessibility beyond axe', () => {
  it('the host is a region named "nnscope: neural network training"; a page-set role and name win', async () => {
    const scope = await addScope({ view: 'controls' });
    const named = await addScope({ view: 'controls', 'aria-label': 'digit classifier', role: 'application' });
    try {
      expect(scope.getAttribute('role')).to.equal('region');
      expect(scope.getAttribute('aria-label')).to.equal('nnscope: neural network training');
      expect(named.getAttribute('role')).to.equal('application');
      expect(named.getAttribute('aria-label')).to.equal('digit classifier');
    } finally {
      scope.remove();
      named.remove();
    }
  });

  it('the confusion matrix by keyboard: arrows move the outlined cell and say it, Enter opens its images', async () => {
    const scope = await scopeOn({ view: 'confusion', 'sample-rate': '0' });
    try {
      const confusion = part<HTMLElement & { view?: import('../../src/views/index.js').ConfusionView }>(scope, 'nn-confusion');
      await until(() => !!confusion.view, 'the confusion view');
      await scope.evaluate();
      const canvas = inShadow<HTMLCanvasElement>(confusion, 'canvas.gpu');
      const announce = inShadow(confusion, '.announce');
      canvas.focus({ focusVisible: true } as FocusOptions); // as by Tab: the cursor shows
      expect(confusion.view!.selected, 'focus outlines the first cell').to.deep.equal({ truth: 0, predicted: 0 });
      await sendKeys({ press: 'ArrowRight' });
      await sendKeys({ press: 'ArrowDown' });
      await sendKeys({ press: 'ArrowDown' });
      expect(confusion.view!.selected).to.deep.equal({ truth: 2, predicted: 1 });
      expect(announce.textContent).to.match(/^true Pullover, predicted Trouser: \d+ of \d+ test images/);
      expect(scope.session!.sample, 'arrows do not step the test images').to.equal(0);
      // Then to the fullest cell of the row (an untrained network predicts few classes), and open it.
      const row = scope.session!.evaluation!.confusion[2];
      const fullest = row.indexOf(Math.max(...row));
      for (let k = 1; k !== fullest; k += Math.sign(fullest - k)) await sendKeys({ press: fullest > k ? 'ArrowRight' : 'ArrowLeft' });
      await sendKeys({ press: 'Enter' });
      const caption = inShadow(confusion, '.caption').textContent!;
      expect(caption).to.match(new RegExp(`^Pullover (classified correctly|predicted as [^:]+): ${row[fullest]} test images`));
      expect(announce.textContent, 'Enter says what opened').to.equal(caption);
      const gallery = inShadow(confusion, '.gallery');
      expect(gallery.children.length).to.be.greaterThan(0);
      expect(gallery.querySelector('[aria-current="true"]')?.getAttribute('aria-label')).to.match(/^test image #\d+$/);
    } finally {
      scope.remove();
    }
  });

  it('the weights readout by keyboard: arrows, Page Down, ] and B move it, and it reads the right value', async () => {
    const scope = await scopeOn({ view: 'weights', layers: '16', 'sample-rate': '0' });
    try {
      const weights = part<HTMLElement & { view?: import('../../src/views/index.js').WeightsView; updateComplete: Promise<boolean> }>(scope, 'nn-weights');
      await until(() => (weights.view?.frames ?? 0) > 0, 'the weights view');
      const canvas = inShadow<HTMLCanvasElement>(weights, 'canvas.gpu');
      const readout = () => inShadow(weights, '.tick').textContent!.trim();
      const spoken = () => inShadow(weights, '.sr-only[aria-live]').textContent!.trim();
      const [layer1, layer2] = await scope.engine!.readTrainingDictionary();
      const value = (x: number) => x.toPrecision(4);
      canvas.focus({ focusVisible: true } as FocusOptions); // as by Tab: the cursor shows
      await until(() => readout().startsWith('layer 1 weights, neuron 0 from pixel (0, 0)'), 'the readout at the first weight');
      expect(inShadow(weights, '.cursor'), 'the cursor cell is shown').to.not.equal(null);
      await sendKeys({ press: 'ArrowRight' });
      await sendKeys({ press: 'ArrowDown' });
      await sendKeys({ press: 'PageDown' });
      // Neuron 1, pixel (1, 1) = input 29: W[29, 1] = weights[29 · 16 + 1].
      await until(() => readout() === `layer 1 weights, neuron 1 from pixel (1, 1): ${value(layer1.weights[29 * 16 + 1])}`, `the readout of neuron 1, pixel (1, 1) (now "${readout()}")`);
      expect(spoken()).to.equal(readout());
      await sendKeys({ press: 'BracketRight' });
      await until(() => readout() === `layer 2 weights, neuron 1 from neuron 15: ${value(layer2.weights[15 * 10 + 1])}`, `the readout in layer 2 (now "${readout()}")`);
      await sendKeys({ press: 'b' });
      await until(() => readout() === `layer 2 biases, neuron 1: ${value(layer2.biases[1])}`, `the bias readout (now "${readout()}")`);
      expect(scope.session!.sample, 'arrows do not step the test images').to.equal(0);
      canvas.blur();
      await weights.updateComplete;
      expect(inShadow(weights, '.cursor'), 'no cursor without the focus').to.equal(null);
    } finally {
      scope.remove();
    }
  });

  it('every control shows a focus ring when tabbed to (the Import… input through its label, canvases through their view)', async () => {
    const scope = await scopeOn({ 'sample-rate': '0' });
    try {
      await scope.evaluate(); // the confusion pairs are buttons too
      await until(() => ['nn-weights', 'nn-confusion'].every((name) => !!(part(scope, name) as unknown as { view?: unknown }).view), 'the views');
      (document.activeElement as HTMLElement | null)?.blur();
      const visible = (element: Element) => {
        const style = getComputedStyle(element);
        return (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none';
      };
      const reached: string[] = [];
      const missing: string[] = [];
      for (let i = 0; i < 120; i++) {
        await sendKeys({ press: 'Tab' });
        const active = deepActive();
        if (!active || !isInside(scope, active)) break; // past the element
        const name = describeElement(active);
        reached.push(name);
        // The file input is transparent and the view clips its canvas: their wrappers draw the ring.
        const wrapper = active.closest('label.file, .view');
        if (!visible(active) && !(wrapper && visible(wrapper))) missing.push(name);
      }
      expect(reached, 'tabbing reaches the host, the Import… input and both canvases').to.include.members(['nn-scope', 'nn-controls input[type=file]', 'nn-weights canvas', 'nn-confusion canvas']);
      expect(missing, `no focus ring on: ${missing.join(', ')}`).to.deep.equal([]);
    } finally {
      scope.remove();
    }
  });

  it('live regions: the epoch status changes once per epoch; no live region changes between progress events', async () => {
    const scope = await scopeOn({ layers: '16', 'batch-size': '16', epochs: '2' }, 1024, 100); // 64 steps per epoch, progress every 16
    try {
      await until(() => !!part(scope, 'nn-controls')?.shadowRoot?.querySelector('.epoch-status'), 'the controls');
      const status = inShadow(part(scope, 'nn-controls'), '.epoch-status');
      expect(status.getAttribute('role')).to.equal('status');
      let statusChanges = 0;
      new MutationObserver((records) => (statusChanges += records.length)).observe(status, { childList: true, characterData: true, subtree: true });
      // What every live region says, at each progress event ('|' marks an epoch in between).
      const snapshots: (Map<Element, string> | '|')[] = [];
      scope.addEventListener('nn-progress', () => snapshots.push(liveTexts(scope)));
      scope.addEventListener('nn-epoch', () => snapshots.push('|'));
      const texts: string[] = [];
      scope.addEventListener('nn-epoch', () => void Promise.resolve().then(() => texts.push(status.textContent!)));
      await scope.start();
      expect(texts).to.have.length(2);
      expect(texts[0]).to.match(/^Epoch 1 of 2 done: test accuracy \d+\.\d%\.$/);
      expect(texts[1]).to.match(/^Epoch 2 of 2 done: test accuracy \d+\.\d%\.$/);
      expect(statusChanges, 'status mutations').to.equal(2);
      const progressCount = snapshots.filter((s) => s !== '|').length;
      expect(progressCount, 'progress events').to.be.greaterThan(4);
      const changed: string[] = [];
      for (let i = 1; i < snapshots.length; i++) {
        const [before, after] = [snapshots[i - 1], snapshots[i]];
        if (before === '|' || after === '|') continue;
        for (const [region, text] of after) if ((before.get(region) ?? '') !== text) changed.push(`${describeElement(region)}: "${before.get(region)}" → "${text}"`);
      }
      expect(changed, 'live regions that changed between two progress events').to.deep.equal([]);
    } finally {
      scope.remove();
    }
  });
});

/** Whether `element` is `host`, or lies in it or in a shadow root under it. */
function isInside(host: Element, element: Element): boolean {
  for (let node: Element | undefined = element; node; node = (node.getRootNode() as ShadowRoot).host) {
    if (node === host || host.contains(node)) return true;
  }
  return false;
}

/** A short name for an element: its part's tag and its own tag (type for inputs). */
function describeElement(element: Element): string {
  const host = (element.getRootNode() as ShadowRoot).host;
  const own = element.localName === 'input' ? `input[type=${(element as HTMLInputElement).type}]` : element.localName;
  if (!host) return own;
  return `${host.localName === 'nn-scope' ? '' : `${host.localName} `}${own}`.trim();
}

/** The text of every live region (aria-live other than off, role status, alert or log) in the scope and its parts. */
function liveTexts(scope: NnScope): Map<Element, string> {
  const texts = new Map<Element, string>();
  const visit = (root: ShadowRoot) => {
    for (const element of root.querySelectorAll('*')) {
      const live = element.getAttribute('aria-live');
      if ((live && live !== 'off') || ['status', 'alert', 'log'].includes(element.getAttribute('role') ?? '')) texts.set(element, element.textContent!.replace(/\s+/g, ' ').trim());
      if (element.shadowRoot) visit(element.shadowRoot);
    }
  };
  visit(scope.shadowRoot!);
  return texts;
}
