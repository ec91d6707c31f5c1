/**
 * The settings of an `<nn-scope>`, declared once in SETTINGS: name, type, default, range and help.
 * The element's attributes and typed properties, the parsing and checking of attribute text, the
 * controls' settings form and the custom-elements manifest are all derived from that table. Every
 * bad value gets a message naming the attribute, the value and what is allowed (no silent fallback).
 */
import { demoDataUrl } from '../assets.js';
import { shapeOf, type Dataset } from '../data/dataset.js';
import { ConfigError, DEFAULT_TRAINING_SHARE, MAX_CLASSES, MAX_IMAGE_SIDE, resolveConfig, type Activation, type EngineOptions } from '../engine/config.js';
import type { DatasetOptions } from '../data/load.js';
import { COLORMAP_NAMES, type ColormapName } from '../views/colormaps.js';
import { LayerSyntaxError, parseLayers, tokenText } from '../engine/layers.js';
import { AugmentSyntaxError, augmentText, parseAugment } from '../engine/augment.js';

export const VIEW_NAMES = ['controls', 'strips', 'weights', 'confusion', 'class-means', 'curves', 'batch'] as const;
export type ViewName = (typeof VIEW_NAMES)[number];
/** What the controls' tabs (and a live recording's blocks) call each view. */
export const VIEW_LABELS: Record<ViewName, string> = { controls: 'Controls', strips: 'Layer outputs', weights: 'Weights', curves: 'Curves', confusion: 'Confusion', 'class-means': 'Class means', batch: 'Training batch' };
export const ACTIVATIONS = ['relu', 'sigmoid', 'tanh'] as const;
export const OPTIMIZERS = ['sgd', 'adam'] as const;
export const THEMES = ['light', 'dark'] as const;
export const LOADING_MODES = ['lazy', 'eager'] as const;
/** Colormaps that read well for activated outputs (sequential). */
export const SEQUENTIAL_COLORMAPS = COLORMAP_NAMES.filter((name) => name !== 'diverging' && name !== 'grayInverted');

/** A bad attribute value: `attribute` is its name, `value` the text found. */
export class AttributeError extends Error {
  override name = 'AttributeError';
  constructor(readonly attribute: string, readonly value: string | null, expected: string) {
    super(`<nn-scope ${attribute}="${value ?? ''}">: ${expected}`);
  }
}

/** Everything that decides the network and its training; changing it rebuilds the engine at reset. */
export interface NetworkSettings {
  /** Hidden layers: dense widths and conv/pool items, e.g. [128, 128] or ['conv 3x3 16', 'pool 2', 64]. */
  layers: (number | string)[];
  activation: Activation;
  optimizer: (typeof OPTIMIZERS)[number];
  learningRate: number;
  momentum: number;
  batchSize: number;
  seed: number;
  /** GPU augmentation of training images: 'none', or items such as 'shift 2, flip, noise 0.1' (augment.ts). */
  augment: string;
}

/** Every setting of an `<nn-scope>`, as its property holds it (the value in effect). */
export interface ScopeSettings extends NetworkSettings {
  /** URL of the data set (see load.ts for the formats). */
  src: string;
  /** Class names that replace the data's own; empty: the data's. */
  classNames: string[];
  /** Rows × cols that an image folder's images are resized to; null: their own size (one size for all). */
  imageSize: [rows: number, cols: number] | null;
  epochs: number;
  autoplay: boolean;
  view: ViewName[];
  colormap: ColormapName;
  sampleRate: number;
  trainingShare: number;
  theme: (typeof THEMES)[number];
  loading: (typeof LOADING_MODES)[number];
}

export type SettingName = keyof ScopeSettings;

