import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../src/core/errors.js';
import { loadNativeAddon } from '../../src/policy/native/addon.js';
import { NativeLearner } from '../../src/policy/native/native-learner.js';
import { chooseLocalBackend, createLocalLearner } from '../../src/policy/native/select.js';
import { TfjsLearner } from '../../src/policy/tfjs/learner.js';

const config = { vocabSize: 11, contextLength: 8, dModel: 8, nLayers: 1, nHeads: 2 };
const native = loadNativeAddon();

test('auto picks the native back end exactly where its addon loads; tfjs is always there', async () => {
  assert.equal(chooseLocalBackend('auto'), native.available ? 'native' : 'tfjs');
  assert.equal(chooseLocalBackend('tfjs'), 'tfjs');
  const auto = await createLocalLearner({ config, seed: 1, threads: 1 });
  assert.ok(native.available ? auto instanceof NativeLearner : auto instanceof TfjsLearner);
  await auto.dispose();
  const portable = await createLocalLearner({ config, seed: 1, threads: 1, backend: 'tfjs' });
  assert.ok(portable instanceof TfjsLearner);
  await portable.dispose();
});

test('asking for the native back end where it is unavailable is a UserError with the reason', { skip: native.available ? 'the native addon is available here' : false }, async () => {
  assert.throws(() => chooseLocalBackend('native'), (e: Error) => e instanceof UserError && e.message.includes(native.available ? '' : native.reason));
  await assert.rejects(createLocalLearner({ config, seed: 1, backend: 'native' }), UserError);
});

test('without a built addon the reason says what to install or build', async () => {
  // The compiled loader alone, four folders below a root that has no native/build.
  const root = await mkdtemp(join(tmpdir(), 'seeupo-noaddon-'));
  try {
    const dir = join(root, 'dist', 'src', 'policy', 'native');
    await mkdir(dir, { recursive: true });
    await writeFile(join(root, 'package.json'), '{"type":"module"}\n');
    await copyFile('dist/src/policy/native/addon.js', join(dir, 'addon.js'));
    const script = `import('${join(dir, 'addon.js')}').then((m) => console.log(JSON.stringify([m.loadNativeAddon(), m.libtorchInstalled()])))`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const [status, libtorch] = JSON.parse(r.stdout) as [{ available: boolean; reason: string }, boolean];
    assert.equal(status.available, false);
    if (libtorch) assert.match(status.reason, /^libtorch is installed but the addon is not built \(.*seeupo_native\.node is missing\): run node scripts\/build-native\.mjs$/);
    else assert.match(status.reason, /libtorch is not installed \(apt-get install -y --no-install-recommends libtorch-dev libopenblas0-pthread, then node scripts\/build-native\.mjs\)|needs Linux/);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
