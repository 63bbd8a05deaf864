import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalLearner } from '../../../src/policy/native/select.js';
import { createTinkerLearner } from '../../../src/policy/remote/tinker-learner.js';

const model = { vocabSize: 13, contextLength: 16, dModel: 8, nLayers: 1, nHeads: 2 };

test('seeupo learner serve: listens on loopback, trains and scores for a TinkerLearner, stops cleanly on SIGTERM', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'seeupo-serve-'));
  const args = ['bin/seeupo.js', 'learner', 'serve', '--port', '0', '--model', JSON.stringify(model), '--seed', '3', '--threads', '1', '--base-model', 'tiny', '--checkpoint-dir', dir];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no start line in 30 s: ${out} ${err}`)), 30_000);
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+) — base model 'tiny'/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      void exited.then((code) => reject(new Error(`exited with ${code}: ${err}`)));
    });
    const remote = await createTinkerLearner({ baseUrl: url, baseModel: 'tiny', loraRank: 2, config: model, heartbeatMs: 0 });
    const seq = [{ tokens: Int32Array.from([1, 2, 3, 4, 5]), responseStart: 2 }];
    const local = await createLocalLearner({ config: model, seed: 3, threads: 1 });
    assert.deepEqual(await remote.logprobs(seq), await local.logprobs(seq));
    await remote.forwardBackward(seq, [Float32Array.from([1, -1, 0.5])]);
    await local.forwardBackward(seq, [Float32Array.from([1, -1, 0.5])]);
    const stepped = await remote.optimStep({ lr: 0.1 });
    const want = await local.optimStep({ lr: 0.1 });
    assert.deepEqual(stepped, want);
    assert.deepEqual(await remote.logprobs(seq), await local.logprobs(seq));
    await remote.dispose();
    await local.dispose();
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.match(out, /seeupo learner serve: stopped\n$/);
  } finally {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
});

test('seeupo learner serve: a bad flag is a message naming it (no stack trace) and exit 2', () => {
  for (const [flag, value, message] of [
    ['--port', 'http', /^seeupo: --port must be an integer in \[0, 65535\], got 'http'\n$/],
    ['--port', '70000', /^seeupo: --port must be an integer in \[0, 65535\], got '70000'\n$/],
    ['--threads', '0', /^seeupo: --threads must be an integer >= 1, got '0'\n$/],
    ['--model', '{"vocabSize": 0}', /^seeupo: invalid --model:\n {2}vocabSize: Too small/],
    ['--normalisation', 'avg', /Allowed choices are sum, mean/],
  ] as const) {
    const r = spawnSync(process.execPath, ['bin/seeupo.js', 'learner', 'serve', flag, value], { encoding: 'utf8' });
    assert.equal(r.status, 2, `${flag}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.ok(!r.stderr.includes('    at '), r.stderr);
  }
});