/** One setting: everything the attribute, the property, the form and the manifest need. */
export interface Setting<K extends SettingName = SettingName> {
  readonly name: K;
  /** The attribute: the name in kebab case. */
  readonly attribute: string;
  /** The TypeScript type of the property, for the manifest. */
  readonly type: string;
  /** What the value means and what is allowed (the manifest's and README's text). */
  readonly help: string;
  /** The default, given the settings parsed before this one (the learning rate's depends on the optimizer). */
  readonly fallback: (before: Partial<ScopeSettings>) => ScopeSettings[K];
  /** The default as documentation shows it, where it depends on the page (the base path, the system theme). */
  readonly shownDefault?: string;
  /** Attribute text → value; throws the "what is allowed" text for a bad one. */
  readonly parse: (text: string) => ScopeSettings[K];
  /** Value → attribute text. */
  readonly format: (value: ScopeSettings[K]) => string;
  /** A boolean attribute: present means true. */
  readonly boolean?: true;
  /** The engine option it sets (ConfigError.option), for a network setting: changing it rebuilds the network. */
  readonly option?: string;
  /** Shown in the controls' settings form (network and training). */
  readonly form?: FormField;
}

/** Any one setting (a union, so each keeps its own value type). */
export type AnySetting = { [K in SettingName]: Setting<K> }[SettingName];

