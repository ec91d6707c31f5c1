/**
 * `<nn-scope>` under random attribute values: every observed attribute gets seeded random and
 * near-valid strings. A bad value must give one nn-error naming that attribute, a valid one none,
 * and nothing may be thrown or left unhandled. The values are judged by the rules the attributes
 * document (below), not by the element's own parser. The seed is fixed (SEED below).
 */
import { expect } from '@esm-bundle/chai';
import { mulberry32 } from '../../src/engine/random.js';
import type { NnErrorDetail } from '../../src/elements/nn-scope.js';
import type { Dataset, ImageSet } from '../../src/data/dataset.js';
import { nextEvent, until } from '../shared/element-fixture.js';

/** Fixed, so every run (and CI) sees the same values; change it to try others. */
const SEED = 20261130;
const VALUES_PER_ATTRIBUTE = 24;

// ── what each attribute accepts, as documented ───────────────────────────────────────────────────

/** A number as the attributes read one: decimal notation only (no hex, binary, Infinity or blank). */
const numberOf = (text: string) => (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text.trim()) ? Number(text) : NaN);
const whole = (min: number, max: number) => (text: string) => {
  const n = numberOf(text);
  return Number.isInteger(n) && n >= min && n <= max;
};
const real = (ok: (n: number) => boolean) => (text: string) => Number.isFinite(numberOf(text)) && ok(numberOf(text));
const oneOf = (...names: string[]) => (text: string) => names.includes(text.trim().toLowerCase());
const VIEWS = ['controls', 'strips', 'weights', 'confusion', 'class-means', 'curves', 'batch'];

const RULES: Record<string, { valid: (text: string) => boolean; example: string }> = {
  // Any text is a URL relative to the page; whether it holds a data set shows when loading (tested below).
  src: { valid: () => true, example: 'data/' },
  layers: { valid: (t) => t.trim() === '' || (t.split(',').length <= 8 && t.split(',').every(whole(1, 4096))), example: '128,64' },
  activation: { valid: oneOf('relu', 'sigmoid', 'tanh'), example: 'tanh' },
  optimizer: { valid: oneOf('sgd', 'adam'), example: 'adam' },
  // "Above 0, at most 10"; the engine's lowest learning rate is 1e-12.
  'learning-rate': { valid: real((n) => n >= 1e-12 && n <= 10), example: '0.01' },
  momentum: { valid: real((n) => n >= 0 && n < 1), example: '0.9' },
  'batch-size': { valid: whole(1, 8192), example: '64' },
  epochs: { valid: whole(1, 1000), example: '5' },
  seed: { valid: whole(0, 2 ** 32 - 1), example: '42' },
  // Items 'shift K' (whole, below the 28-pixel side), 'flip', 'rotate D' (≤ 180), 'noise S' (≤ 10), 'cutout N' (whole, ≤ 28), each once; or none.
  augment: {
    valid: (t) => {
      const trimmed = t.trim();
      if (trimmed === '' || trimmed.toLowerCase() === 'none') return true;
      const seen = new Set<string>();
      const most: Record<string, number> = { shift: 27, rotate: 180, noise: 10, cutout: 28 };
      return trimmed.split(',').every((item) => {
        const [name = '', value, ...rest] = item.trim().toLowerCase().split(/\s+/);
        if (!name || seen.has(name) || rest.length) return false;
        seen.add(name);
        if (name === 'flip') return value === undefined;
        const n = value !== undefined && /^[0-9.]+(e-?[0-9]+)?$/.test(value) ? Number(value) : NaN;
        const whole = name === 'shift' || name === 'cutout';
        return Object.hasOwn(most, name) && Number.isFinite(n) && n > 0 && n <= most[name]! && (!whole || Number.isInteger(n));
      });
    },
    example: 'shift 2, flip',
  },
  // A boolean attribute: present means on, whatever its value.
  autoplay: { valid: () => true, example: '' },
  view: {
    valid: (t) => ['all', 'none'].includes(t.trim()) || (t.split(/[\s,]+/).filter(Boolean).length > 0 && t.split(/[\s,]+/).filter(Boolean).every((v) => VIEWS.includes(v))),
    example: 'strips,curves',
  },
  colormap: { valid: oneOf('viridis', 'magma', 'inferno', 'gray', 'blues'), example: 'magma' },
  'sample-rate': { valid: real((n) => n >= 0 && n <= 60), example: '2' },
  'training-share': { valid: real((n) => n >= 0.05 && n <= 1), example: '0.8' },
  theme: { valid: oneOf('light', 'dark'), example: 'dark' },
  loading: { valid: oneOf('lazy', 'eager'), example: 'eager' },
  // "32" or rows x cols ("28x32", "28×32"), sides 1–1024; empty: the images' own size.
  'image-size': {
    valid: (t) => t.trim() === '' || (t.trim().split(/\s*[x×]\s*/i).length <= 2 && t.trim().split(/\s*[x×]\s*/i).every(whole(1, 1024))),
    example: '28x32',
  },
  'class-names': {
    valid: (t) => {
      if (t.trim() === '') return true; // the data's own names
      const names = t.split(',').map((name) => name.trim());
      return names.length >= 2 && names.length <= 100 && names.every(Boolean);
    },
    example: 'cat,dog',
  },
};

