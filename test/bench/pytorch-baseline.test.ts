import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pytorchUnavailableReason, runPytorchBaseline } from '../../bench/pytorch-baseline.js';

const tiny = { vocabSize: 40, contextLength: 16, dModel: 16, nLayers: 1, nHeads: 2, batch: 2, threads: 1 };

test('a missing interpreter is reported as missing, not guessed', async () => {
  const r = await runPytorchBaseline({ ...tiny, python: '/nonexistent/python3' });
  assert.ok('missing' in r);
  assert.match(r.missing, /cannot run \/nonexistent\/python3/);
});

test('an interpreter without torch is reported as missing', async () => {
  // /bin/false exits with status 1, as a python without torch does on `-c 'import torch'`.
  const reason = await pytorchUnavailableReason('/bin/false');
  assert.ok(reason !== null);
  assert.match(reason, /import torch' failed/);
});

test('runs the PyTorch baseline on a tiny shape (skipped where /usr/bin/python3 lacks torch)', async (t) => {
  const unavailable = await pytorchUnavailableReason();
  if (unavailable !== null) {
    t.skip(unavailable);
    return;
  }
  const r = await runPytorchBaseline({ ...tiny, steps: 2, warmupSteps: 1, promptLength: 4, genTokens: 8 });
  if ('missing' in r) {
    t.skip(r.missing); // torch present but not on OpenBLAS
    return;
  }
  assert.ok(r.trainTokPerSec > 0 && Number.isFinite(r.trainTokPerSec));
  assert.ok(r.genTokPerSec > 0 && Number.isFinite(r.genTokPerSec));
  assert.equal(r.threads, 1);
  // V·d + C·d + per layer (2·2d LayerNorm + 3d·d + 3d + d·d + d + 4d·d + 4d + d·4d + d) + 2d (ln_f), d=16, V=40, C=16
  const d = 16;
  assert.equal(r.params, 40 * d + 16 * d + (4 * d + 3 * d * d + 3 * d + d * d + d + 4 * d * d + 4 * d + 4 * d * d + d) + 2 * d);
});
