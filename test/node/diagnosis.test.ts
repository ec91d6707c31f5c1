/** The diagnosis helpers on hand-made numbers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cosineSimilarities, groupSimilarity, mostConfusedPairs } from '../../src/analysis/diagnosis.js';

test('mostConfusedPairs ranks off-diagonal cells by rate within the true class', () => {
  const confusion = [
    [90, 10, 0],
    [30, 20, 50], // 50% of class 1 is called 2
    [1, 0, 9],
  ];
  assert.deepEqual(mostConfusedPairs(confusion, 3), [
    { truth: 1, predicted: 2, count: 50, rate: 0.5 },
    { truth: 1, predicted: 0, count: 30, rate: 0.3 },
    { truth: 0, predicted: 1, count: 10, rate: 0.1 },
  ]);
});

test('cosineSimilarities and groupSimilarity', () => {
  // Class 0 = (1, 0), class 1 = (1, 1), class 2 = (0, 2).
  const s = cosineSimilarities(Float32Array.from([1, 0, 1, 1, 0, 2]), 3);
  assert.ok(Math.abs(s[0][1] - Math.SQRT1_2) < 1e-7);
  assert.equal(s[0][2], 0);
  assert.ok(Math.abs(s[1][2] - Math.SQRT1_2) < 1e-7);
  assert.ok(Math.abs(s[2][2] - 1) < 1e-7);
  const g = groupSimilarity(s, [0, 1]);
  assert.ok(Math.abs(g.group - Math.SQRT1_2) < 1e-7);
  assert.ok(Math.abs(g.allPairs - (2 * Math.SQRT1_2) / 3) < 1e-7);
});
