/**
 * The settings of an `<nn-scope>`, parsed from its attributes and checked: every bad value gets a
 * message naming the attribute, the value and what is allowed (never a silent fallback).
 */
import { ConfigError, DEFAULT_TRAINING_SHARE, resolveConfig, type Activation, type EngineOptions } from '../engine/config.js';
import { COLORMAP_NAMES, type ColormapName } from '../views/colormaps.js';

export const VIEW_NAMES = ['controls', 'strips', 'weights', 'confusion', 'class-means', 'curves'] as const;
export type ViewName = (typeof VIEW_NAMES)[number];
export const ACTIVATIONS = ['relu', 'sigmoid', 'tanh'] as const;
export const OPTIMIZERS = ['sgd', 'adam'] as const;
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
  layers: number[];
  activation: Activation;
  optimizer: 'sgd' | 'adam';
  learningRate: number;
  momentum: number;
  batchSize: number;
  seed: number;
}

export interface ScopeSettings extends NetworkSettings {
  /** Folder of the four IDX files; undefined: the Fashion-MNIST copy that ships next to the bundle. */
  src?: string;
  epochs: number;
  autoplay: boolean;
  views: ViewName[];
  colormap: ColormapName;
  sampleRate: number;
  trainingShare: number;
}

/** Attribute texts as found on the element (null: absent). */
export type RawAttributes = Partial<Record<
  'src' | 'layers' | 'activation' | 'optimizer' | 'learning-rate' | 'momentum' | 'batch-size' | 'epochs' | 'seed' | 'view' | 'colormap' | 'sample-rate' | 'training-share',
  string | null
>> & { autoplay?: boolean; theme?: string | null };

function number(attribute: string, text: string | null | undefined, fallback: number, check: (n: number) => boolean, expected: string): number {
  if (text === null || text === undefined) return fallback;
  const value = text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(value) || !check(value)) throw new AttributeError(attribute, text, expected);
  return value;
}

function choice<T extends string>(attribute: string, text: string | null | undefined, allowed: readonly T[], fallback: T): T {
  if (text === null || text === undefined) return fallback;
  const value = text.trim().toLowerCase() as T;
  if (!allowed.includes(value)) throw new AttributeError(attribute, text, `must be one of ${allowed.join(', ')}`);
  return value;
}

/** "128,128" → [128, 128]; "" → [] (no hidden layer: a linear classifier). */
export function parseLayers(text: string | null | undefined): number[] {
  if (text === null || text === undefined) return [128, 128];
  if (text.trim() === '') return [];
  const widths = text.split(',').map((part) => (part.trim() === '' ? NaN : Number(part)));
  if (widths.length > 8 || !widths.every((w) => Number.isInteger(w) && w >= 1 && w <= 4096)) {
    throw new AttributeError('layers', text, 'hidden-layer widths must be 1 to 8 whole numbers from 1 to 4096 separated by commas, such as "128,128"');
  }
  return widths;
}

export function parseViews(text: string | null | undefined): ViewName[] {
  if (text === null || text === undefined || text.trim() === 'all') return [...VIEW_NAMES];
  if (text.trim() === 'none') return [];
  const names = text.split(/[\s,]+/).filter(Boolean);
  const unknown = names.filter((name) => !VIEW_NAMES.includes(name as ViewName));
  if (unknown.length || names.length === 0) {
    throw new AttributeError('view', text, `lists views separated by commas or spaces from ${VIEW_NAMES.join(', ')} (or "all", "none")${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}`);
  }
  return VIEW_NAMES.filter((name) => names.includes(name));
}

