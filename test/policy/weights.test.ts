import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import { UserError } from '../../src/core/errors.js';
import { checkWeights, initWeights, parameterCount, parseModelConfig, weightLayout } from '../../src/policy/weights.js';

const bench = { vocabSize: 512, contextLength: 256, dModel: 128, nLayers: 4, nHeads: 4 };

test('benchmark shape has 891,648 parameters (0.89M, tied head counted once)', () => {
  // wte 512·128 + wpe 256·128 + 4 × (2·256 LN + 384·128+384 + 128·128+128 + 512·128+512 + 128·512+128) + 256 ln_f
  assert.equal(parameterCount(bench), 65536 + 32768 + 4 * (512 + 49536 + 16512 + 66048 + 65664) + 256);
  assert.equal(parameterCount(bench), 891648);
});

test('layout lists names in canonical order with PyTorch [out, in] shapes', () => {
  const names = weightLayout({ vocabSize: 5, contextLength: 4, dModel: 8, nLayers: 1, nHeads: 2 }).map((s) => `${s.name}:${s.shape.join('x')}`);
  assert.deepEqual(names, [
    'wte.weight:5x8', 'wpe.weight:4x8',
    'h.0.ln_1.weight:8', 'h.0.ln_1.bias:8',
    'h.0.attn.c_attn.weight:24x8', 'h.0.attn.c_attn.bias:24',
    'h.0.attn.c_proj.weight:8x8', 'h.0.attn.c_proj.bias:8',
    'h.0.ln_2.weight:8', 'h.0.ln_2.bias:8',
    'h.0.mlp.c_fc.weight:32x8', 'h.0.mlp.c_fc.bias:32',
    'h.0.mlp.c_proj.weight:8x32', 'h.0.mlp.c_proj.bias:8',
    'ln_f.weight:8', 'ln_f.bias:8',
  ]);
});

test('initWeights draws rng.normal() in layout order, row-major, with the spec stds', () => {
  const cfg = { vocabSize: 3, contextLength: 2, dModel: 4, nLayers: 2, nHeads: 2 };
  const w = initWeights(cfg, new Rng(11));
  const r = new Rng(11);
  const expect = (n: number, std: number) => Float32Array.from({ length: n }, () => r.normal() * std);
  const proj = 0.02 / Math.sqrt(4);
  assert.deepEqual(w.get('wte.weight'), expect(12, 0.02));
  assert.deepEqual(w.get('wpe.weight'), expect(8, 0.02));
  for (const i of [0, 1]) {
    assert.deepEqual(w.get(`h.${i}.ln_1.weight`), new Float32Array(4).fill(1));
    assert.deepEqual(w.get(`h.${i}.ln_1.bias`), new Float32Array(4));
    assert.deepEqual(w.get(`h.${i}.attn.c_attn.weight`), expect(48, 0.02));
    assert.deepEqual(w.get(`h.${i}.attn.c_attn.bias`), new Float32Array(12));
    assert.deepEqual(w.get(`h.${i}.attn.c_proj.weight`), expect(16, proj));
    assert.deepEqual(w.get(`h.${i}.mlp.c_fc.weight`), expect(64, 0.02));
    assert.deepEqual(w.get(`h.${i}.mlp.c_proj.weight`), expect(64, proj));
  }
  assert.deepEqual(w.get('ln_f.weight'), new Float32Array(4).fill(1));
});

test('parseModelConfig rejects bad configs with the key in the message', () => {
  assert.throws(() => parseModelConfig({ ...bench, nHeads: 3 }), (e: unknown) => e instanceof UserError && /nHeads: dModel must be divisible/.test(e.message));
  assert.throws(() => parseModelConfig({ ...bench, dModel: 1.5 }), (e: unknown) => e instanceof UserError && /dModel/.test(e.message));
  assert.throws(() => parseModelConfig({ ...bench, layers: 2 }), (e: unknown) => e instanceof UserError && /unknown key 'layers'/.test(e.message));
  assert.deepEqual(parseModelConfig(bench), bench);
});

test('checkWeights names the missing, mis-sized or unexpected weight', () => {
  const cfg = { vocabSize: 3, contextLength: 2, dModel: 4, nLayers: 1, nHeads: 2 };
  const w = initWeights(cfg, new Rng(1));
  checkWeights(cfg, w, 'x');
  const missing = new Map(w);
  missing.delete('ln_f.bias');
  assert.throws(() => checkWeights(cfg, missing, 'x'), /x: missing weight 'ln_f.bias'/);
  const wrong = new Map(w).set('wte.weight', new Float32Array(3));
  assert.throws(() => checkWeights(cfg, wrong, 'x'), /'wte.weight' has 3 values, expected shape \[3, 4\]/);
  const extra = new Map(w).set('lm_head.weight', new Float32Array(12));
  assert.throws(() => checkWeights(cfg, extra, 'x'), /unexpected weight 'lm_head.weight'/);
});
