/** Comparing GPU results with a reference at the reference's own scale (Node tests). */
import assert from 'node:assert/strict';

/** max |a − b| / max |b|: small only where a matches b at b's own scale (gradients are small numbers). */
export function scaledDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let [worst, scale] = [0, 0];
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  assert.ok(scale > 0, 'the reference is all zeros');
  return worst / scale;
}
