/**
 * `<nn-scope>` as a good neighbour on someone else's page: typed setting properties, lazy loading,
 * no animation off screen or under prefers-reduced-motion, download progress, assets found through
 * the base path, a layout that follows the element's own width, and evaluation shown while it runs.
 */
import { expect } from '@esm-bundle/chai';
import { emulateMedia } from '@web/test-runner-commands';
import { setBasePath } from '../../src/assets.js';
import type { LoadProgress } from '../../src/data/idx.js';
import type { NnErrorDetail, NnScope } from '../../src/elements/nn-scope.js';
import { addScope, nextEvent, smallDataset, until } from '../shared/element-fixture.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An element placed `below` px under the top of the page (a spacer above it), not yet connected. */
function placed(below: number, attributes: Record<string, string> = {}): { scope: NnScope; remove(): void } {
  const spacer = document.createElement('div');
  spacer.style.height = `${below}px`;
  const scope = document.createElement('nn-scope');
  for (const [name, value] of Object.entries(attributes)) scope.setAttribute(name, value);
  document.body.append(spacer);
  return { scope, remove: () => (scope.remove(), spacer.remove()) };
}

describe('<nn-scope> on a page', () => {
  afterEach(() => window.scrollTo(0, 0));

  it('setting properties are typed and read the value in effect; writes are checked like attributes', () => addScope({ view: 'none', 'sample-rate': '0', optimizer: 'adam' }).then(async (scope) => {
    try {
      expect(scope.epochs, 'a default').to.equal(5);
      expect(scope.learningRate, "adam's default").to.equal(0.001);
      expect(scope.layers).to.deep.equal([128, 128]);
      expect(scope.view).to.deep.equal([]);
      expect(scope.autoplay).to.equal(false);
      expect(scope.loading).to.equal('eager');
      scope.epochs = 7;
      expect(scope.getAttribute('epochs'), 'a property writes its attribute').to.equal('7');
      expect(scope.epochs, 'and reads back at once').to.equal(7);
      await scope.updateComplete; // applied
      scope.view = ['strips', 'curves'];
      expect(scope.getAttribute('view')).to.equal('strips,curves');
      const error = nextEvent<NnErrorDetail>(scope, 'nn-error', 5000);
      scope.epochs = 0;
      expect((await error).attribute, 'a bad property value is reported like a bad attribute').to.equal('epochs');
      expect(scope.epochs, 'the bad value is not in effect').to.equal(7);
      scope.epochs = null as never;
      expect(scope.hasAttribute('epochs'), 'null removes the attribute').to.equal(false);
      await scope.updateComplete;
      expect(scope.epochs).to.equal(5);
    } finally {
      scope.remove();
    }
  }));

  it('a property set before the element is defined (as frameworks do) is kept', async () => {
    const inert = document.implementation.createHTMLDocument('');
    const scope = inert.createElement('nn-scope') as NnScope; // not upgraded: no browsing context
    (scope as unknown as { epochs: number }).epochs = 9;
    scope.setAttribute('view', 'none');
    scope.setAttribute('loading', 'eager');
    scope.data = await smallDataset();
    document.adoptNode(scope);
    const ready = nextEvent(scope, 'nn-ready');
    document.body.append(scope); // upgraded here
    try {
      await ready;
      expect(scope.getAttribute('epochs')).to.equal('9');
      expect(scope.epochs).to.equal(9);
      expect(scope.session!.epochs).to.equal(9);
    } finally {
      scope.remove();
    }
  });

  it('loads only when near the viewport (loading="lazy", the default); loading="eager" and whenReady() load at once', async () => {
    const lazy = placed(4000, { view: 'none', 'sample-rate': '0' });
    lazy.scope.data = await smallDataset();
    document.body.append(lazy.scope);
    try {
      await sleep(1500);
      expect(lazy.scope.engine, 'nothing built far below the fold').to.equal(undefined);
      const ready = nextEvent(lazy.scope, 'nn-ready');
      lazy.scope.scrollIntoView();
      await ready;
      expect(lazy.scope.engine).to.not.equal(undefined);
    } finally {
      lazy.remove();
    }
    for (const how of ['eager', 'whenReady'] as const) {
      const far = placed(4000, { view: 'none', 'sample-rate': '0', ...(how === 'eager' ? { loading: 'eager' } : {}) });
      far.scope.data = await smallDataset();
      document.body.append(far.scope);
      try {
        const session = await Promise.race([how === 'eager' ? nextEvent(far.scope, 'nn-ready') : far.scope.whenReady(), sleep(30_000)]);
        expect(session, how).to.not.equal(undefined);
        expect(far.scope.engine, how).to.not.equal(undefined);
      } finally {
        far.remove();
      }
    }
  });

  it('the sample animation runs on screen and stops off screen', async () => {
    const page = placed(0, { view: 'strips', 'sample-rate': '20', loading: 'eager' });
    page.scope.data = await smallDataset();
    const tail = document.createElement('div');
    tail.style.height = '5000px';
    const ready = nextEvent(page.scope, 'nn-ready');
    document.body.append(page.scope, tail);
    try {
      await ready;
      const first = page.scope.session!.sample;
      await until(() => page.scope.session!.sample !== first, 'the animation to move on screen', 10_000);
      window.scrollTo(0, 4000);
      await sleep(500); // the observer reports, the animation stops
      const offscreen = page.scope.session!.sample;
      await sleep(1000);
      expect(page.scope.session!.sample, 'still while off screen').to.equal(offscreen);
    } finally {
      tail.remove();
      page.remove();
    }
  });

  it('prefers-reduced-motion keeps the test images still', async () => {
    await emulateMedia({ reducedMotion: 'reduce' });
    try {
      const scope = await addScope({ view: 'strips', 'sample-rate': '20' });
      try {
        const first = scope.session!.sample;
        await sleep(1000);
        expect(scope.samplesPlaying).to.equal(false);
        expect(scope.session!.sample, 'no animation').to.equal(first);
      } finally {
        scope.remove();
      }
    } finally {
      await emulateMedia({ reducedMotion: 'no-preference' });
    }
  });

  it('shows the download in bytes and percent and fires nn-load-progress; the demo set is found through the base path', async () => {
    setBasePath('/dist/'); // where the package's data/ is in this repository
    const scope = document.createElement('nn-scope');
    scope.setAttribute('view', 'controls');
    const reports: LoadProgress[] = [];
    const messages: string[] = [];
    scope.addEventListener('nn-load-progress', (event) => {
      reports.push(event.detail);
      void scope.updateComplete.then(() => messages.push(scope.shadowRoot!.querySelector('[part=message]')?.textContent ?? ''));
    });
    const ready = nextEvent(scope, 'nn-ready');
    document.body.append(scope);
    try {
      await ready;
      const last = reports[reports.length - 1]!;
      expect(reports.length, 'progress reports').to.be.greaterThan(1);
      expect(last.total, 'the size is known at the end').to.equal(last.loaded);
      expect(last.loaded, 'the demo files together').to.be.within(2e6, 5e6);
      expect(messages.some((text) => /Loading the Fashion-MNIST demo set: [\d.]+ of [\d.]+ MB \(\d+%\)/.test(text)), messages.join(' | ')).to.equal(true);
      expect(scope.session!.dataset.train.count, 'the demo train set').to.equal(5000);
      expect(scope.session!.dataset.test.count, 'the demo test set').to.equal(1000);
    } finally {
      scope.remove();
    }
  });

  it('when the demo data is not at the base path, the message names the URL tried and how to set it', async () => {
    setBasePath('/no-such-folder/');
    const scope = document.createElement('nn-scope');
    const failed = nextEvent<NnErrorDetail>(scope, 'nn-error', 30_000);
    document.body.append(scope);
    try {
      const { message } = await failed;
      expect(message).to.include(`${location.origin}/no-such-folder/data/`);
      expect(message).to.include('set by setBasePath()');
      expect(message).to.include('data-nnscope-base');
      expect(scope.shadowRoot!.querySelector('[part=message]')?.textContent).to.include('setBasePath');
    } finally {
      scope.remove();
      setBasePath('/dist/');
    }
  });

  it('the layout follows the element\'s width, not the viewport\'s: one column in a 680-px blog column', async () => {
    const columns = async (width: number) => {
      const box = document.createElement('div');
      box.style.width = `${width}px`;
      document.body.append(box);
      const scope = await addScope({ view: 'strips,curves', 'sample-rate': '0' }, { parent: box });
      try {
        const grid = scope.shadowRoot!.querySelector('[part=views]')!;
        return getComputedStyle(grid).gridTemplateColumns.split(' ').length;
      } finally {
        box.remove();
      }
    };
    expect(await columns(680), 'a blog column').to.equal(1);
    expect(await columns(1200), 'a wide page').to.equal(2);
  });

  it('class-names renames the data\'s classes; a count that does not match the data is refused naming class-names', async () => {
    const names = ['top', 'trousers', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'boot'];
    const scope = await addScope({ view: 'none', 'sample-rate': '0', 'class-names': names.join(', ') });
    try {
      expect(scope.session!.dataset.classNames).to.deep.equal(names);
      expect(scope.classNames).to.deep.equal(names);
      const error = nextEvent<NnErrorDetail>(scope, 'nn-error', 30_000);
      scope.setAttribute('class-names', 'cat, dog');
      const detail = await error;
      expect(detail.attribute).to.equal('class-names');
      expect(detail.message).to.include('lists 2 names, but the data has 10 classes');
    } finally {
      scope.remove();
    }
  });

  it('evaluation shows that it is running', () => addScope({ view: 'controls', 'sample-rate': '0' }).then(async (scope) => {
    try {
      const controls = scope.shadowRoot!.querySelector('nn-controls')!;
      const evaluation = scope.evaluate();
      await until(() => controls.shadowRoot!.textContent!.includes('evaluating the test set'), 'the evaluation note', 5000);
      await evaluation;
      await until(() => !controls.shadowRoot!.textContent!.includes('evaluating the test set'), 'the note to go', 5000);
    } finally {
      scope.remove();
    }
  }));
});
