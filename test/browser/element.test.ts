/** `<nn-scope>` driven as a user would: attributes, clicks, keys, events, pixels, files, a lost device, and leaks. */
import { expect } from '@esm-bundle/chai';
import { liveBufferCount } from '../../src/gpu/buffers.js';
import type { ScopeEpoch, ScopeProgress } from '../../src/app/scope.js';
import type { NnScope } from '../../src/elements/nn-scope.js';
import { addScope, differingShare, nextEvent, smallDataset, until, viewPixels } from '../shared/element-fixture.js';

const shadow = (element: Element, selector: string) => element.shadowRoot!.querySelector(selector) as HTMLElement;
const messageOf = (scope: NnScope) => shadow(scope, '.message')?.textContent?.replace(/\s+/g, ' ').trim() ?? '';

/** Runs `body` with a fresh scope, then removes it and checks that every GPU buffer it made was destroyed. */
async function withScope(attributes: Record<string, string>, body: (scope: NnScope) => Promise<void>): Promise<void> {
  const before = liveBufferCount();
  const scope = await addScope(attributes);
  try {
    await body(scope);
  } finally {
    scope.remove();
  }
  await until(() => liveBufferCount() === before, `the live-buffer count to return to ${before} (now ${liveBufferCount()})`, 10_000);
}

