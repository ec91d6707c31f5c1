/** Reading an evaluation: which classes the network confuses, and how alike classes look inside it. */

/** Off-diagonal (true, predicted) pairs by rate = count / samples of the true class, highest first. */
export function mostConfusedPairs(confusion: readonly (readonly number[])[], top = 3): { truth: number; predicted: number; count: number; rate: number }[] {
  const pairs = confusion.flatMap((row, truth) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((count, predicted) => ({ truth, predicted, count, rate: total ? count / total : 0 })).filter((p) => p.predicted !== truth);
  });
  return pairs.sort((a, b) => b.rate - a.rate || b.count - a.count).slice(0, top);
}

/** classes × classes cosine similarities of per-class mean vectors (`means` is [classes, width]). */
export function cosineSimilarities(means: Float32Array | Float64Array, classes: number): number[][] {
  const width = means.length / classes;
  const row = (c: number) => means.subarray(c * width, (c + 1) * width);
  const norm = (v: ArrayLike<number>) => {
    let sum = 0;
    for (let j = 0; j < v.length; j++) sum += v[j] * v[j];
    return Math.sqrt(sum);
  };
  const norms = Array.from({ length: classes }, (_, c) => norm(row(c)));
  return Array.from({ length: classes }, (_, a) =>
    Array.from({ length: classes }, (_, b) => {
      const [u, v] = [row(a), row(b)];
      let dot = 0;
      for (let j = 0; j < width; j++) dot += u[j] * v[j];
      return norms[a] && norms[b] ? dot / (norms[a] * norms[b]) : 0;
    }),
  );
}

/** Mean similarity over the pairs of `group` and over all distinct pairs, for comparison. */
export function groupSimilarity(similarities: readonly (readonly number[])[], group: readonly number[]): { group: number; allPairs: number } {
  const mean = (pairs: [number, number][]) => pairs.reduce((s, [a, b]) => s + similarities[a][b], 0) / pairs.length;
  const pairsOf = (members: readonly number[]) => members.flatMap((a, i) => members.slice(i + 1).map((b) => [a, b] as [number, number]));
  return { group: mean(pairsOf(group)), allPairs: mean(pairsOf(similarities.map((_, c) => c))) };
}

/** Indices (in split order) of the samples of class `truth` that were predicted as `predicted`. */
export function samplesWith(predictions: ArrayLike<number>, labels: ArrayLike<number>, truth: number, predicted: number): number[] {
  if (predictions.length !== labels.length) throw new RangeError(`${predictions.length} predictions for ${labels.length} labels: evaluate the same split.`);
  const found: number[] = [];
  for (let i = 0; i < labels.length; i++) if (labels[i] === truth && predictions[i] === predicted) found.push(i);
  return found;
}