/** Parses and checks every attribute; throws AttributeError for the first bad one. */
export function parseSettings(raw: RawAttributes): ScopeSettings {
  const optimizer = choice('optimizer', raw.optimizer, OPTIMIZERS, 'sgd');
  const settings: ScopeSettings = {
    src: raw.src?.trim() || undefined,
    layers: parseLayers(raw.layers),
    activation: choice('activation', raw.activation, ACTIVATIONS, 'relu'),
    optimizer,
    learningRate: number('learning-rate', raw['learning-rate'], optimizer === 'sgd' ? 0.01 : 0.001, (n) => n > 0 && n <= 10, 'must be a number above 0 and at most 10, such as 0.01'),
    momentum: number('momentum', raw.momentum, 0.9, (n) => n >= 0 && n < 1, 'must be a number from 0 up to (not including) 1, such as 0.9'),
    batchSize: number('batch-size', raw['batch-size'], 128, (n) => Number.isInteger(n) && n >= 1 && n <= 8192, 'must be a whole number from 1 to 8192, such as 128'),
    epochs: number('epochs', raw.epochs, 5, (n) => Number.isInteger(n) && n >= 1 && n <= 1000, 'must be a whole number from 1 to 1000'),
    seed: number('seed', raw.seed, 1, (n) => Number.isInteger(n) && n >= 0 && n <= 2 ** 32 - 1, 'must be a whole number from 0 to 4294967295'),
    autoplay: raw.autoplay ?? false,
    views: parseViews(raw.view),
    colormap: choice('colormap', raw.colormap, SEQUENTIAL_COLORMAPS, 'viridis'),
    sampleRate: number('sample-rate', raw['sample-rate'], 2, (n) => n >= 0 && n <= 60, 'must be a number of test samples per second from 0 (still) to 60'),
    trainingShare: number('training-share', raw['training-share'], DEFAULT_TRAINING_SHARE, (n) => n >= 0.05 && n <= 1, 'must be the share of GPU time training may take while views draw, from 0.05 to 1, such as 0.8'),
  };
  choice('theme', raw.theme, ['light', 'dark'] as const, 'light'); // absent: follow prefers-color-scheme
  // The engine's own checks (and its limits) have the last word; name the attribute that set the option.
  try {
    resolveConfig(engineOptions(settings));
  } catch (error) {
    const attribute = error instanceof ConfigError ? attributeOfOption(error.option) : undefined;
    if (attribute) throw new AttributeError(attribute, raw[attribute] ?? null, (error as ConfigError).message);
    throw error; // an option no attribute sets: the element's own fault, not the page's
  }
  return settings;
}

/** The attributes that hold text (autoplay is a boolean one). */
type TextAttribute = Exclude<keyof RawAttributes, 'autoplay'>;

/** The attribute that sets each engine option (ConfigError.option). */
const OPTION_ATTRIBUTES: Record<string, TextAttribute> = {
  layers: 'layers', activation: 'activation', 'optimizer.type': 'optimizer', 'optimizer.learningRate': 'learning-rate',
  'optimizer.momentum': 'momentum', batchSize: 'batch-size', seed: 'seed',
};

/** The `<nn-scope>` attribute behind engine option `option`; other optimizer options fall back to `optimizer`. */
export function attributeOfOption(option: string): TextAttribute | undefined {
  return Object.hasOwn(OPTION_ATTRIBUTES, option) ? OPTION_ATTRIBUTES[option] : option.startsWith('optimizer.') ? 'optimizer' : undefined;
}

/** The engine options for these settings (chunks of 16 steps: a responsive pause on slow GPUs). */
export function engineOptions(settings: NetworkSettings): EngineOptions {
  const optimizer = settings.optimizer === 'sgd'
    ? { type: 'sgd' as const, learningRate: settings.learningRate, momentum: settings.momentum }
    : { type: 'adam' as const, learningRate: settings.learningRate };
  return { layers: settings.layers, activation: settings.activation, optimizer, batchSize: settings.batchSize, seed: settings.seed, stepsPerChunk: 16 };
}

/** Whether two settings build the same network and training (so no rebuild is needed). */
export function sameNetwork(a: NetworkSettings, b: NetworkSettings): boolean {
  return a.layers.join(',') === b.layers.join(',') && a.activation === b.activation && a.optimizer === b.optimizer &&
    a.learningRate === b.learningRate && a.momentum === b.momentum && a.batchSize === b.batchSize && a.seed === b.seed;
}

/** The network part of the settings. */
export function networkOf(settings: NetworkSettings): NetworkSettings {
  const { layers, activation, optimizer, learningRate, momentum, batchSize, seed } = settings;
  return { layers, activation, optimizer, learningRate, momentum, batchSize, seed };
}
