import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

function seeupo(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/seeupo.js', ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('seeupo algorithms lists every named algorithm', () => {
  const r = seeupo('algorithms');
  assert.equal(r.code, 0);
  for (const name of ['seeupo', 'reinforce', 'grpo', 'gspo', 'rloo', 'reinforce++', 'ppo']) assert.match(r.out, new RegExp(`^${name.replace('+', '\\+')}\\s`, 'm'));
  assert.match(r.out, /seeupo\s+advantage=grae\s+loss=seq-clip.*schedule=sequential\/reverse\+ratio\(δ=0\.2\)/);
  // The named variants too, as the configuration they run (seeupo-no-ratio: no ratio correction).
  assert.match(r.out, /^seeupo-no-ratio\s+advantage=grae\s+loss=seq-clip.*schedule=sequential\/reverse$/m);
  assert.match(r.out, /^seeupo-joint\s+.*schedule=joint$/m);
});

test('seeupo algorithms show applies and validates overrides; mistakes are one-line errors, exit 2', () => {
  const ok = seeupo('algorithms', 'show', 'seeupo', '--set', '{"schedule":{"order":"forward"}}');
  assert.equal(ok.code, 0);
  assert.equal(JSON.parse(ok.out).schedule.order, 'forward');
  const bad = seeupo('algorithms', 'show', 'gspo', '--set', '{"loss":{"loss_mode":"seq"}}');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /unknown key 'loss\.loss_mode'/);
  assert.doesNotMatch(bad.err, /at .*\.js/); // no stack trace
  const json = seeupo('algorithms', 'show', 'gspo', '--set', '{oops');
  assert.equal(json.code, 2);
  assert.match(json.err, /--set is not valid JSON/);
  const unknown = seeupo('algorithms', 'show', 'dpo');
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /unknown algorithm 'dpo'/);
});

test('a reader that closes early (| head) ends any command quietly, exit 0', () => {
  for (const args of [['lab', 'suite', '--help'], ['algorithms']]) {
    const r = spawnSync('bash', ['-c', `node bin/seeupo.js ${args.join(' ')} | head -c 10 >/dev/null; exit \${PIPESTATUS[0]}`], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /EPIPE|Unhandled/);
  }
});