// ── values ───────────────────────────────────────────────────────────────────────────────────────

const NEAR_VALID = [
  '', ' ', '1e-13', '1e-12', '-0', '0', '1', '-1', 'NaN', 'Infinity', '-Infinity', ' 12 ', '0x10', '0b11', '1e2', '+5', '.5', '5.', '1_000',
  '4096', '4097', '8192', '8193', '10', '10.000001', '60', '60.5', '0.9999999999', '4294967295', '4294967296', '1,2', '128,,128',
  '1,2,3,4,5,6,7,8', '1,2,3,4,5,6,7,8,9', 'null', 'undefined', 'true', '[]', '{}', '<b>x</b>', '"', "'", '\\', '\u0000', 'é', '日本語', '🙂',
  '\u202eevil', 'RELU', ' tanh ', 'Adam', 'LIGHT', 'grayInverted', 'diverging', 'all', 'none', 'strips bogus', 'strips,,weights', '1'.repeat(400),
  'a'.repeat(20_000), '-'.repeat(50), '__proto__', 'constructor', 'toString',
  'shift 2', 'shift 27', 'shift 28', 'shift 1e1', 'SHIFT 2 , Flip', 'flip 1', 'noise 0.1, flip', 'noise 10.5', 'rotate 180', 'rotate 180.5',
  'cutout 28', 'cutout 29', 'cutout 2.5', 'shift 2, shift 2', 'constructor 5', 'toString 1', 'flip,', 'none', 'NONE',
];
/** Tried on every attribute. */
const ALWAYS = ['', '1e-13', '-0', 'NaN', 'Infinity', ' 12 ', '0x10', 'a'.repeat(20_000), '🙂'];
const CHARS = '0123456789.,-+eE xXabcdrstuvwyz_;:/?#%&=\t\n"\'<>\\éß日🙂\u0000\u200b';

function values(attribute: string, random: () => number): string[] {
  const int = (n: number) => Math.floor(random() * n);
  const text = (n: number) => Array.from({ length: n }, () => [...CHARS][int([...CHARS].length)]).join('');
  const mutate = (s: string) => {
    const at = int(s.length + 1);
    return int(2) ? s.slice(0, at) + text(1 + int(3)) + s.slice(at) : s.slice(0, at) + s.slice(at + 1 + int(3));
  };
  const example = RULES[attribute].example;
  return [example, ...ALWAYS, ...Array.from({ length: VALUES_PER_ATTRIBUTE - ALWAYS.length - 1 }, (_, i) =>
    i % 3 === 0 ? text(int(i < 6 ? 8 : 40)) : i % 3 === 1 ? NEAR_VALID[int(NEAR_VALID.length)] : mutate(example))];
}

// ── the page ─────────────────────────────────────────────────────────────────────────────────────

/** Everything thrown or rejected without a handler while the tests run. */
const uncaught: string[] = [];
window.addEventListener('error', (event) => uncaught.push(`error: ${event.message}`));
window.addEventListener('unhandledrejection', (event) => uncaught.push(`unhandled rejection: ${(event.reason as Error)?.stack ?? event.reason}`));

const shown = (value: string) => JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);

/** A tiny data set made here (no fetch): 28×28 noise with labels 0–9. */
function tinyDataset(random: () => number): Dataset {
  const set = (count: number): ImageSet => ({
    images: Uint8Array.from({ length: count * 784 }, () => Math.floor(random() * 256)),
    labels: Uint8Array.from({ length: count }, (_, i) => i % 10),
    count, rows: 28, cols: 28,
  });
  return { train: set(40), test: set(20), classNames: [] };
}

/** A test that also fails on anything thrown or rejected without a handler while it ran. */
function checked(body: () => Promise<void>): () => Promise<void> {
  return async () => {
    uncaught.length = 0;
    await body();
    await new Promise((resolve) => setTimeout(resolve, 50)); // unhandled rejections are reported a task later
    expect(uncaught, `seed ${SEED}`).to.deep.equal([]);
  };
}

