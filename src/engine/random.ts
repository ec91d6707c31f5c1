/** Seeded randomness: the same seed gives the same initial weights and the same epoch orders. */
import type { Initializer } from './config.js';

/** mulberry32: a small, fast 32-bit PRNG; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples by Box–Muller. */
function normal(random: () => number): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** Mixes a seed with a stream number (epoch, layer) so streams do not overlap. */
export function deriveSeed(seed: number, stream: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(stream + 1, 0xc2b2ae35);
  h ^= h >>> 16;
  return Math.imul(h, 0x27d4eb2f) >>> 0;
}

/**
 * `count` initial weights of one layer, from its fan-in and fan-out (layers.ts fansOf: a conv's taps count).
 * glorot: U(±sqrt(6 / (in + out))); he: N(0, 2 / in); small: 0.01 · N(0, 1) (the book's).
 */
export function initialWeights(init: Initializer, { fanIn, fanOut }: { fanIn: number; fanOut: number }, count: number, seed: number): Float32Array {
  const random = mulberry32(seed);
  const weights = new Float32Array(count);
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const std = init === 'he' ? Math.sqrt(2 / fanIn) : 0.01;
  for (let i = 0; i < weights.length; i++) {
    weights[i] = init === 'glorot' ? (2 * random() - 1) * limit : std * normal(random);
  }
  return weights;
}

/** A seeded Fisher–Yates permutation of 0..count−1. */
export function shuffledOrder(count: number, seed: number): Uint32Array {
  const random = mulberry32(seed);
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}
