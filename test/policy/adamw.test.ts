import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../src/core/errors.js';
import { adamwUpdate, clipGradients, globalNorm, resolveOptimOptions } from '../../src/policy/adamw.js';

const close = (a: number, b: number, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test('first AdamW step: bias correction makes the update lr·g/|g|; decay shrinks decayed weights first', () => {
  // g = 0.5: m = 0.05, v = 0.0125; m̂ = 0.5, v̂ = 0.25, update = 0.1 · 0.5 / (0.5 + 1e-8) = 0.1.
  const h = resolveOptimOptions({ lr: 0.1, weightDecay: 0.1 });
  const p = Float32Array.of(1, 1);
  const m = new Float32Array(2);
  const v = new Float32Array(2);
  adamwUpdate(p.subarray(0, 1), Float32Array.of(0.5), m.subarray(0, 1), v.subarray(0, 1), 1, h, true);
  adamwUpdate(p.subarray(1, 2), Float32Array.of(0.5), m.subarray(1, 2), v.subarray(1, 2), 1, h, false);
  close(p[0]!, 1 * (1 - 0.1 * 0.1) - 0.1); // 0.89
  close(p[1]!, 0.9);
  close(m[0]!, 0.05);
  close(v[0]!, 0.0125);
});

test('second AdamW step matches the bias-corrected formula', () => {
  const h = resolveOptimOptions({ lr: 0.01, beta1: 0.5, beta2: 0.75, eps: 0 });
  const p = Float32Array.of(0);
  const m = new Float32Array(1);
  const v = new Float32Array(1);
  adamwUpdate(p, Float32Array.of(1), m, v, 1, h, false); // m 0.5, v 0.25 → m̂ 1, v̂ 1 → −0.01
  // m = −0.25, v = 0.4375 → m̂ = −0.25 / 0.75, v̂ = 0.4375 / 0.4375 = 1 → +0.01 / 3
  adamwUpdate(p, Float32Array.of(-1), m, v, 2, h, false);
  close(p[0]!, -0.01 + 0.01 / 3);
  close(m[0]!, -0.25);
  close(v[0]!, 0.4375);
});

test('global norm and clipping follow clip_grad_norm_', () => {
  const g = Float32Array.of(3, 4);
  assert.equal(globalNorm(g), 5);
  clipGradients(g, 5, 1);
  close(g[0]!, 0.6);
  close(g[1]!, 0.8);
  const small = Float32Array.of(0.3, 0.4);
  clipGradients(small, 0.5, 1);
  assert.deepEqual(small, Float32Array.of(0.3, 0.4));
  assert.ok(Number.isNaN(globalNorm(Float32Array.of(1, NaN))));
  assert.equal(globalNorm(Float32Array.of(1, Infinity)), Infinity);
});

test('defaults are PyTorch-like and bad options are UserErrors', () => {
  assert.deepEqual(resolveOptimOptions({ lr: 1e-3 }), { lr: 1e-3, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0, maxGradNorm: null });
  assert.throws(() => resolveOptimOptions({ lr: -1 }), (e: unknown) => e instanceof UserError && /lr must be/.test(e.message));
  assert.throws(() => resolveOptimOptions({ lr: 1, beta2: 1 }), (e: unknown) => e instanceof UserError && /beta2/.test(e.message));
  assert.throws(() => resolveOptimOptions({ lr: 1, maxGradNorm: 0 }), (e: unknown) => e instanceof UserError && /maxGradNorm/.test(e.message));
});
