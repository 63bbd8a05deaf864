// The TF.js back end against PyTorch on the same checkpoint: the checkpoint layout loads into torch.nn by name,
// the log-probs agree, and one AdamW step (and a second one resumed from saved moments) driven by the same
// dL/dlogp gives the same weights. Skipped where /usr/bin/python3 cannot import torch (CI installs no torch).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pytorchUnavailableReason, runPytorchReference } from '../../bench/pytorch-baseline.js';
import { Rng } from '../../src/core/rng.js';
import { readCheckpoint } from '../../src/policy/checkpoint.js';
import type { ModelConfig, OptimStepOptions, ScoredSequence } from '../../src/policy/learner.js';
import { TfjsLearner } from '../../src/policy/tfjs/learner.js';

const config: ModelConfig = { vocabSize: 37, contextLength: 24, dModel: 16, nLayers: 2, nHeads: 4 };
const optim: Required<OptimStepOptions> = { lr: 1e-3, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, maxGradNorm: 0.05 };

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function batch(rng: Rng): ScoredSequence[] {
  return [
    { len: 24, start: 1 },
    { len: 9, start: 5 },
    { len: 16, start: 15 },
  ].map(({ len, start }) => ({ tokens: Int32Array.from({ length: len }, () => rng.int(config.vocabSize)), responseStart: start }));
}

test('TF.js back end = PyTorch on the same checkpoint: log-probs and two AdamW steps (1e-4)', async (t) => {
  const unavailable = await pytorchUnavailableReason();
  if (unavailable !== null) {
    t.skip(unavailable);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'seeupo-xcheck-'));
  const learner = await TfjsLearner.create({ config, seed: 11, threads: 1 });
  try {
    const rng = new Rng(5);
    for (const stepDir of ['step0', 'step1']) {
      const ckpt = join(dir, stepDir);
      await learner.save(ckpt);
      const seqs = batch(rng);
      const dL = seqs.map((s) => Array.from({ length: s.tokens.length - s.responseStart }, () => rng.normal()));
      const ref = await runPytorchReference(ckpt, {
        sequences: seqs.map((s) => ({ tokens: Array.from(s.tokens), responseStart: s.responseStart })),
        dLdLogp: dL,
        optim,
      });
      const ours = await learner.logprobs(seqs);
      for (let i = 0; i < seqs.length; i++) assert.ok(maxAbsDiff(ours[i]!, ref.logprobs[i]!) < 1e-4, `${stepDir} log-probs of sequence ${i}`);
      await learner.forwardBackward(seqs, dL.map((g) => Float32Array.from(g)));
      const { gradNorm, skipped } = await learner.optimStep(optim);
      assert.equal(skipped, false);
      assert.ok(gradNorm > optim.maxGradNorm, `the clip is exercised (grad norm ${gradNorm})`);
      assert.ok(Math.abs(gradNorm - ref.gradNorm!) <= 1e-4 * ref.gradNorm!, `${stepDir} grad norm ${gradNorm} vs ${ref.gradNorm}`);
      const after = join(dir, `${stepDir}-after`);
      await learner.save(after);
      const { weights } = await readCheckpoint(after);
      const before = (await readCheckpoint(ckpt)).weights;
      assert.ok(maxAbsDiff(before.get('h.0.attn.c_attn.weight')!, weights.get('h.0.attn.c_attn.weight')!) > 1e-4, 'the step moved the weights');
      for (const [name, w] of weights) assert.ok(maxAbsDiff(w, ref.weights![name]!) < 1e-4, `${stepDir}: weight ${name} after the step`);
    }
  } finally {
    await learner.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});
