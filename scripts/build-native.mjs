// The package's install script: builds the native libtorch policy addon (native/) with node-gyp where Debian's
// libtorch is installed. Everywhere else, and whenever the build fails, it prints one line saying the portable
// TensorFlow.js back end will be used and exits 0: installing seeupo never fails for lack of libtorch.
// Rebuilds only when native/ changed since the last build. Run it by hand after installing libtorch:
//   node scripts/build-native.mjs
import { existsSync, readdirSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const nativeDir = join(root, 'native');
const addon = join(nativeDir, 'build', 'Release', 'seeupo_native.node');
const INSTALL_HINT = 'apt-get install -y --no-install-recommends libtorch-dev libopenblas0-pthread';
const FALLBACK = 'the portable TensorFlow.js back end will be used';

function say(line) {
  console.log(`seeupo: ${line}`);
}

// The same check as libtorchInstalled() in src/policy/native/addon.ts (this script runs before TypeScript is built).
function libtorchInstalled() {
  const header = '/usr/include/torch/csrc/api/include/torch/torch.h';
  const libDirs = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib', '/usr/local/lib'];
  return existsSync(header) && libDirs.some((dir) => existsSync(join(dir, 'libtorch_cpu.so')));
}

function newestSourceTime() {
  const files = [join(nativeDir, 'binding.gyp'), ...readdirSync(join(nativeDir, 'src')).map((f) => join(nativeDir, 'src', f))];
  return Math.max(...files.map((f) => statSync(f).mtimeMs));
}

// npm runs install scripts with its own node-gyp in npm_config_node_gyp; by hand, use the one bundled with npm.
function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  return candidates.find((p) => p && existsSync(p));
}

// Offline, node-gyp cannot download Node's headers: point it at the installed ones (Debian: /usr/include/node).
function nodeDir() {
  const prefixes = [join(dirname(process.execPath), '..'), '/usr'];
  return prefixes.find((p) => existsSync(join(p, 'include', 'node', 'node_api.h')) && existsSync(join(p, 'include', 'node', 'common.gypi')));
}

function run(gyp, args) {
  const r = spawnSync(process.execPath, [gyp, ...args], { cwd: nativeDir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? r.error.message : ''}` };
}

function main() {
  if (process.platform !== 'linux') return say(`no native back end on ${process.platform} (it needs Linux with libtorch); ${FALLBACK}`);
  if (!libtorchInstalled()) return say(`libtorch not found (${INSTALL_HINT}); ${FALLBACK}`);
  if (existsSync(addon) && statSync(addon).mtimeMs >= newestSourceTime()) return say('native libtorch back end is up to date');
  const gyp = nodeGyp();
  if (!gyp) return say(`node-gyp not found, cannot build the native back end; ${FALLBACK}`);
  const dir = nodeDir();
  const started = Date.now();
  process.stderr.write('seeupo: building the native libtorch back end (1-2 minutes)...\n');
  const configured = existsSync(join(nativeDir, 'build', 'Makefile'));
  const steps = [
    ...(configured ? [] : [['configure', ...(dir ? [`--nodedir=${dir}`] : [])]]),
    ['build', '-j', String(Math.max(1, Math.min(availableParallelism(), 2)))],
  ];
  for (const args of steps) {
    const r = run(gyp, args);
    if (!r.ok) {
      const tail = r.output.trim().split('\n').slice(-15).join('\n');
      process.stderr.write(`${tail}\n`);
      return say(`node-gyp ${args[0]} failed (output above); ${FALLBACK}`);
    }
  }
  say(`built the native libtorch back end in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

main();
