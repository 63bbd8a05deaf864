import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/core/rng.js';
import { UserError } from '../../src/core/errors.js';
import { emptyOptimizerState, readCheckpoint, writeCheckpoint } from '../../src/policy/checkpoint.js';
import { decodeSafetensors } from '../../src/policy/safetensors.js';
import { initWeights } from '../../src/policy/weights.js';

const cfg = { vocabSize: 7, contextLength: 5, dModel: 4, nLayers: 1, nHeads: 2 };

test('write → read returns the same weights, moments, step and extra state; files use the shared names', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'seeupo-ckpt-'));
  try {
    const weights = initWeights(cfg, new Rng(3));
    const optimizer = emptyOptimizerState(cfg);
    optimizer.step = 4;
    optimizer.expAvg.get('wte.weight')![2] = 0.25;
    optimizer.expAvgSq.get('ln_f.bias')![1] = 0.5;
    await writeCheckpoint(dir, { config: cfg, weights, optimizer, backend: 'tfjs', extra: { rng: { s: [1, 2, 3, 4] } } });
    const back = await readCheckpoint(dir, cfg);
    assert.deepEqual(back.config, cfg);
    assert.deepEqual(back.weights, weights);
    assert.deepEqual(back.optimizer, optimizer);
    assert.equal(back.backend, 'tfjs');
    assert.deepEqual(back.extra, { rng: { s: [1, 2, 3, 4] } });

    const model = decodeSafetensors(await readFile(join(dir, 'model.safetensors')));
    assert.deepEqual(JSON.parse(model.metadata.config!), cfg);
    assert.deepEqual(model.tensors.get('h.0.mlp.c_fc.weight')!.shape, [16, 4]);
    const opt = decodeSafetensors(await readFile(join(dir, 'optimizer.safetensors')));
    assert.equal(opt.metadata.step, '4');
    assert.equal(opt.tensors.get('exp_avg.wte.weight')!.data[2], 0.25);
    assert.equal(opt.tensors.get('exp_avg_sq.ln_f.bias')!.data[1], 0.5);
    const state = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8'));
    assert.equal(state.format, 'seeupo-checkpoint-v1');
    assert.equal(state.step, 4);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a checkpoint of another shape, a missing dir or a bad state.json is a UserError', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'seeupo-ckpt-'));
  try {
    await writeCheckpoint(dir, { config: cfg, weights: initWeights(cfg, new Rng(3)), optimizer: emptyOptimizerState(cfg), backend: 'tfjs', extra: {} });
    await assert.rejects(readCheckpoint(dir, { ...cfg, dModel: 8 }), (e: unknown) => e instanceof UserError && /is for model .*"dModel":4.*but this model is .*"dModel":8/.test(e.message));
    await assert.rejects(readCheckpoint(join(dir, 'nope')), (e: unknown) => e instanceof UserError && /cannot read checkpoint/.test(e.message));
    await writeFile(join(dir, 'state.json'), '{"format":"other"}');
    await assert.rejects(readCheckpoint(dir), (e: unknown) => e instanceof UserError && /format is "other"/.test(e.message));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
