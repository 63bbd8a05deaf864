import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import { initWasmBackend } from '../../src/policy/tfjs/backend.js';
import { TfjsEngine } from '../../src/policy/tfjs/engine.js';
import { flatLayout, fromFlat, toFlat } from '../../src/policy/tfjs/layout.js';
import { weightLayout, type Weights } from '../../src/policy/weights.js';
import { finiteDifferences, randomWeights, referenceLogprobs } from './reference-gpt.js';

const cfg = { vocabSize: 7, contextLength: 6, dModel: 8, nLayers: 2, nHeads: 2 };
// Head size 20: the SIMD attention kernels take their 16-column blocked paths and their 4-column remainder path.
const wide = { vocabSize: 7, contextLength: 6, dModel: 40, nLayers: 1, nHeads: 2 };


const seqs = [
  { tokens: Int32Array.of(1, 5, 2, 6, 0, 3), responseStart: 2 },
  { tokens: Int32Array.of(4, 4, 1), responseStart: 1 },
];

test('flat kernel layout round-trips PyTorch-layout weights (matrices transposed)', () => {
  const w = randomWeights(1, cfg);
  const layout = flatLayout(cfg);
  const flat = toFlat(layout, w);
  const fc = layout.segments.find((s) => s.spec.name === 'h.0.mlp.c_fc.weight')!;
  assert.deepEqual(fc.kernelShape, [8, 32]);
  // PyTorch [out=32, in=8] element (o=3, i=5) sits at kernel [i=5, o=3].
  assert.equal(flat[fc.offset + 5 * 32 + 3], w.get('h.0.mlp.c_fc.weight')![3 * 8 + 5]);
  assert.deepEqual(fromFlat(layout, flat), w);
});

for (const [name, cfg] of [['2 layers, head size 4', { vocabSize: 7, contextLength: 6, dModel: 8, nLayers: 2, nHeads: 2 }], ['head size 20', wide]] as const) {
  test(`log-probs equal the float64 reference implementation of the spec (1e-5), ${name}`, async () => {
    await initWasmBackend();
    const w = randomWeights(2, cfg);
    const layout = flatLayout(cfg);
    const engine = new TfjsEngine(cfg, toFlat(layout, w), new Float32Array(layout.total), 0);
    const got = engine.logprobs(seqs, 0);
    seqs.forEach((s, i) => {
      const want = referenceLogprobs(cfg, w, s.tokens, s.responseStart);
      assert.equal(got[i]!.length, want.length);
      want.forEach((v, t) => assert.ok(Math.abs(got[i]![t]! - v) < 1e-5, `seq ${i} token ${t}: ${got[i]![t]} vs ${v}`));
    });
    engine.dispose();
  });
}

for (const [name, cfg] of [['2 layers, head size 4', { vocabSize: 7, contextLength: 6, dModel: 8, nLayers: 2, nHeads: 2 }], ['head size 20', wide]] as const) test(`gradients of Σ ∂L/∂logp · logp equal central finite differences of the float64 reference, ${name}`, async () => {
  await initWasmBackend();
  const w = randomWeights(3, cfg);
  const layout = flatLayout(cfg);
  const grads = new Float32Array(layout.total);
  const engine = new TfjsEngine(cfg, toFlat(layout, w), grads, 0);
  const rng = new Rng(9);
  const dL = seqs.map((s) => Float32Array.from({ length: s.tokens.length - s.responseStart }, () => rng.normal()));
  // Two calls accumulate: the gradient must be 2× the gradient of one.
  engine.forwardBackward(seqs, dL, 0);
  engine.forwardBackward(seqs, dL, 0);
  const g = fromFlat(layout, grads);
  const J = (wt: Weights) =>
    seqs.reduce((acc, s, i) => acc + referenceLogprobs(cfg, wt, s.tokens, s.responseStart).reduce((a, lp, t) => a + dL[i]![t]! * lp, 0), 0);
  const w64 = new Map([...w].map(([k, v]) => [k, Float64Array.from(v)]));
  let checked = 0;
  for (const { name, idx, fd } of finiteDifferences(cfg, w64, J, rng)) {
    // Two accumulated calls: twice the derivative of J.
    const got = g.get(name)![idx]!;
    assert.ok(Math.abs(got - 2 * fd) <= 2e-4 + 2e-3 * Math.abs(2 * fd), `${name}[${idx}]: ${got} vs finite difference ${2 * fd}`);
    checked++;
  }
  assert.equal(checked, weightLayout(cfg).length * 4);
  engine.dispose();
});
