/**
 * BFCL replay speed: every ground-truth call of the four multi-turn categories (4,703 calls over 800 entries,
 * each entry on fresh instances loaded from its initial config), run by the TypeScript port and by the Python
 * original (../shared/bfcl/reference with python3) in the same run. Both sides also hash all their result strings,
 * so the bench shows the two produced the same text. Where python3 or the reference is missing, the baseline is
 * reported as missing.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { GOLDEN_DATE, fixedClock } from '../src/envs/bfcl/apis/contract.js';
import { isLongContextEntry } from '../src/envs/bfcl/checker.js';
import { BFCL_CATEGORIES, loadEntries } from '../src/envs/bfcl/data.js';
import { ApiSession } from '../src/envs/bfcl/executor.js';
import { withRatio, type Bench, type BenchResult } from './types.js';

const REPEATS = 5;
const REFERENCE = join(process.cwd(), '..', 'shared', 'bfcl', 'reference');

/** The Python side: the same replay through execute_multi_turn_func_call, best of REPEATS, plus the hash. */
const PYTHON = `
import hashlib, json, os, sys, time
sys.path.insert(0, sys.argv[1])
from bfcl_eval.eval_checker.multi_turn_eval.multi_turn_utils import execute_multi_turn_func_call
data = os.path.join(sys.argv[1], '..', 'data')
entries = []
for cat in ${JSON.stringify(BFCL_CATEGORIES)}:
    q = [json.loads(l) for l in open(os.path.join(data, 'BFCL_v4_multi_turn_%s.json' % cat))]
    a = {json.loads(l)['id']: json.loads(l)['ground_truth'] for l in open(os.path.join(data, 'possible_answer', 'BFCL_v4_multi_turn_%s.json' % cat))}
    entries += [(e, a[e['id']], cat == 'long_context') for e in q]
best, digest, calls = None, None, 0
for rep in range(${REPEATS}):
    h, n = hashlib.sha256(), 0
    t = time.perf_counter()
    for e, gt, lc in entries:
        for turn in gt:
            res, _ = execute_multi_turn_func_call(turn, e['initial_config'], e['involved_classes'], 'bench%d' % rep, e['id'], long_context=lc, is_evaL_run=True)
            for r in res:
                h.update(r.encode('utf-8')); h.update(b'\\0'); n += 1
    dt = time.perf_counter() - t
    best = dt if best is None else min(best, dt)
    digest, calls = h.hexdigest(), n
print(json.dumps({'seconds': best, 'calls': calls, 'sha256': digest}))
`;

function runTypeScript(): { seconds: number; calls: number; sha256: string } {
  const context = { clock: fixedClock(GOLDEN_DATE) };
  const entries = BFCL_CATEGORIES.flatMap((c) => loadEntries(c));
  let best = Infinity;
  let digest = '';
  let calls = 0;
  for (let rep = 0; rep < REPEATS; rep++) {
    const hash = createHash('sha256');
    let n = 0;
    const start = process.hrtime.bigint();
    for (const entry of entries) {
      const session = new ApiSession({
        involvedClasses: entry.involvedClasses,
        initialConfig: entry.initialConfig,
        longContext: isLongContextEntry(entry.id),
        context,
      });
      for (const turn of entry.groundTruth) {
        for (const r of session.executeAll(turn)) {
          hash.update(r, 'utf8');
          hash.update('\0');
          n++;
        }
      }
    }
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e9);
    digest = hash.digest('hex');
    calls = n;
  }
  return { seconds: best, calls, sha256: digest };
}

function runPython(log: (line: string) => void): { seconds: number; calls: number; sha256: string } | { missing: string } {
  if (!existsSync(join(REFERENCE, 'bfcl_eval'))) return { missing: `no Python reference at ${REFERENCE}` };
  log('bfcl: running the Python original (python3)...');
  const r = spawnSync('python3', ['-c', PYTHON, REFERENCE], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
  if (r.error) return { missing: `python3 could not start: ${r.error.message}` };
  if (r.status !== 0) return { missing: `python3 failed: ${r.stderr.trim().split('\n').pop() ?? ''}` };
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as { seconds: number; calls: number; sha256: string };
}

export const bfclBench: Bench = {
  name: 'bfcl-replay',
  description: 'replay every BFCL v4 multi-turn ground-truth call (4 categories) in TS and in the Python original',
  async run(log): Promise<BenchResult[]> {
    log('bfcl: replaying in TypeScript...');
    const ts = runTypeScript();
    const py = runPython(log);
    const config: Record<string, unknown> = { calls: ts.calls, repeats: REPEATS, measure: 'best of repeats' };
    if ('missing' in py) {
      return [withRatio({ bench: 'bfcl-replay', value: ts.calls / ts.seconds, unit: 'calls/s', baseline: { name: 'python-original', value: null, missing: py.missing }, config })];
    }
    config['identicalResults'] = py.sha256 === ts.sha256 && py.calls === ts.calls;
    config['tsSeconds'] = ts.seconds;
    config['pythonSeconds'] = py.seconds;
    return [
      withRatio({
        bench: 'bfcl-replay',
        value: ts.calls / ts.seconds,
        unit: 'calls/s',
        baseline: { name: 'python-original', value: py.calls / py.seconds },
        config,
      }),
    ];
  },
};
