import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { loadNativeAddon } from '../../src/policy/native/addon.js';

function seeupo(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/seeupo.js', ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const native = loadNativeAddon();

test('seeupo doctor --json reports both back ends, the reason one is unavailable, and what auto picks', () => {
  const r = seeupo('doctor', '--json');
  assert.equal(r.code, 0, r.err);
  const report = JSON.parse(r.out) as { backends: Array<{ backend: string; available: boolean; detail: string }>; auto: string };
  assert.deepEqual(report.backends.map((b) => b.backend), ['native', 'tfjs']);
  const [n, t] = report.backends;
  assert.equal(t!.available, true);
  assert.match(t!.detail, /^TensorFlow\.js \d+\.\d+\.\d+ on WebAssembly$/);
  assert.equal(n!.available, native.available);
  if (native.available) {
    assert.match(n!.detail, /^libtorch \d+\.\d+\.\d+, BLAS /);
    assert.equal(report.auto, 'native');
  } else {
    assert.equal(n!.detail, native.reason);
    assert.equal(report.auto, 'tfjs');
  }
});

test('seeupo doctor prints one line per back end', () => {
  const r = seeupo('doctor');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^ {2}native +(available|unavailable) +\S/m);
  assert.match(r.out, /^ {2}tfjs +available +TensorFlow\.js/m);
  assert.match(r.out, new RegExp(`^auto picks: ${native.available ? 'native' : 'tfjs'}$`, 'm'));
});
