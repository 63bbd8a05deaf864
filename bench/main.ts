import { benches } from './registry.js';
import type { BenchResult } from './types.js';

// Usage: npm run bench [-- NAME ...] [-- --json]
const args = process.argv.slice(2);
const json = args.includes('--json');
const names = args.filter((a) => !a.startsWith('--'));
const unknown = names.filter((n) => !benches.some((b) => b.name === n));
if (unknown.length > 0) {
  console.error(`unknown bench ${unknown.join(', ')}; available: ${benches.map((b) => b.name).join(', ') || '(none)'}`);
  process.exit(2);
}
const selected = names.length > 0 ? benches.filter((b) => names.includes(b.name)) : benches;
const log = (line: string) => process.stderr.write(`${line}\n`);
const rows: BenchResult[] = [];
for (const b of selected) {
  log(`# ${b.name}: ${b.description}`);
  for (const r of await b.run(log)) {
    rows.push(r);
    if (json) process.stdout.write(`${JSON.stringify(r)}\n`);
  }
}
if (!json) {
  const fmt = (v: number | null) => (v === null ? '-' : v >= 100 ? v.toFixed(0) : v.toPrecision(3));
  console.log(['bench', 'value', 'unit', 'baseline', 'baseline value', 'ratio'].join('\t'));
  for (const r of rows) {
    const base = r.baseline ? r.baseline.name : '-';
    const bv = r.baseline ? (r.baseline.value === null ? `missing (${'missing' in r.baseline ? r.baseline.missing : ''})` : fmt(r.baseline.value)) : '-';
    console.log([r.bench, fmt(r.value), r.unit, base, bv, r.ratio === null ? '-' : `${r.ratio.toFixed(2)}x`].join('\t'));
  }
}
