/**
 * Writes the hand-made run directory test/fixtures/run-dir/ that the report's tests read, in the shape `seeupo train`
 * writes (fields the report does not use included): 400 SFT steps with validation every 100 and the best checkpoint
 * (step 300) evaluated on test and held-out, 30 RL iterations with greedy evaluations every 5 and a final one with
 * pass@4 and avg@4, ρ statistics, a warning, samples with solved and failed episodes (one with an invalid tool
 * call). The curves are made up but shaped like a real run, so a screenshot of the report shows what a reader would
 * see. Regenerate with
 *   npm run build && node dist/test/report/make-run-dir.js
 * (the output is committed; the tests do not regenerate it).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../src/core/rng.js';

export const FIXTURE_DIR = 'test/fixtures/run-dir';

const r3 = (x: number) => Math.round(x * 1000) / 1000;

function episodes(solvedFirst: boolean): unknown[] {
  const system = { role: 'system', content: 'You are an agent that uses tools to change a file system. Call tools with the exact arguments; answer when the task is done.\nTools: ls, cd, find, mv, cat, mkdir, touch, grep, wc.' };
  const solved = {
    split: 'test',
    taskId: 'test-00017',
    success: true,
    reward: 1,
    messages: [
      system,
      { role: 'user', content: 'Find the file named budget.xlsx and tell me which directory it is in.' },
      { role: 'assistant', content: '', toolCalls: [{ name: 'find', arguments: { path: '.', name: 'budget.xlsx' } }] },
      { role: 'tool', content: '{"matches": ["./finance/budget.xlsx"]}' },
      { role: 'assistant', content: 'It is in finance.' },
      { role: 'user', content: 'Move it into the archive folder there.' },
      { role: 'assistant', content: '', toolCalls: [{ name: 'cd', arguments: { folder: 'finance' } }, { name: 'mv', arguments: { source: 'budget.xlsx', destination: 'archive' } }] },
      { role: 'tool', content: '{"current_working_directory": "finance"}' },
      { role: 'tool', content: '{"result": "budget.xlsx moved to archive"}' },
      { role: 'assistant', content: 'Done.' },
    ],
  };
  const solvedHeldout = {
    split: 'heldout',
    taskId: 'heldout-00003',
    success: true,
    reward: 1,
    messages: [
      system,
      { role: 'user', content: 'Create a directory called drafts and a file memo.md inside it.' },
      { role: 'assistant', content: '', toolCalls: [{ name: 'mkdir', arguments: { dir_name: 'drafts' } }, { name: 'cd', arguments: { folder: 'drafts' } }, { name: 'touch', arguments: { file_name: 'memo.md' } }] },
      { role: 'tool', content: 'None' },
      { role: 'tool', content: '{"current_working_directory": "drafts"}' },
      { role: 'tool', content: 'None' },
      { role: 'assistant', content: 'Created drafts/memo.md.' },
    ],
  };
  const failed = {
    split: 'test',
    taskId: 'test-00042',
    success: false,
    reward: 0,
    messages: [
      system,
      { role: 'user', content: 'List the files here and move the pdf file you see into reports.' },
      { role: 'assistant', content: '', toolCalls: [{ name: 'ls', arguments: { a: false } }] },
      { role: 'tool', content: '{"current_directory_content": ["notes.txt", "q3.pdf", "reports"]}' },
      { role: 'assistant', content: '', toolCalls: [{ name: 'mv', arguments: { source: 'notes.txt', destination: 'reports' } }] },
      { role: 'tool', content: '{"result": "notes.txt moved to reports"}' },
      { role: 'assistant', content: 'Moved.' },
    ],
  };
  const failedInvalid = {
    split: 'heldout',
    taskId: 'heldout-00011',
    success: false,
    reward: 0,
    messages: [
      system,
      { role: 'user', content: 'How many lines does log.txt have?' },
      { role: 'assistant', content: '', toolCalls: [], invalidToolCalls: [{ index: 0, raw: '{"name": "wc", "arguments": {"file_name": "log.txt", "mode"', error: 'not valid JSON' }] },
      { role: 'tool', content: 'Error during execution: the tool call is not valid JSON' },
      { role: 'assistant', content: 'It has 12 lines.' },
    ],
  };
  return solvedFirst ? [solved, failed, solvedHeldout, failedInvalid] : [failed, solved];
}

export function makeRunDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'samples'), { recursive: true });
  const rng = new Rng(7);
  const lines: unknown[] = [];
  const config = {
    seed: 0,
    algorithm: { name: 'seeupo', overrides: {} },
    model: { layers: 2, dModel: 128, heads: 4 },
    renderer: 'compact',
    tasks: { userTurns: 2, callsPerTurn: [1, 2], distractorTools: 4, resultDependentShare: 0.5 },
    sft: { steps: 400, demonstrations: 200, batch: 16, lr: 0.006, evalEvery: 100 },
    rl: { iterations: 30, tasksPerIteration: 32, groupSize: 8, lr: 0.0003, evalEvery: 5 },
    eval: { n: 500, k: 4, temperature: 1 },
  };
  let wall = 0;
  // As the trainer writes them: greedy-only evaluations along the way (k = 0, null rates), then a final evaluation
  // of each phase with k samples per task; SFT's final one is of its best checkpoint, written after later steps.
  const evalAt = (phase: 'sft' | 'rl', step: number, level: number, splits: readonly string[], n: number, k: number) => {
    for (const split of splits) {
      const greedy = r3(Math.min(1, level - (split === 'heldout' ? 0.04 : 0) + 0.02 * rng.normal()));
      const evalS = (n / 100) * (1 + k) * (0.8 + 0.2 * rng.next());
      wall += evalS;
      const sampled = k > 0 ? { passAtK: r3(Math.min(1, greedy + 0.2)), avgAtK: r3(greedy - 0.05) } : { passAtK: null, avgAtK: null };
      lines.push({ kind: 'eval', phase, step, split, n, greedy, k, ...sampled, failed: 0, time: { wallS: r3(wall), evalS: r3(evalS) } });
    }
  };
  const sftLevel = (step: number) => (0.57 * (1 - Math.exp(-step / 120))) / (1 - Math.exp(-300 / 120)) - (step > 300 ? 0.03 : 0);
  for (let step = 25; step <= 400; step += 25) {
    wall += 25 * 0.15;
    lines.push({ kind: 'sft', step, examples: step * 16, loss: r3(0.4 + 2.1 * Math.exp(-step / 80) + 0.03 * rng.normal()), tokens: 25 * 16 * 80, skipped: 0, time: { wallS: r3(wall), stepS: 0.15 } });
    if (step % 100 === 0) evalAt('sft', step, sftLevel(step), ['validation'], 100, 0);
  }
  evalAt('sft', 300, sftLevel(300), ['test', 'heldout'], 500, 4);
  for (let it = 1; it <= 30; it++) {
    const success = r3(0.55 + 0.15 * (it / 30) + 0.04 * rng.normal());
    const r4 = (x: number) => Math.round(x * 10000) / 10000;
    const rolloutS = 6 + rng.next();
    const updateS = 3 + 0.5 * rng.next();
    wall += rolloutS + updateS + 0.2;
    const excluded = it === 12 ? 2 : 0;
    lines.push({
      kind: 'rl',
      iteration: it,
      episodes: 256,
      excluded,
      failures: excluded > 0 ? ['environment timed out after 5000 ms', 'environment timed out after 5000 ms'] : [],
      reward: r3(success + 0.12 * (1 - success)), // partial credit for the turns right in failed episodes
      success,
      truncated: rng.int(4),
      turns: 2,
      tokens: { context: 256 * 90 + rng.int(400), response: 256 * 22 + rng.int(200), sampled: 256 * 22 },
      steps: 2,
      skippedSteps: 0,
      loss: r3(0.01 * rng.normal()),
      kl: r4(0.002 + 0.001 * rng.next() + 0.00005 * it),
      clipFraction: r3(0.05 + 0.02 * rng.next()),
      ratio: { mean: r3(1 + 0.01 * rng.normal()), min: r3(0.75 + 0.05 * rng.next()), max: r3(1.25 + 0.1 * rng.next()) },
      rho: { mean: r3(1 + 0.01 * rng.normal()), min: r3(0.85 + 0.03 * rng.next()), max: r3(1.1 + 0.05 * rng.next()) },
      entropy: r3(0.35 - 0.005 * it + 0.01 * rng.normal()),
      gradNorm: r3(0.8 + 0.2 * rng.next()),
      time: { wallS: r3(wall), rolloutS: r3(rolloutS), updateS: r3(updateS) },
    });
    if (excluded > 0) lines.push({ kind: 'warning', iteration: it, message: '2 episodes excluded: environment timed out after 5000 ms', time: { wallS: r3(wall) } });
    if (it % 5 === 0 && it < 30) evalAt('rl', it, 0.57 + 0.13 * (it / 30), ['test', 'heldout'], 100, 0);
  }
  evalAt('rl', 30, 0.7, ['test', 'heldout'], 500, 4);
  wall += 3;
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
  writeFileSync(join(dir, 'metrics.jsonl'), lines.map((l) => JSON.stringify(l) + '\n').join(''));
  writeFileSync(join(dir, 'samples', 'sft-300.json'), JSON.stringify(episodes(false), null, 1) + '\n');
  writeFileSync(join(dir, 'samples', 'rl-25.json'), JSON.stringify(episodes(false), null, 1) + '\n');
  writeFileSync(join(dir, 'samples', 'rl-30.json'), JSON.stringify(episodes(true), null, 1) + '\n');
  const last = (phase: string, split: string) => (lines.filter((l) => (l as { kind: string }).kind === 'eval' && (l as { phase: string }).phase === phase && (l as { split: string }).split === split).at(-1) as { greedy: number }).greedy;
  writeFileSync(
    join(dir, 'summary.json'),
    JSON.stringify({ seed: 0, algorithm: 'seeupo', sft: { test: last('sft', 'test'), heldout: last('sft', 'heldout') }, rl: { test: last('rl', 'test'), heldout: last('rl', 'heldout') }, wallS: r3(wall), finalCheckpoint: 'checkpoints/final' }, null, 2) + '\n',
  );
}

if (import.meta.url === `file://${process.argv[1]}`) makeRunDir(FIXTURE_DIR);
