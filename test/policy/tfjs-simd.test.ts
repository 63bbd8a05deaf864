import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SIMD_WASM_BASE64 } from '../../src/policy/tfjs/simd-wasm.js';

test('the committed SIMD kernels binary is simd.wat compiled (node src/policy/tfjs/wat-to-ts.mjs)', async () => {
  // wabt is a devDependency: the check runs from a source checkout, where the .wat can change.
  const { compileSimdWat } = (await import(`${process.cwd()}/src/policy/tfjs/wat-to-ts.mjs`)) as { compileSimdWat: () => Promise<Buffer> };
  assert.equal((await compileSimdWat()).toString('base64'), SIMD_WASM_BASE64);
});

test('SIMD GELU and its derivative match the float64 formulas over [-12, 12] (exp polynomial ~1 ulp)', async () => {
  const { geluForward, geluBackward } = await import('../../src/policy/tfjs/simd.js');
  const n = 2400;
  const x = Float32Array.from({ length: n }, (_, i) => -12 + (24 * i) / n);
  const c = Math.sqrt(2 / Math.PI);
  const { y, th } = geluForward(x);
  const dx = geluBackward(x, th, new Float32Array(n).fill(1));
  x.forEach((v, i) => {
    const t = Math.tanh(c * (v + 0.044715 * v ** 3));
    const want = 0.5 * v * (1 + t);
    const dWant = 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * c * (1 + 3 * 0.044715 * v * v);
    assert.ok(Math.abs(y[i]! - want) <= 1e-6 * (1 + Math.abs(want)), `gelu(${v}) = ${y[i]} vs ${want}`);
    assert.ok(Math.abs(dx[i]! - dWant) <= 2e-6 * (1 + Math.abs(dWant)), `gelu'(${v}) = ${dx[i]} vs ${dWant}`);
  });
});
