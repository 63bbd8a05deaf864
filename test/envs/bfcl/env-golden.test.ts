import { test } from 'node:test';
import assert from 'node:assert/strict';
import { API_CLASSES } from '../../../src/envs/bfcl/apis/index.js';
import { literalValue, parsePythonExpression } from '../../../src/envs/bfcl/call-parser.js';
import { BFCL_CATEGORIES, loadEntries } from '../../../src/envs/bfcl/data.js';
import { BfclEnv } from '../../../src/envs/bfcl/env.js';
import { jsonDumps } from '../../../src/envs/bfcl/python/value.js';
import { GOLDEN_MISSING, goldenAvailable, readGoldenLines } from './golden-support.js';

/**
 * Every golden variant played through the Env as a model would: each call turned into a Qwen `<tool_call>` JSON
 * block (positional arguments named by the method's signature), each turn closed by a text answer. The Env's
 * verdict must equal the original checker's. About 40 s of CPU, so it runs with SEEUPO_SLOW=1 only.
 */
const slow = process.env['SEEUPO_SLOW'] === '1';
const signatures = new Map([...API_CLASSES.values()].flatMap((c) => [...c.methods]));

function toolCallBlock(call: string): string {
  const e = parsePythonExpression(call);
  if (e.kind !== 'call' || e.callee.kind !== 'name') throw new Error(`not a plain call: ${call}`);
  const signature = signatures.get(e.callee.name)!;
  const args: Array<[string, string]> = [
    ...e.args.map((a, i): [string, string] => [signature[i]!.name, jsonDumps(literalValue(a)!)]),
    ...e.keywords.map(([k, v]): [string, string] => [k, jsonDumps(literalValue(v)!)]),
  ];
  const json = `{${args.map(([k, v]) => `${JSON.stringify(k)}: ${v}`).join(', ')}}`;
  return `<tool_call>\n{"name": ${JSON.stringify(e.callee.name)}, "arguments": ${json}}\n</tool_call>`;
}

for (const category of BFCL_CATEGORIES) {
  const skip = !slow ? 'set SEEUPO_SLOW=1 to run' : !goldenAvailable() && GOLDEN_MISSING;
  test(`Env episodes of every golden ${category} variant get the original verdict`, { skip }, () => {
    const entries = new Map(loadEntries(category).map((e) => [e.id, e]));
    const failures: string[] = [];
    for (const line of readGoldenLines(`verdicts.${category}.jsonl`)) {
      const v = JSON.parse(line) as { id: string; variant: string; model: string[][][]; valid: boolean; error_type: string | null };
      const env = new BfclEnv({ maxStepsPerTurn: 100 });
      env.reset(entries.get(v.id)!);
      for (const turn of v.model) {
        for (const step of turn) env.step(step.map(toolCallBlock).join('\n'));
        if (env.step('Done.').done) break;
      }
      const r = env.evaluate().verdict;
      if (r.valid !== v.valid || r.errorType !== v.error_type) {
        failures.push(`${v.id} ${v.variant}: Env ${r.valid}/${r.errorType} (turn ${r.turn}), Python ${v.valid}/${v.error_type}`);
      }
    }
    assert.deepEqual(failures.slice(0, 15), []);
  });
}
