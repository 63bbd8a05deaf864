import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import { chooseToken } from '../../src/policy/tfjs/sampling.js';

// logits ln(0.5), ln(0.3), ln(0.15), ln(0.05): probabilities 0.5, 0.3, 0.15, 0.05.
const logits = Float32Array.from([0.5, 0.3, 0.15, 0.05].map(Math.log));

test('temperature 1: log-prob is the softmax log-prob and frequencies follow it', () => {
  const rng = new Rng(3);
  const counts = [0, 0, 0, 0];
  for (let i = 0; i < 20000; i++) {
    const c = chooseToken(logits, 1, 1, rng);
    counts[c.token]!++;
    assert.ok(Math.abs(c.logprob - Math.log([0.5, 0.3, 0.15, 0.05][c.token]!)) < 1e-6);
  }
  [0.5, 0.3, 0.15, 0.05].forEach((p, i) => assert.ok(Math.abs(counts[i]! / 20000 - p) < 0.015, `token ${i}: ${counts[i]}`));
});

test('top-p 0.7 keeps {0, 1} (0.5 < 0.7 ≤ 0.8) and renormalises to 5/8, 3/8', () => {
  const rng = new Rng(4);
  const seen = new Set<number>();
  for (let i = 0; i < 2000; i++) {
    const c = chooseToken(logits, 1, 0.7, rng);
    seen.add(c.token);
    assert.ok(Math.abs(c.logprob - Math.log(c.token === 0 ? 5 / 8 : 3 / 8)) < 1e-6);
  }
  assert.deepEqual([...seen].sort(), [0, 1]);
});

test('temperature 2 flattens: p ∝ sqrt(p0); temperature 0 is greedy with log-prob 0', () => {
  const s = [0.5, 0.3, 0.15, 0.05].map(Math.sqrt);
  const z = s.reduce((a, b) => a + b, 0);
  const c = chooseToken(logits, 2, 1, new Rng(5));
  assert.ok(Math.abs(c.logprob - Math.log(s[c.token]! / z)) < 1e-6);
  assert.deepEqual(chooseToken(logits, 0, 1, new Rng(5)), { token: 0, logprob: 0 });
});
