// Runs every compiled test file (dist/test/**/*.test.js) with Node's built-in test runner.
// Extra arguments are passed through, e.g. `npm test -- --test-name-pattern=grae`.
// Set SEEUPO_TEST_FILTER=substring to run only the files whose path contains it.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function collect(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...collect(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const filter = process.env.SEEUPO_TEST_FILTER ?? '';
const files = collect('dist/test').filter((f) => f.includes(filter));
if (files.length === 0) {
  console.error(`no test files found under dist/test${filter ? ` matching '${filter}'` : ''}`);
  process.exit(1);
}
const res = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...process.argv.slice(2), ...files], { stdio: 'inherit' });
process.exit(res.status ?? 1);
