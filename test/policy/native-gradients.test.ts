import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import type { ModelConfig } from '../../src/policy/learner.js';
import { weightLayout } from '../../src/policy/weights.js';
import { nativeBinding, nativeSkip, randomWeights } from './native-reference.js';

// The model in float64 (a flag of the addon's model for exactly this check), so central differences are exact to
// ~1e-9 and every gradient entry can be held to a tight tolerance.
// Context 70: the third sequence spans two of the addon's attention blocks (64 queries each).
const config: ModelConfig = { vocabSize: 7, contextLength: 70, dModel: 4, nLayers: 2, nHeads: 2 };
const long = Array.from({ length: 70 }, (_, i) => (i * 5 + 3) % 7);
const tokens = Int32Array.from([1, 5, 2, 6, 0, 3, 4, 4, 2, ...long]);
const lengths = Int32Array.from([6, 3, 70]);
const responseStarts = Int32Array.from([2, 1, 60]);
// One per scored token: 4 + 2 + 10.
const dLdLogp = Float64Array.from([0.7, -1.3, 0.4, 2.1, -0.6, 1.1, 0.3, -0.2, 0.9, -1.1, 0.5, 0.8, -0.4, 1.2, -0.7, 0.6]);

function toF64(weights: Map<string, Float32Array>): Record<string, Float64Array> {
  return Object.fromEntries([...weights].map(([k, v]) => [k, Float64Array.from(v)]));
}

test('native: log-prob gradients (∂(Σ c·logp)/∂θ) equal central finite differences for every parameter', { skip: nativeSkip }, async () => {
  const model = new (nativeBinding().Model)(config, 1, true);
  const weights = toF64(randomWeights(config, new Rng(21), 0.6));
  await model.setWeights(weights);
  const logp = await model.forwardBackward(tokens, lengths, responseStarts, dLdLogp);
  assert.ok(logp instanceof Float64Array);
  const grads = await model.getGrads();
  const loss = async () => {
    const lp = await model.logprobs(tokens, lengths, responseStarts);
    let sum = 0;
    for (let i = 0; i < lp.length; i++) sum += lp[i]! * dLdLogp[i]!;
    return sum;
  };
  const h = 1e-5;
  let checked = 0;
  let largest = 0;
  for (const spec of weightLayout(config)) {
    const w = weights[spec.name]!;
    for (let i = 0; i < w.length; i++) {
      const orig = w[i]!;
      w[i] = orig + h;
      await model.setWeights({ ...weights });
      const up = await loss();
      w[i] = orig - h;
      await model.setWeights({ ...weights });
      const down = await loss();
      w[i] = orig;
      const fd = (up - down) / (2 * h);
      const g = grads[spec.name]![i]!;
      assert.ok(Math.abs(g - fd) < 1e-6 * Math.max(1, Math.abs(fd)), `${spec.name}[${i}]: backward ${g}, finite differences ${fd}`);
      largest = Math.max(largest, Math.abs(g));
      checked++;
    }
  }
  assert.equal(checked, weightLayout(config).reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0));
  assert.ok(largest > 0.1, 'gradients are not all tiny');
  await model.dispose();
});

test('native: gradients accumulate over forwardBackward calls until the optimizer step', { skip: nativeSkip }, async () => {
  const binding = nativeBinding();
  const weights = toF64(randomWeights(config, new Rng(22)));
  const grad = async (calls: Array<[Int32Array, Int32Array, Int32Array, Float64Array]>) => {
    const model = new binding.Model(config, 1, true);
    await model.setWeights(weights);
    for (const c of calls) await model.forwardBackward(...c);
    const g = await model.getGrads();
    await model.dispose();
    return g;
  };
  const first: [Int32Array, Int32Array, Int32Array, Float64Array] = [tokens.slice(0, 6), lengths.slice(0, 1), responseStarts.slice(0, 1), dLdLogp.slice(0, 4)];
  const second: [Int32Array, Int32Array, Int32Array, Float64Array] = [tokens.slice(6), lengths.slice(1), responseStarts.slice(1), dLdLogp.slice(4)];
  const both = await grad([[tokens, lengths, responseStarts, dLdLogp]]);
  const summed = await grad([first, second]);
  for (const spec of weightLayout(config)) {
    const a = both[spec.name]!;
    const b = summed[spec.name]!;
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) < 1e-12, `${spec.name}[${i}]`);
  }
});