/** How a setting appears in the controls' form. */
export interface FormField {
  readonly label: string;
  readonly input: 'text' | 'number' | 'select';
  readonly choices?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  /** 1 for whole numbers, 'any' otherwise. */
  readonly step?: 1 | 'any';
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
/** Decimal numbers only (no hex, binary or Infinity): "0.01", "1e-3", ".5", "-2". */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function decimal(text: string): number {
  const trimmed = text.trim();
  return DECIMAL.test(trimmed) ? Number(trimmed) : NaN;
}

interface NumberRange {
  min: number;
  max: number;
  whole?: boolean;
  /** The minimum itself is not allowed. */
  aboveMin?: boolean;
  /** The maximum itself is not allowed. */
  belowMax?: boolean;
}

function numberSetting<K extends SettingName>(name: K, range: NumberRange, fallback: number | ((before: Partial<ScopeSettings>) => number), help: string, formLabel?: string): Setting<K> {
  const { min, max, whole, aboveMin, belowMax } = range;
  const kind = whole ? 'a whole number' : 'a number';
  const low = aboveMin ? `above ${min}` : `from ${min}`;
  const high = belowMax ? `up to (not including) ${max}` : `to ${max}`;
  const expected = `must be ${kind} ${low} ${high}: ${help}`;
  return {
    name, attribute: kebab(name), type: 'number', help: `${help}; ${kind} ${low} ${high}`,
    fallback: (typeof fallback === 'number' ? () => fallback : fallback) as Setting<K>['fallback'],
    parse: ((text: string) => {
      const n = decimal(text);
      const ok = Number.isFinite(n) && (whole ? Number.isInteger(n) : true) && (aboveMin ? n > min : n >= min) && (belowMax ? n < max : n <= max);
      if (!ok) throw expected;
      return n;
    }) as Setting<K>['parse'],
    format: String,
    form: formLabel ? { label: formLabel, input: 'number', min, max, step: whole ? 1 : 'any' } : undefined,
  };
}

function choiceSetting<K extends SettingName>(name: K, choices: readonly string[], fallback: (before: Partial<ScopeSettings>) => string, help: string, formLabel?: string): Setting<K> {
  return {
    name, attribute: kebab(name), type: choices.map((c) => `'${c}'`).join(' | '), help: `${help}: ${choices.join(', ')}`,
    fallback: fallback as Setting<K>['fallback'],
    parse: ((text: string) => {
      const value = text.trim().toLowerCase();
      if (!choices.includes(value)) throw `must be one of ${choices.join(', ')}`;
      return value;
    }) as Setting<K>['parse'],
    format: String,
    form: formLabel ? { label: formLabel, input: 'select', choices } : undefined,
  };
}

/** "128,128" → [128, 128]; "" → [] (no hidden layer: a linear classifier). */
/** "32" (square), "28x32" or "28×32" (rows × cols); "" means the images' own size. */
function parseImageSize(text: string): [number, number] | null {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  const sides = trimmed.split(/\s*[x×]\s*/i).map(decimal);
  if (sides.length > 2 || !sides.every((side) => Number.isInteger(side) && side >= 1 && side <= MAX_IMAGE_SIDE)) {
    throw `must be a size in pixels, 1 to ${MAX_IMAGE_SIDE} each: "32" for 32×32, or rows x cols such as "28x32"`;
  }
  return [sides[0]!, sides.at(-1)!];
}

/** The most hidden items (layers and pools) and the widest dense layer an element builds. */
const MAX_HIDDEN_LAYERS = 8;
const MAX_ELEMENT_WIDTH = 4096;

/** Layer text → items: dense widths as numbers, conv and pool items as text ('conv 3x3 16', 'pool 2'). */
function parseLayerItems(text: string): (number | string)[] {
  let tokens;
  try {
    tokens = parseLayers(text);
  } catch (error) {
    if (error instanceof LayerSyntaxError) throw error.message;
    throw error;
  }
  if (tokens.length > MAX_HIDDEN_LAYERS) throw `has ${tokens.length} items; at most ${MAX_HIDDEN_LAYERS} hidden layers and pools, such as "conv 3x3 16, pool 2, 64"`;
  return tokens.map((token, i) => {
    if (token.kind !== 'dense') return tokenText(token);
    if (token.width > MAX_ELEMENT_WIDTH) throw `layers item ${i + 1} (${token.width}) is wider than ${MAX_ELEMENT_WIDTH}; use dense widths from 1 to ${MAX_ELEMENT_WIDTH}`;
    return token.width;
  });
}

/** Augment text → its normal form ('none', or the items in a fixed order). */
function parseAugmentText(text: string): string {
  try {
    return augmentText(parseAugment(text));
  } catch (error) {
    if (error instanceof AugmentSyntaxError) throw error.message;
    throw error;
  }
}

function parseViews(text: string): ViewName[] {
  if (text.trim() === 'all') return [...VIEW_NAMES];
  if (text.trim() === 'none') return [];
  const names = text.split(/[\s,]+/).filter(Boolean);
  const unknown = names.filter((name) => !VIEW_NAMES.includes(name as ViewName));
  if (unknown.length || names.length === 0) {
    throw `lists views separated by commas or spaces from ${VIEW_NAMES.join(', ')} (or "all", "none")${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}`;
  }
  return VIEW_NAMES.filter((name) => names.includes(name));
}

function systemTheme(): 'light' | 'dark' {
  const { matchMedia } = globalThis as { matchMedia?: (query: string) => { matches: boolean } }; // none in Node
  return matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

/** Every setting, in parsing order (the optimizer before the learning rate, whose default it decides). */
export const SETTINGS: readonly AnySetting[] = [
  {
    name: 'src', attribute: 'src', type: 'string',
    help: 'URL of a data set: a folder of IDX files, CIFAR-10/100 binary batches or NumPy .npy arrays, an .npz file, or a .zip of an image folder (see "Your own data" in the README); default: the demo Fashion-MNIST under the base path (see setBasePath())',
    fallback: () => demoDataUrl(),
    shownDefault: 'the demo data: `data/` under the base path',
    parse: (text) => text.trim() || demoDataUrl(),
    format: String,
  } satisfies Setting<'src'>,
  {
    name: 'classNames', attribute: 'class-names', type: 'string[]',
    help: 'names of the classes in label order, separated by commas, replacing the data\'s own (as many as the data has classes)',
    fallback: () => [], shownDefault: "the data's own names",
    parse: (text) => {
      if (text.trim() === '') return []; // the data's own names, as when the attribute is absent
      const names = text.split(',').map((name) => name.trim());
      if (names.length < 2 || names.length > MAX_CLASSES || names.some((name) => name === '')) throw `must be 2 to ${MAX_CLASSES} class names separated by commas, none empty, such as "cat, dog"`;
      return names;
    },
    format: (names) => names.join(','),
  } satisfies Setting<'classNames'>,
  {
    name: 'imageSize', attribute: 'image-size', type: '[rows: number, cols: number] | null',
    help: `rows×cols that an image folder's images are resized to ("32" or "28x32"), 1 to ${MAX_IMAGE_SIDE} each; absent: the images' own size, which must then be one for all`,
    fallback: () => null, shownDefault: "the images' own size",
    parse: parseImageSize,
    format: (size) => (size ? size.join('x') : ''),
  } satisfies Setting<'imageSize'>,
  {
    name: 'layers', attribute: 'layers', type: '(number | string)[]',
    help: `hidden layers, up to ${MAX_HIDDEN_LAYERS}, separated by commas: dense widths from 1 to ${MAX_ELEMENT_WIDTH} ("128,128"; empty: a linear classifier), ` +
      `and conv and pool items before them ("conv 3x3 16, pool 2, conv 3x3 32, pool 2, 64": K×K kernels with K odd, filters a multiple of 4; 2×2 max pooling after a conv)`,
    fallback: () => [128, 128], parse: parseLayerItems, format: (items) => items.join(', '),
    form: { label: 'hidden layers', input: 'text' }, option: 'layers',
  } satisfies Setting<'layers'>,
  { ...choiceSetting('activation', ACTIVATIONS, () => 'relu', 'activation of the hidden layers', 'activation'), option: 'activation' },
  { ...choiceSetting('optimizer', OPTIMIZERS, () => 'sgd', 'optimizer (sgd has momentum)', 'optimizer'), option: 'optimizer.type' },
  {
    ...numberSetting('learningRate', { min: 0, max: 10, aboveMin: true }, (before) => (before.optimizer === 'adam' ? 0.001 : 0.01),
      'learning rate (0.01 for sgd, 0.001 for adam)', 'learning rate'),
    option: 'optimizer.learningRate',
  },
  { ...numberSetting('momentum', { min: 0, max: 1, belowMax: true }, 0.9, 'momentum of sgd', 'momentum'), option: 'optimizer.momentum' },
  { ...numberSetting('batchSize', { min: 1, max: 8192, whole: true }, 128, 'training samples per step', 'batch size'), option: 'batchSize' },
  numberSetting('epochs', { min: 1, max: 1000, whole: true }, 5, 'epochs to train', 'epochs'),
  { ...numberSetting('seed', { min: 0, max: 2 ** 32 - 1, whole: true }, 1, 'seed of the initial weights, of every epoch\'s shuffle and of the augmentation', 'seed'), option: 'seed' },
  {
    name: 'augment', attribute: 'augment', type: 'string',
    help: 'random changes to each training image, made on the GPU as batches are gathered: "none", or any of "shift K" (±K pixels), "flip" (left–right, half the time), "rotate D" (±D degrees), "noise S" (Gaussian, after scaling), "cutout N" (an N×N square blanked), separated by commas, such as "shift 2, flip, noise 0.1"',
    fallback: () => 'none', parse: parseAugmentText, format: String,
    form: { label: 'augmentation', input: 'text' }, option: 'augment',
  } satisfies Setting<'augment'>,
  {
    name: 'autoplay', attribute: 'autoplay', type: 'boolean', help: 'train at once when ready', boolean: true,
    fallback: () => false, parse: () => true, format: String,
  } satisfies Setting<'autoplay'>,
  {
    name: 'view', attribute: 'view', type: 'ViewName[]',
    help: `the views shown: "all", "none", or a list of ${VIEW_NAMES.join(', ')}; default: all, but the training batch only with an augment attribute`,
    // The training batch is worth its room when it shows augmentation.
    fallback: (before) => VIEW_NAMES.filter((name) => name !== 'batch' || (before.augment ?? 'none') !== 'none'), parse: parseViews, format: (views) => views.join(',') || 'none',
  } satisfies Setting<'view'>,
  choiceSetting('colormap', SEQUENTIAL_COLORMAPS, () => 'viridis', 'colormap of activated outputs'),
  numberSetting('sampleRate', { min: 0, max: 60 }, 2, 'test images per second in the layer-output animation (0: still)'),
  numberSetting('trainingShare', { min: 0.05, max: 1 }, DEFAULT_TRAINING_SHARE, 'share of the GPU time training may take while views draw (the views get the rest)'),
  { ...choiceSetting('theme', THEMES, systemTheme, 'colour theme'), shownDefault: "the system's (prefers-color-scheme)" },
  choiceSetting('loading', LOADING_MODES, () => 'lazy', 'lazy: load data and build the network only when the element nears the viewport; eager: at once'),
];

export const SETTING_ATTRIBUTES: readonly string[] = SETTINGS.map((setting) => setting.attribute);

/** The settings the controls' form edits (network and training). */
export const FORM_SETTINGS = SETTINGS.filter((setting) => setting.form);

/** Attribute texts as found on the element, by attribute name (null or absent: not set). */
export type RawAttributes = Partial<Record<string, string | null>>;

/** Parses and checks every attribute; throws AttributeError for the first bad one. */
export function parseSettings(raw: RawAttributes): ScopeSettings {
  const settings: Partial<ScopeSettings> = {};
  for (const setting of SETTINGS) {
    const text = raw[setting.attribute];
    try {
      (settings as Record<string, unknown>)[setting.name] = text === null || text === undefined ? setting.fallback(settings) : setting.parse(text);
    } catch (expected) {
      if (typeof expected !== 'string') throw expected;
      throw new AttributeError(setting.attribute, text ?? null, expected);
    }
  }
  const parsed = settings as ScopeSettings;
  // The engine's own checks (and its limits) have the last word; name the attribute that set the option.
  try {
    resolveConfig(engineOptions(parsed));
  } catch (error) {
    const attribute = error instanceof ConfigError ? attributeOfOption(error.option) : undefined;
    if (attribute) throw new AttributeError(attribute, raw[attribute] ?? null, (error as ConfigError).message);
    throw error; // an option no attribute sets: the element's own fault, not the page's
  }
  return parsed;
}

/** `dataset` with the names of the class-names attribute, if it has any: as many as the data has classes. */
export function namedDataset(dataset: Dataset, names: readonly string[]): Dataset {
  if (names.length === 0) return dataset;
  const classes = shapeOf(dataset).classes;
  if (names.length !== classes) throw new AttributeError('class-names', names.join(','), `lists ${names.length} names, but the data has ${classes} classes: give one name per class, in label order`);
  return { ...dataset, classNames: names };
}

/** How the settings read a data set: an image folder's size. */
export function datasetOptions(settings: ScopeSettings): DatasetOptions {
  return settings.imageSize ? { size: settings.imageSize } : {};
}

/** The settings that decide the network and its training (those that set an engine option). */
const NETWORK_SETTINGS = SETTINGS.filter((setting) => setting.option);

/** The `<nn-scope>` attribute behind engine option `option`; other optimizer options fall back to `optimizer`. */
export function attributeOfOption(option: string): string | undefined {
  return NETWORK_SETTINGS.find((setting) => setting.option === option)?.attribute ?? (option.startsWith('optimizer.') ? 'optimizer' : undefined);
}

/** The engine options for these settings (chunks of 16 steps: a responsive pause on slow GPUs). */
export function engineOptions(settings: NetworkSettings): EngineOptions {
  const optimizer = settings.optimizer === 'sgd'
    ? { type: 'sgd' as const, learningRate: settings.learningRate, momentum: settings.momentum }
    : { type: 'adam' as const, learningRate: settings.learningRate };
  return { layers: settings.layers, activation: settings.activation, optimizer, batchSize: settings.batchSize, seed: settings.seed, augment: settings.augment, stepsPerChunk: 16 };
}

/** The network part of the settings. */
export function networkOf(settings: NetworkSettings): NetworkSettings {
  return Object.fromEntries(NETWORK_SETTINGS.map(({ name }) => [name, settings[name as keyof NetworkSettings]])) as unknown as NetworkSettings;
}

/** Whether two settings build the same network and training (so no rebuild is needed). */
export function sameNetwork(a: NetworkSettings, b: NetworkSettings): boolean {
  return JSON.stringify(networkOf(a)) === JSON.stringify(networkOf(b));
}
