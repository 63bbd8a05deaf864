/** The evaluations of a training run: periodic ones during RL and the final ones after SFT and RL, with transcripts. */
import { join } from 'node:path';
import { percent as pct } from '../core/percent.js';
import { evaluateSplit, type SplitEvaluation } from './evaluate.js';
import type { Split } from './task-source.js';
import { type PhaseContext, seedFor } from './phase-context.js';

export async function periodicEvaluation(ctx: PhaseContext, it: number): Promise<void> {
  const evals: SplitEvaluation[] = [];
  for (const split of ['test', 'heldout'] as const) {
    const t = Date.now();
    const e = await evaluateSplit({ source: ctx.source, split, first: 0, n: ctx.config.eval.tasks, k: ctx.config.eval.k, seed: seedFor(ctx.config.seed, `eval:rl:${it}:${split}`), rollout: ctx.rolloutBase });
    ctx.metric(evalRecord('rl', it, split, e, { wallS: ctx.wall(), cpuS: ctx.cpu(), evalS: (Date.now() - t) / 1000 }));
    evals.push(e);
  }
  writeSamples(ctx, `rl-${it}`, evals);
  ctx.progress.log(`RL iteration ${it}: test ${pct(evals[0]!.greedy)}, held-out ${pct(evals[1]!.greedy)}`);
}

export async function finalEvaluation(ctx: PhaseContext, phase: 'sft' | 'rl', step: number): Promise<[SplitEvaluation, SplitEvaluation]> {
  const out: SplitEvaluation[] = [];
  ctx.progress.log(`evaluating after ${phase.toUpperCase()} on ${ctx.config.eval.finalTasks} test and held-out tasks...`);
  for (const split of ['test', 'heldout'] as const) {
    const t = Date.now();
    const e = await evaluateSplit({ source: ctx.source, split, first: 0, n: ctx.config.eval.finalTasks, k: ctx.config.eval.k, seed: seedFor(ctx.config.seed, `eval:${phase}:final:${split}`), rollout: ctx.rolloutBase });
    ctx.metric(evalRecord(phase, step, split, e, { wallS: ctx.wall(), cpuS: ctx.cpu(), evalS: (Date.now() - t) / 1000 }));
    out.push(e);
  }
  writeSamples(ctx, `${phase}-${step}`, out);
  return [out[0]!, out[1]!];
}

export function evalRecord(phase: 'sft' | 'rl', step: number, split: Split | 'validation', e: SplitEvaluation, time: { wallS: number; cpuS: number; evalS: number }) {
  return { kind: 'eval', phase, step, split, n: e.n, greedy: e.greedy, k: e.k, passAtK: e.passAtK, avgAtK: e.avgAtK, failed: e.failed, ...(e.labels ? { episodeLabels: e.labels } : {}), time };
}

/** A few readable transcripts per evaluation: successes and failures from each split. */
function writeSamples(ctx: PhaseContext, name: string, evals: readonly SplitEvaluation[]): void {
  const samples = evals.flatMap((e) => {
    const pick = [...e.episodes.filter((x) => x.success).slice(0, 2), ...e.episodes.filter((x) => !x.success).slice(0, 2)];
    return pick.map((x) => ({ split: e.split, taskId: x.trajectory.taskId, success: x.success, reward: x.trajectory.reward, status: x.trajectory.status, messages: x.messages }));
  });
  ctx.run.writeJson(join('samples', `${name}.json`), samples);
}
