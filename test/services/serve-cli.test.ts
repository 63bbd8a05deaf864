import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { trainedCheckpoint } from './fixture.js';

function seeupo(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/seeupo.js', ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('seeupo serve --help names every option', () => {
  const r = seeupo('serve', '--help');
  assert.equal(r.code, 0, r.err);
  for (const option of ['--checkpoint', '--host', '--port', '--backend', '--model-name', '--seed', '--allow-weight-updates']) assert.match(r.out, new RegExp(option));
  assert.match(r.out, /default: "127\.0\.0\.1"/);
});

test('seeupo serve: mistakes are one line and exit 2', () => {
  const cases: Array<[string[], RegExp]> = [
    [['serve', '--checkpoint', '/nonexistent/ckpt'], /^seeupo: \/nonexistent\/ckpt has no renderer\.json: not a checkpoint written by seeupo train\n$/],
    [['serve', '--checkpoint', '.', '--port', 'x'], /^seeupo: --port must be an integer in \[0, 65535\], got 'x'\n$/],
    [['serve', '--checkpoint', '.', '--backend', 'gpu'], /^seeupo: --backend must be auto, native or tfjs, got 'gpu'\n$/],
  ];
  for (const [args, err] of cases) {
    const r = seeupo(...args);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, err);
  }
});

test('seeupo serve starts on loopback, answers /v1/models and stops on SIGTERM', async () => {
  const fixture = await trainedCheckpoint(0);
  try {
    const child = spawn(process.execPath, ['bin/seeupo.js', 'serve', '--checkpoint', fixture.dir, '--port', '0', '--model-name', 'tiny'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const lines = createInterface({ input: child.stderr! });
    const first = await new Promise<string>((resolve) => lines.once('line', resolve));
    const m = /^seeupo serve: model 'tiny' at (http:\/\/127\.0\.0\.1:\d+\/v1)$/.exec(first);
    assert.ok(m, first);
    const models = (await (await fetch(`${m[1]}/models`)).json()) as { data: Array<{ id: string }> };
    assert.deepEqual(
      models.data.map((d) => d.id),
      ['tiny'],
    );
    // Weight updates are off unless asked for.
    const update = await fetch(m[1]!.replace(/\/v1$/, '/update_weights_from_disk'), { method: 'POST', body: JSON.stringify({ model_path: fixture.dir }) });
    assert.equal(update.status, 403);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  } finally {
    await fixture.cleanup();
  }
});

test('seeupo serve --allow-weight-updates says so at start and loads a checkpoint posted to /update_weights_from_disk', async () => {
  const fixture = await trainedCheckpoint(0);
  try {
    const child = spawn(process.execPath, ['bin/seeupo.js', 'serve', '--checkpoint', fixture.dir, '--port', '0', '--allow-weight-updates'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const lines = createInterface({ input: child.stderr! })[Symbol.asyncIterator]();
    await lines.next();
    const second = (await lines.next()).value as string;
    const m = /^seeupo serve: weight updates allowed at (http:\/\/127\.0\.0\.1:\d+\/update_weights_from_disk)$/.exec(second);
    assert.ok(m, second);
    const r = await fetch(m[1]!, { method: 'POST', body: JSON.stringify({ model_path: fixture.dir }) });
    assert.equal(r.status, 200);
    assert.equal(((await r.json()) as { success: boolean }).success, true);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  } finally {
    await fixture.cleanup();
  }
});

test('seeupo env serve: --help, mistakes in one line, and a service that starts on loopback and stops on SIGTERM', async () => {
  const help = seeupo('env', 'serve', '--help');
  assert.equal(help.code, 0, help.err);
  for (const option of ['--env', '--host', '--port', '--max-steps-per-turn']) assert.match(help.out, new RegExp(option));
  const cases: Array<[string[], RegExp]> = [
    [['env', 'serve', '--env', 'appworld'], /^seeupo: --env must be tasks or bfcl, got 'appworld'\n$/],
    [['env', 'serve', '--env', 'tasks', '--max-steps-per-turn', '0'], /^seeupo: --max-steps-per-turn must be an integer >= 1, got '0'\n$/],
  ];
  for (const [args, err] of cases) {
    const r = seeupo(...args);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, err);
  }
  const child = spawn(process.execPath, ['bin/seeupo.js', 'env', 'serve', '--env', 'bfcl', '--port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const first = await new Promise<string>((resolve) => createInterface({ input: child.stderr! }).once('line', resolve));
  const m = /^seeupo env serve: env_type 'bfcl' at (http:\/\/127\.0\.0\.1:\d+)$/.exec(first);
  assert.ok(m, first);
  assert.equal(await (await fetch(`${m[1]}/healthz`)).text(), 'OK');
  const profile = (await (await fetch(`${m[1]}/get_env_profile`, { method: 'POST', body: JSON.stringify({ env_type: 'bfcl', params: { split: 'test', count: 2 } }) })).json()) as { data: string[] };
  assert.deepEqual(profile.data, ['multi_turn_base_100', 'multi_turn_base_101']);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
});
