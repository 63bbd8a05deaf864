import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initWasmBackend, tf } from '../../src/policy/tfjs/backend.js';
import { SIMD_WASM_BASE64 } from '../../src/policy/tfjs/simd-wasm.js';

test('the committed SIMD kernels binary is simd.wat compiled (node src/policy/tfjs/wat-to-ts.mjs)', async () => {
  // wabt is a devDependency: the check runs from a source checkout, where the .wat can change.
  const { compileSimdWat } = (await import(`${process.cwd()}/src/policy/tfjs/wat-to-ts.mjs`)) as { compileSimdWat: () => Promise<Buffer> };
  assert.equal((await compileSimdWat()).toString('base64'), SIMD_WASM_BASE64);
});

test('SIMD GELU and its derivative match the float64 formulas over [-12, 12] (exp polynomial ~1 ulp)', async () => {
  const { geluForward, geluBackward } = await import('../../src/policy/tfjs/simd.js');
  await initWasmBackend();
  const n = 2400;
  const x = Float32Array.from({ length: n }, (_, i) => -12 + (24 * i) / n);
  const c = Math.sqrt(2 / Math.PI);
  const xt = tf.tensor1d(x);
  const out = geluForward(xt);
  const y = out.y.dataSync();
  const dx = geluBackward(xt, out.th, tf.ones([n])).dataSync();
  x.forEach((v, i) => {
    const t = Math.tanh(c * (v + 0.044715 * v ** 3));
    const want = 0.5 * v * (1 + t);
    const dWant = 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * c * (1 + 3 * 0.044715 * v * v);
    assert.ok(Math.abs(y[i]! - want) <= 1e-6 * (1 + Math.abs(want)), `gelu(${v}) = ${y[i]} vs ${want}`);
    assert.ok(Math.abs(dx[i]! - dWant) <= 2e-6 * (1 + Math.abs(dWant)), `gelu'(${v}) = ${dx[i]} vs ${dWant}`);
  });
});

test('SIMD LayerNorm forward/backward match float64 formulas', async () => {
  const { layerNormForward, layerNormBackward } = await import('../../src/policy/tfjs/simd.js');
  await initWasmBackend();
  const d = 8;
  const rows = 3;
  const x = Float32Array.from({ length: rows * d }, (_, i) => Math.sin(i * 1.7) * (1 + (i % 5)));
  const g = Float32Array.from({ length: d }, (_, j) => 1 + 0.1 * j);
  const b = Float32Array.from({ length: d }, (_, j) => 0.05 * j);
  const dy = Float32Array.from({ length: rows * d }, (_, i) => Math.cos(i));
  const fwd = layerNormForward(tf.tensor2d(x, [rows, d]), tf.tensor1d(g), tf.tensor1d(b));
  const bwd = layerNormBackward(tf.tensor2d(dy, [rows, d]), fwd.xhat, fwd.rstd, tf.tensor1d(g));
  const [y, dx, dg, db] = [fwd.y, bwd.dx, bwd.dg, bwd.db].map((t) => t.dataSync());
  const wantDg = new Float64Array(d);
  const wantDb = new Float64Array(d);
  for (let r = 0; r < rows; r++) {
    const row = Array.from(x.subarray(r * d, (r + 1) * d));
    const mean = row.reduce((a, v) => a + v, 0) / d;
    const rs = 1 / Math.sqrt(row.reduce((a, v) => a + (v - mean) ** 2, 0) / d + 1e-5);
    const xh = row.map((v) => (v - mean) * rs);
    const gy = xh.map((_, j) => dy[r * d + j]! * g[j]!);
    const m1 = gy.reduce((a, v) => a + v, 0) / d;
    const m2 = gy.reduce((a, v, j) => a + v * xh[j]!, 0) / d;
    xh.forEach((v, j) => {
      assert.ok(Math.abs(y[r * d + j]! - (v * g[j]! + b[j]!)) < 1e-5);
      assert.ok(Math.abs(dx[r * d + j]! - rs * (gy[j]! - m1 - v * m2)) < 1e-5);
      wantDg[j] += dy[r * d + j]! * v;
      wantDb[j] += dy[r * d + j]!;
    });
  }
  wantDg.forEach((v, j) => assert.ok(Math.abs(dg[j]! - v) < 1e-5));
  wantDb.forEach((v, j) => assert.ok(Math.abs(db[j]! - v) < 1e-5));
});

test('SIMD row log-sum-exp and scaled softmax handle V not a multiple of 4 (masked lanes)', async () => {
  const { rowLogSumExp, scaledSoftmax } = await import('../../src/policy/tfjs/simd.js');
  await initWasmBackend();
  const V = 7;
  const l = Float32Array.from({ length: 3 * V }, (_, i) => Math.sin(i) * 5);
  const lse = rowLogSumExp(l, V);
  const out = scaledSoftmax(l, V, lse, Float32Array.of(1, -2, 0.5));
  [1, -2, 0.5].forEach((c, r) => {
    const row = Array.from(l.subarray(r * V, (r + 1) * V));
    const want = Math.log(row.reduce((a, v) => a + Math.exp(v), 0));
    assert.ok(Math.abs(lse[r]! - want) < 1e-5, `${lse[r]} vs ${want}`);
    row.forEach((v, j) => assert.ok(Math.abs(out[r * V + j]! - c * Math.exp(v - want)) < 1e-6));
  });
});

test('SIMD transpose: 4×4 tiles and the ragged edges', async () => {
  const { transpose2d } = await import('../../src/policy/tfjs/simd.js');
  await initWasmBackend();
  for (const [R, C] of [[8, 12], [5, 7], [3, 9], [1, 1]] as const) {
    const x = Float32Array.from({ length: R * C }, (_, i) => i);
    const y = transpose2d(tf.tensor2d(x, [R, C]));
    assert.deepEqual(y.shape, [C, R]);
    const v = y.dataSync();
    for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) assert.equal(v[c * R + r], x[r * C + c], `[${R}, ${C}] at (${r}, ${c})`);
  }
});