describe('<nn-scope> attribute fuzzing', () => {
  console.log(`element fuzz seed ${SEED}`);

  it(`every observed attribute, ${VALUES_PER_ATTRIBUTE} values each: bad values give nn-error naming the attribute, valid ones none`, checked(async () => {
    const random = mulberry32(SEED);
    const attributes = (customElements.get('nn-scope') as unknown as { observedAttributes: string[] }).observedAttributes;
    expect(attributes, 'observedAttributes').to.include.members(['layers', 'learning-rate', 'theme']);
    const unruled = attributes.filter((name) => !(name in RULES));
    expect(unruled, 'attributes with no rule in this test: add one').to.deep.equal([]);

    // Connected once with a bad value, so it loads nothing; detached, it still checks every change
    // (and builds nothing), which keeps hundreds of values fast.
    const scope = document.createElement('nn-scope');
    scope.setAttribute('layers', 'x');
    const first = nextEvent<NnErrorDetail>(scope, 'nn-error', 5000);
    document.body.append(scope);
    expect((await first).attribute).to.equal('layers');
    scope.remove();
    scope.removeAttribute('layers');
    await scope.updateComplete;

    const errors: NnErrorDetail[] = [];
    scope.addEventListener('nn-error', (event) => errors.push(event.detail));
    let [bad, good] = [0, 0];
    for (const attribute of attributes) {
      for (const value of values(attribute, random)) {
        const context = `${attribute}=${shown(value)} (seed ${SEED})`;
        errors.length = 0;
        scope.setAttribute(attribute, value);
        await scope.updateComplete;
        if (RULES[attribute].valid(value)) {
          good++;
          expect(errors.map((e) => e.message), `${context} is valid`).to.deep.equal([]);
          expect(scope.attributeError, context).to.equal(undefined);
        } else {
          bad++;
          expect(errors.length, `${context} is bad: one nn-error`).to.equal(1);
          expect(errors[0].attribute, context).to.equal(attribute);
          expect(errors[0].message, context).to.include(`<nn-scope ${attribute}="`);
          expect(errors[0].recoverable, context).to.equal(false);
        }
        // Back to the default, which is valid: the next value is always a change.
        errors.length = 0;
        scope.removeAttribute(attribute);
        await scope.updateComplete;
        expect(errors.map((e) => e.message), `${context}, then removed`).to.deep.equal([]);
      }
    }
    console.log(`element fuzz: ${attributes.length} attributes, ${good} valid and ${bad} bad values`);
    expect(bad, 'bad values were tried').to.be.greaterThan(attributes.length);
    expect(good, 'valid values were tried').to.be.greaterThan(attributes.length);
  }));

  it('src values that hold no data set give nn-error naming src', checked(async () => {
    const random = mulberry32(SEED ^ 0x5eed);
    const int = (n: number) => Math.floor(random() * n);
    const letters = 'abcdefghijklmnopqrstuvwxyz0123456789-_';
    const word = () => Array.from({ length: 1 + int(10) }, () => letters[int(letters.length)]).join('');
    // Folders that do not exist (404), a file that is not a folder, URLs that cannot be a base, and no URL at all.
    const sources = [`no-such-${word()}/`, `${word()}/${word()}`, '/www/index.html', 'data:,x', 'http://[', `?${word()}`];
    for (const src of sources) {
      const scope = document.createElement('nn-scope');
      scope.setAttribute('src', src);
      scope.setAttribute('view', 'none');
      const error = nextEvent<NnErrorDetail>(scope, 'nn-error', 20_000);
      document.body.append(scope);
      try {
        const detail = await error;
        expect(detail.attribute, `src=${shown(src)}: ${detail.message} (seed ${SEED})`).to.equal('src');
        expect(scope.engine, 'nothing built').to.equal(undefined);
      } finally {
        scope.remove();
      }
    }
  }));

  it('a running element refuses bad values with nn-error naming the attribute and keeps its engine', checked(async () => {
    const random = mulberry32(SEED ^ 0xbad);
    const scope = document.createElement('nn-scope');
    scope.setAttribute('view', 'none');
    scope.setAttribute('sample-rate', '0');
    scope.setAttribute('layers', '8');
    scope.data = tinyDataset(random);
    const ready = nextEvent(scope, 'nn-ready', 60_000);
    document.body.append(scope);
    try {
      await ready;
      const engine = scope.engine;
      const errors: NnErrorDetail[] = [];
      scope.addEventListener('nn-error', (event) => errors.push(event.detail));
      const attributes = Object.keys(RULES).filter((name) => name !== 'src' && name !== 'autoplay');
      for (const attribute of attributes) {
        const before = scope.getAttribute(attribute);
        const bad = [...new Set(values(attribute, random).filter((v) => !RULES[attribute].valid(v)))].slice(0, 3); // each one a change
        for (const value of bad) {
          errors.length = 0;
          scope.setAttribute(attribute, value);
          await scope.updateComplete;
          expect(errors.map((e) => e.attribute), `${attribute}=${shown(value)} (seed ${SEED})`).to.deep.equal([attribute]);
          expect(scope.engine, 'the engine stays').to.equal(engine);
        }
        if (before === null) scope.removeAttribute(attribute);
        else scope.setAttribute(attribute, before);
        await scope.updateComplete;
      }
      await until(() => !scope.attributeError, 'the element to take its settings back');
      expect(scope.engine).to.equal(engine);
    } finally {
      scope.remove();
    }
  }));
});
