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
  for (const option of ['--checkpoint', '--host', '--port', '--backend', '--model-name', '--seed']) assert.match(r.out, new RegExp(option));
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
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  } finally {
    await fixture.cleanup();
  }
});