describe('<nn-scope>', () => {
  it('with no attributes builds the reference network and shows every view', () => withScope({}, async (scope) => {
    expect(scope.engine!.config.sizes).to.deep.equal([784, 128, 128, 10]);
    expect(scope.engine!.config.optimizer).to.include({ type: 'sgd', learningRate: 0.01, momentum: 0.9 });
    const parts = ['nn-controls', 'nn-strips', 'nn-weights', 'nn-curves', 'nn-confusion', 'nn-class-means'];
    for (const part of parts) expect(shadow(scope, part), part).to.not.equal(null);
    await until(() => !!shadow(scope, 'nn-weights') && !!(shadow(scope, 'nn-weights') as unknown as { view?: unknown }).view, 'the weights view');
  }));

  it('layers="conv 3x3 4, pool 2, 16" builds a CNN, trains a step and shows every view, the maps in the strips; a changed layers attribute rebuilds and fires nn-ready', () => withScope(
    { layers: 'conv 3x3 4, pool 2, 16', 'sample-rate': '0' },
    async (scope) => {
      const config = scope.engine!.config;
      expect(config.layers.map((layer) => layer.kind)).to.deep.equal(['conv', 'dense', 'dense']);
      expect(scope.layers).to.deep.equal(['conv 3x3 4', 'pool 2', 16]);
      for (const part of ['nn-controls', 'nn-strips', 'nn-weights', 'nn-curves', 'nn-confusion', 'nn-class-means']) expect(shadow(scope, part), part).to.not.equal(null);
      await scope.step(2);
      const strips = shadow(scope, 'nn-strips') as unknown as { view?: { panelSpecs: readonly { tiles?: number; tileWidth?: number }[] } };
      await until(() => !!strips.view, 'the strips view');
      // Raw, activated and pooled grids of 4 channels: 28×28, 28×28, 14×14 (and their legends).
      expect(strips.view!.panelSpecs.filter((p) => p.tiles === 4).map((p) => p.tileWidth)).to.include.members([28, 14]);
      await scope.evaluate();
      const rebuilt = nextEvent<{ engine: { config: typeof config } }>(scope, 'nn-ready');
      scope.setAttribute('layers', 'conv 5x5 8, 12');
      await scope.reset();
      expect((await rebuilt).engine.config.layers.map((layer) => layer.kind)).to.deep.equal(['conv', 'dense', 'dense']);
      expect(scope.engine!.config.sizes).to.deep.equal([784, 28 * 28 * 8, 12, 10]);
    },
  ));

  it('reflects attributes to properties (and back) and builds the network they describe', () => withScope(
    { layers: '32', activation: 'tanh', optimizer: 'adam', 'learning-rate': '0.002', 'batch-size': '64', seed: '7', epochs: '1', view: 'controls,weights' },
    async (scope) => {
      const config = scope.engine!.config;
      expect(config.sizes).to.deep.equal([784, 32, 10]);
      expect(config.activation).to.equal('tanh');
      expect(config.optimizer).to.include({ type: 'adam', learningRate: 0.002 });
      expect(config.batchSize).to.equal(64);
      expect(config.seed).to.equal(7);
      expect(scope.learningRate).to.equal(0.002);
      expect(scope.momentum, 'a default: the value in effect').to.equal(0.9);
      expect(scope.layers).to.deep.equal([32]);
      expect(shadow(scope, 'nn-strips')).to.equal(null);
      expect(shadow(scope, 'nn-weights')).to.not.equal(null);
      scope.batchSize = 32; // a property: reflected as an attribute; nothing trained yet, so the engine is rebuilt
      await until(() => scope.engine?.config.batchSize === 32, 'the rebuilt engine');
      expect(scope.getAttribute('batch-size')).to.equal('32');
    },
  ));

  it('says which attribute value is wrong, fires nn-error, and builds nothing from it', async () => {
    const cases: [string, string, string][] = [
      ['layers', '128,x', 'layers item 2 ("x") is not a layer. Allowed: a dense width such as 128'], ['activation', 'softplus', 'relu, sigmoid, tanh'], ['optimizer', 'rmsprop', 'sgd, adam'],
      ['learning-rate', '-1', 'above 0'], ['momentum', '1', 'up to (not including) 1'], ['batch-size', '0', '1 to 8192'],
      ['epochs', '1.5', 'whole number'], ['seed', '-3', '0 to 4294967295'], ['view', 'strips,bogus', 'unknown: bogus'],
      ['colormap', 'rainbow', 'viridis'], ['sample-rate', 'fast', 'per second'], ['theme', 'sepia', 'light, dark'],
    ];
    const before = liveBufferCount();
    for (const [attribute, value, hint] of cases) {
      const scope = document.createElement('nn-scope');
      scope.setAttribute(attribute, value);
      scope.data = await smallDataset();
      let ready = false;
      scope.addEventListener('nn-ready', () => (ready = true));
      const error = nextEvent<{ message: string; attribute: string }>(scope, 'nn-error', 5000);
      document.body.append(scope);
      try {
        const detail = await error;
        expect(detail.attribute, value).to.equal(attribute);
        expect(detail.message).to.include(`${attribute}="${value}"`).and.include(hint);
        await scope.updateComplete;
        expect(messageOf(scope)).to.include(`${attribute}="${value}"`);
        expect(ready || scope.engine !== undefined, `${attribute}: nothing built`).to.equal(false);
        // Fixing the value clears the message and builds the network.
        const built = nextEvent(scope, 'nn-ready');
        scope.removeAttribute(attribute);
        await built;
        expect(messageOf(scope)).to.equal('');
      } finally {
        scope.remove();
      }
    }
    await until(() => liveBufferCount() === before, `the live-buffer count to return to ${before} (now ${liveBufferCount()})`, 10_000);
  });

  it('a bad value on a running element is shown and refused; the element runs on with its views and last settings', () => withScope({ 'sample-rate': '0' }, async (scope) => {
    const engine = scope.engine;
    const error = nextEvent<{ attribute: string }>(scope, 'nn-error');
    scope.setAttribute('layers', '64,abc');
    expect((await error).attribute).to.equal('layers');
    await scope.updateComplete;
    expect(messageOf(scope)).to.include('layers="64,abc"');
    expect(shadow(scope, 'nn-weights'), 'the views stay').to.not.equal(null);
    expect(scope.engine).to.equal(engine);
    let refused = '';
    await scope.reset().catch((e: Error) => (refused = e.message));
    expect(refused).to.include('layers="64,abc"');
    scope.setAttribute('layers', '64');
    await until(() => scope.engine?.config.sizes.join() === '784,64,10', 'the engine for the fixed value (nothing was trained yet)');
    expect(messageOf(scope)).to.equal('');
  }));

  it('theme="dark" reaches every part and the views redraw on the dark background', () => withScope({ 'sample-rate': '0', view: 'weights,confusion' }, async (scope) => {
    const part = shadow(scope, 'nn-weights') as unknown as HTMLElement & { view?: import('../../src/views/index.js').WeightsView };
    await until(() => !!part.view, 'the weights view');
    const card = () => getComputedStyle(part.shadowRoot!.querySelector('.card')!).backgroundColor;
    const light = card();
    scope.setAttribute('theme', 'dark');
    await scope.updateComplete;
    expect(card()).to.not.equal(light);
    const background = part.view!.background as GPUColorDict;
    expect(background.r + background.g + background.b, 'a dark clear colour').to.be.lessThan(0.5);
    const corner = (await viewPixels(part.view!)).slice(0, 3);
    expect(Math.max(...corner), 'the corner pixel is dark').to.be.lessThan(64);
  }));

  it('autoplay trains at once; sample-rate animates the test images; colormap redraws the strips', async () => {
    const autoplaying = document.createElement('nn-scope');
    autoplaying.setAttribute('autoplay', '');
    autoplaying.setAttribute('sample-rate', '0');
    autoplaying.data = await smallDataset();
    const progress = nextEvent<ScopeProgress>(autoplaying, 'nn-progress');
    document.body.append(autoplaying);
    try {
      expect((await progress).step).to.be.greaterThan(0);
      await autoplaying.pause();
    } finally {
      autoplaying.remove();
    }
    await withScope({ 'sample-rate': '20' }, async (scope) => {
      const first = scope.session!.sample;
      await until(() => scope.session!.sample >= first + 3, 'three test images at 20/s');
      scope.setAttribute('sample-rate', '0');
      const strips = shadow(scope, 'nn-strips') as unknown as { view?: import('../../src/views/index.js').LayerStripsView; colormap: string };
      await until(() => !!strips.view, 'the strips view');
      const before = await viewPixels(strips.view!);
      scope.setAttribute('colormap', 'gray');
      await until(() => strips.colormap === 'gray' && !!strips.view, 'the strips in gray');
      const after = await viewPixels(strips.view!);
      expect(differingShare(before, after), 'strips pixels after the colormap change').to.be.greaterThan(0.01);
    });
  });

  it('an unreachable src is reported with the URL and what the folder must hold', async () => {
    const scope = document.createElement('nn-scope');
    scope.setAttribute('src', '/no/such/folder/');
    const error = nextEvent<{ message: string }>(scope, 'nn-error', 20_000);
    document.body.append(scope);
    try {
      const { message } = await error;
      expect(message).to.match(/\/no\/such\/folder\/(train|t10k)-(images|labels)-idx\d-ubyte\.gz: HTTP 404/); // whichever fetch fails first
      expect(message).to.include('four IDX files');
      expect(scope.engine).to.equal(undefined);
    } finally {
      scope.remove();
    }
  });

  it('trains when play is clicked: nn-progress and nn-epoch fire, and the views change', () => withScope(
    { epochs: '1', 'batch-size': '64', 'sample-rate': '0' }, async (scope) => {
      const weights = shadow(scope, 'nn-weights') as unknown as { view?: import('../../src/views/index.js').WeightsView };
      const confusion = shadow(scope, 'nn-confusion') as unknown as { view?: import('../../src/views/index.js').ConfusionView };
      await until(() => !!weights.view && !!confusion.view, 'the views');
      const [weightsBefore, confusionBefore] = [await viewPixels(weights.view!), await viewPixels(confusion.view!)];
      const progress: ScopeProgress[] = [];
      scope.addEventListener('nn-progress', (event) => progress.push((event as CustomEvent<ScopeProgress>).detail));
      const epoch = nextEvent<ScopeEpoch>(scope, 'nn-epoch', 120_000);
      const play = shadow(shadow(scope, 'nn-controls'), 'button') as HTMLButtonElement;
      expect(play.textContent).to.include('Train');
      play.click();
      const done = await epoch;
      expect(progress.length).to.be.greaterThan(0);
      expect(progress.at(-1)!.step).to.equal(8); // 512 images / 64 per batch
      expect(progress.every((p) => Number.isFinite(p.loss) && p.accuracy >= 0 && p.accuracy <= 1 && p.samplesPerSecond > 0)).to.equal(true);
      expect(done.epoch).to.equal(1);
      expect(done.testAccuracy).to.be.within(0.2, 1); // 8 steps on 512 images already beat chance (0.1)
      expect(done.weightChange).to.have.length(3);
      expect(done.weightChange.every((c) => c > 0)).to.equal(true);
      await until(() => !scope.session!.training, 'training to stop after the last epoch');
      expect(differingShare(weightsBefore, await viewPixels(weights.view!)), 'weights view').to.be.greaterThan(0.01);
      expect(differingShare(confusionBefore, await viewPixels(confusion.view!)), 'confusion view').to.be.greaterThan(0.01);
    },
  ));

  it('an idle page draws nothing; a training step redraws the weights', () => withScope({ view: 'controls,weights' }, async (scope) => {
    const weights = shadow(scope, 'nn-weights') as unknown as { view?: import('../../src/views/index.js').WeightsView };
    await until(() => (weights.view?.frames ?? 0) > 0, 'the first weights frame');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const idle = weights.view!.frames;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(weights.view!.frames, 'frames drawn in 1 s of idling').to.equal(idle);
    await scope.step(1);
    await until(() => weights.view!.frames > idle, 'a weights frame after the step');
  }));

  it('step(n), pause and reset: counters move, reset restores the same initial weights', () => withScope({ 'sample-rate': '0', epochs: '3' }, async (scope) => {
    const initial = await scope.engine!.readTrainingDictionary();
    await scope.step(3);
    expect(scope.engine!.stepCount).to.equal(3);
    const started = scope.start();
    await nextEvent(scope, 'nn-progress');
    await scope.pause();
    await started;
    expect(scope.session!.training).to.equal(false);
    expect(scope.engine!.stepCount).to.be.greaterThan(3);
    await scope.reset();
    expect(scope.engine!.stepCount).to.equal(0);
    const after = await scope.engine!.readTrainingDictionary();
    expect(Array.from(after[0].weights)).to.deep.equal(Array.from(initial[0].weights));
    expect(scope.session!.curves.chunks).to.have.length(0);
  }));

  it('the settings form: epochs apply without a reset; a network change starts a new run', () => withScope({ 'sample-rate': '0' }, async (scope) => {
    await scope.step(2);
    const controls = shadow(scope, 'nn-controls');
    const form = controls.shadowRoot!.querySelector('form')!;
    const field = (name: string) => form.querySelector(`[name="${name}"]`) as HTMLInputElement;
    field('epochs').value = '2';
    (form.querySelector('button') as HTMLButtonElement).click();
    await until(() => scope.getAttribute('epochs') === '2' && scope.session!.epochs === 2, 'epochs to apply');
    expect(scope.engine!.stepCount, 'no reset for epochs').to.equal(2);
    field('layers').value = '64';
    (form.querySelector('button') as HTMLButtonElement).click();
    await until(() => scope.engine?.config.sizes.join() === '784,64,10', 'the new network');
    expect(scope.engine!.stepCount).to.equal(0);
    expect(scope.pendingReset).to.equal(false);
  }));

  it('keyboard: space plays and pauses, arrows step through the test images', () => withScope({ 'sample-rate': '0' }, async (scope) => {
    scope.focus();
    const key = (k: string) => scope.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true, composed: true }));
    const sample = scope.session!.sample;
    key('ArrowRight');
    expect(scope.session!.sample).to.equal(sample + 1);
    key('ArrowLeft');
    key('ArrowLeft');
    expect(scope.session!.sample).to.equal(sample - 1 < 0 ? 199 : sample - 1);
    // The class picker: the current sample jumps to a coat, and the arrows stay among coats.
    const picker = shadow(shadow(scope, 'nn-controls'), 'select[aria-label="step through one class"]') as HTMLSelectElement;
    picker.value = '4';
    picker.dispatchEvent(new Event('change'));
    const labels = scope.session!.dataset.test.labels;
    expect(labels[scope.session!.sample]).to.equal(4);
    const firstCoat = scope.session!.sample;
    key('ArrowRight');
    expect(labels[scope.session!.sample]).to.equal(4);
    expect(scope.session!.sample).to.not.equal(firstCoat);
    key(' ');
    await until(() => scope.session!.training, 'training to start');
    await nextEvent(scope, 'nn-progress');
    key(' ');
    await until(() => !scope.session!.training, 'training to pause');
  }));

  it('parts placed elsewhere on the page follow a scope named by for=, on the same engine', async () => {
    const before = liveBufferCount();
    const scope = await addScope({ id: 'elsewhere', view: 'none', 'sample-rate': '0' });
    const weights = document.createElement('nn-weights');
    weights.setAttribute('for', 'elsewhere');
    weights.style.cssText = 'display:block; width: 700px';
    const strips = document.createElement('nn-strips');
    strips.setAttribute('for', 'elsewhere');
    strips.style.cssText = 'display:block; width: 600px';
    document.body.append(weights, strips);
    try {
      expect(scope.shadowRoot!.querySelector('nn-weights')).to.equal(null);
      await until(() => !!weights.view && !!strips.view, 'both parts to build their views');
      const image = await viewPixels(weights.view!);
      const colored = Array.from({ length: image.length / 4 }, (_, i) => i).filter((i) => image[4 * i] !== image[4 * i + 2]).length;
      expect(colored, 'coloured weight pixels').to.be.greaterThan(1000);
      expect(weights.scopeElement).to.equal(scope);
      // Two scopes on one page share one device.
      const second = await addScope({ view: 'none', 'sample-rate': '0' });
      expect(second.engine!.device).to.equal(scope.engine!.device);
      second.remove();
    } finally {
      weights.remove();
      strips.remove();
      scope.remove();
    }
    await until(() => liveBufferCount() === before, `the live-buffer count to return to ${before} (now ${liveBufferCount()})`, 10_000);
  });

  it('exports weights and imports them back; a bad file is refused with its reason and changes nothing', () => withScope({ 'sample-rate': '0' }, async (scope) => {
    await scope.step(2);
    const file = await scope.exportWeights();
    const trained = await scope.engine!.readTrainingDictionary();
    await scope.reset();
    const errors: string[] = [];
    scope.addEventListener('nn-error', (event) => errors.push((event as CustomEvent<{ message: string }>).detail.message));
    let refused: Error | undefined;
    try {
      await scope.importWeights(new Blob([new Uint8Array([1, 2, 3])]), 'broken.safetensors');
    } catch (error) {
      refused = error as Error;
    }
    expect(refused?.message).to.include('broken.safetensors');
    expect(errors.at(-1)).to.equal(refused?.message);
    expect(messageOf(scope)).to.include('broken.safetensors');
    const untouched = await scope.engine!.readTrainingDictionary();
    expect(Array.from(untouched[0].weights)).to.not.deep.equal(Array.from(trained[0].weights)); // still the fresh weights
    await scope.importWeights(file, 'good.safetensors');
    const imported = await scope.engine!.readTrainingDictionary();
    imported.forEach((layer, l) => expect(Array.from(layer.weights)).to.deep.equal(Array.from(trained[l].weights)));
  }));

  it('recovers from a lost device: a new device, the last saved parameters, and nn-recovered', () => withScope({ 'sample-rate': '0' }, async (scope) => {
    await scope.step(5);
    const saved = await scope.engine!.readTrainingDictionary();
    const lostDevice = scope.engine!.device;
    const recovered = nextEvent<{ restoredFrom: string }>(scope, 'nn-recovered');
    const error = nextEvent<{ message: string; recoverable: boolean }>(scope, 'nn-error');
    lostDevice.destroy();
    const report = await error;
    expect(report.recoverable).to.equal(true);
    expect(report.message).to.include('lost');
    expect((await recovered).restoredFrom).to.equal('step 5');
    expect(scope.engine!.device).to.not.equal(lostDevice);
    expect(scope.engine!.stepCount).to.equal(5);
    const restored = await scope.engine!.readTrainingDictionary();
    restored.forEach((layer, l) => {
      expect(Array.from(layer.weights)).to.deep.equal(Array.from(saved[l].weights));
      expect(Array.from(layer.biases)).to.deep.equal(Array.from(saved[l].biases));
    });
    await scope.step(1); // and it trains on
    expect(scope.engine!.stepCount).to.equal(6);
    await until(() => !!(shadow(scope, 'nn-weights') as unknown as { view?: unknown }).view, 'the weights view on the new device');
  }));

  it('a device lost during training is replaced and training goes on from the last saved parameters', () => withScope({ 'sample-rate': '0', 'batch-size': '32' }, async (scope) => {
    const started = scope.start();
    await nextEvent(scope, 'nn-progress');
    const recovered = nextEvent<{ restoredFrom: string }>(scope, 'nn-recovered');
    scope.engine!.device.destroy();
    await started; // the interrupted loop ends quietly
    const { restoredFrom } = await recovered;
    expect(restoredFrom).to.match(/^(step \d+|the initial weights)$/);
    const resumed = await nextEvent<ScopeProgress>(scope, 'nn-progress');
    expect(resumed.step).to.be.greaterThan(0);
    expect(scope.session!.training).to.equal(true);
    await scope.pause();
  }));

  it('frees its GPU buffers when removed: 50 adds and removes leave the live-buffer count where it was', async () => {
    const data = await smallDataset();
    const before = liveBufferCount();
    for (let i = 0; i < 50; i++) {
      const scope = document.createElement('nn-scope');
      scope.setAttribute('sample-rate', '0');
      scope.data = data;
      const ready = nextEvent(scope, 'nn-ready');
      document.body.append(scope);
      await ready;
      if (i % 10 === 0) await until(() => !!(shadow(scope, 'nn-weights') as unknown as { view?: unknown }).view, 'the views');
      scope.remove();
    }
    await until(() => liveBufferCount() === before, `the live-buffer count to return to ${before} (now ${liveBufferCount()})`, 10_000);
  });

  it('the custom-elements manifest (built by npm run build) describes every element and attribute the browser sees', async () => {
    const response = await fetch('/dist/custom-elements.json');
    expect(response.ok, 'dist/custom-elements.json: run npm run build').to.equal(true);
    type Declaration = { tagName?: string; attributes: { name: string; type: { text: string } }[]; events: { name: string; type?: { text: string } }[] };
    const manifest = await response.json() as { modules: { path: string; declarations: Declaration[] }[] };
    expect(manifest.modules.map((m) => m.path), 'one module: the package\'s element bundle').to.deep.equal(['dist/nnscope.js']);
    const declarations = manifest.modules.flatMap((m) => m.declarations).filter((d): d is Declaration & { tagName: string } => !!d.tagName);
    const tags = declarations.map((d) => d.tagName).sort();
    expect(tags).to.deep.equal(['nn-batch', 'nn-class-means', 'nn-compare', 'nn-confusion', 'nn-controls', 'nn-curves', 'nn-scope', 'nn-strips', 'nn-weights']);
    for (const declaration of declarations) {
      const element = customElements.get(declaration.tagName) as unknown as { observedAttributes: string[] };
      expect(element, declaration.tagName).to.not.equal(undefined);
      expect(declaration.attributes.map((a) => a.name).sort(), declaration.tagName).to.deep.equal([...element.observedAttributes].sort());
    }
    const scope = declarations.find((d) => d.tagName === 'nn-scope')!;
    expect(scope.events.map((e) => e.name)).to.include.members(['nn-load-progress', 'nn-ready', 'nn-progress', 'nn-epoch', 'nn-error']);
    expect(scope.events.find((e) => e.name === 'nn-epoch')?.type?.text, 'event types').to.equal('CustomEvent<ScopeEpoch>');
    expect(scope.attributes.find((a) => a.name === 'epochs')?.type.text, 'attribute types from the settings table').to.equal('number');
  });

  it('dropped IDX files replace the data set; a bad or incomplete set is refused and the current data stay', () => withScope({ 'sample-rate': '0' }, async (scope) => {
    const idx = (dims: number[], data: Uint8Array) => {
      const header = new DataView(new ArrayBuffer(4 + 4 * dims.length));
      header.setUint8(2, 0x08);
      header.setUint8(3, dims.length);
      dims.forEach((d, k) => header.setUint32(4 + 4 * k, d, false));
      return new Uint8Array([...new Uint8Array(header.buffer), ...data]);
    };
    const small = await smallDataset(300, 100);
    const files = [
      new File([idx([300, 28, 28], small.train.images)], 'train-images-idx3-ubyte'),
      new File([idx([300], small.train.labels)], 'train-labels-idx1-ubyte'),
      new File([idx([100, 28, 28], small.test.images)], 't10k-images-idx3-ubyte'),
      new File([idx([100], small.test.labels)], 't10k-labels-idx1-ubyte'),
    ];
    const errors: string[] = [];
    scope.addEventListener('nn-error', (event) => errors.push((event as CustomEvent<{ message: string }>).detail.message));
    const before = scope.session!.dataset;
    await scope.openFiles(files.slice(0, 3));
    expect(errors.at(-1)).to.include('missing: t10k-labels-idx1-ubyte');
    const truncated = new File([idx([100], small.test.labels).subarray(0, 50)], 't10k-labels-idx1-ubyte');
    await scope.openFiles([...files.slice(0, 3), truncated]);
    expect(errors.at(-1)).to.include('t10k-labels-idx1-ubyte: truncated');
    expect(scope.session!.dataset).to.equal(before);
    const ready = nextEvent(scope, 'nn-ready');
    await scope.openFiles(files);
    await ready;
    expect(scope.session!.dataset.train.count).to.equal(300);
    expect(scope.session!.dataset.test.count).to.equal(100);
    expect(Array.from(scope.session!.dataset.test.labels)).to.deep.equal(Array.from(small.test.labels));
  }));
});
