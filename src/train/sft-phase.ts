/** The trainer's SFT phase: demonstrations, cross-entropy steps, validation and the best checkpoint. */
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { percent as pct } from '../core/percent.js';
import { Rng } from '../core/rng.js';
import { entryFunctionDocs, openAiTool } from '../envs/bfcl/tools.js';
import type { SupervisedExample } from '../render/index.js';
import { readDemonstrations } from './demonstrations-file.js';
import { evaluateSplit } from './evaluate.js';
import { sftStep } from './sft.js';
import type { TrainTask } from './task-source.js';
import { type PhaseContext, type TrainerState, seedFor, VALIDATION_OFFSET } from './phase-context.js';
import { loadWeightsOnly } from './model-setup.js';
import { finalEvaluation, evalRecord } from './run-evaluations.js';

function toolsOf(task: TrainTask) {
  return entryFunctionDocs(task.entry.involvedClasses).map(openAiTool);
}

async function demonstrations(ctx: PhaseContext): Promise<SupervisedExample[]> {
  const file = ctx.config.sft.demonstrationsFile;
  if (file !== null) {
    const tools = entryFunctionDocs(ctx.source.classes).map(openAiTool);
    return readDemonstrations(file).map((messages) => ctx.renderer.supervisedExample(messages, tools));
  }
  const out: SupervisedExample[] = [];
  for (let i = 0; i < ctx.config.sft.demonstrations; i++) {
    const task = ctx.source.task('train', i);
    const env = ctx.rolloutBase.makeEnv();
    out.push(ctx.renderer.supervisedExample(await ctx.source.demonstration(task, env), toolsOf(task)));
    await env.close();
  }
  return out;
}

/** The demonstrations that fit the model's context; the others are left out with a warning, never cut in silence. */
function fitting(ctx: PhaseContext, examples: SupervisedExample[], firstStart: boolean): SupervisedExample[] {
  const limit = ctx.config.model.contextLength;
  const kept = examples.filter((e) => e.tokens.length <= limit);
  if (kept.length === 0) throw new UserError(`every demonstration is longer than the model's context (${limit} tokens): raise model.contextLength`);
  // Said once, when SFT starts: a resumed run has the line already.
  if (kept.length < examples.length && firstStart) {
    const message = `${examples.length - kept.length} of ${examples.length} demonstrations are longer than the context (${limit} tokens) and are left out`;
    ctx.progress.log(`warning: ${message}`);
    ctx.metric({ kind: 'warning', message, time: { wallS: ctx.wall() } });
  }
  return kept;
}

/** SFT with validation every `evalEvery` steps; returns true when interrupted. Ends in phase 'rl'. */
export async function runSft(ctx: PhaseContext, state: TrainerState): Promise<boolean> {
  const { config, learner, progress } = ctx;
  const sft = config.sft;
  const examples = fitting(ctx, await demonstrations(ctx), state.sftStep === 0);
  const block = logBlock(sft.evalEvery);
  const optim = { lr: sft.lr, beta1: config.optimizer.beta1, beta2: config.optimizer.beta2, weightDecay: config.optimizer.weightDecay, maxGradNorm: config.optimizer.maxGradNorm };
  let acc = { loss: 0, tokens: 0, steps: 0, skipped: 0, t: Date.now() };
  progress.start('sft', sft.steps, state.sftStep);
  const outOfTime = () => sft.maxSeconds !== null && ctx.wall() >= sft.maxSeconds;
  while (state.sftStep < sft.steps && state.evalsWithoutImprovement < sft.patience && !outOfTime()) {
    const step = ++state.sftStep;
    const pick = new Rng(config.seed).fork(`sft:${step}`);
    const batch = sampleWithoutReplacement(examples.length, Math.min(sft.batchSize, examples.length), pick).map((i) => examples[i]!);
    const r = await sftStep(learner, batch, optim);
    if (r.skipped || !Number.isFinite(r.loss)) {
      acc.skipped++;
      progress.log(`warning: SFT step ${step}: non-finite loss or gradient; update skipped, weights unchanged`);
    } else acc.loss += r.loss;
    acc.tokens += r.tokens;
    acc.steps++;
    if (step % block === 0) {
      const stepS = (Date.now() - acc.t) / 1000 / acc.steps;
      ctx.metric({ kind: 'sft', step, examples: step * sft.batchSize, loss: acc.loss / Math.max(1, acc.steps - acc.skipped), tokens: acc.tokens, skipped: acc.skipped, time: { wallS: ctx.wall(), cpuS: ctx.cpu(), stepS } });
      progress.update(step, { loss: (acc.loss / Math.max(1, acc.steps - acc.skipped)).toFixed(3) });
      acc = { loss: 0, tokens: 0, steps: 0, skipped: 0, t: Date.now() };
    }
    if (step % sft.evalEvery === 0 || step === sft.steps || outOfTime()) {
      const t = Date.now();
      const v = await evaluateSplit({ source: ctx.source, split: 'test', first: VALIDATION_OFFSET, n: sft.validationTasks, k: 0, seed: seedFor(config.seed, `validate:${step}`), rollout: { ...ctx.rolloutBase } });
      ctx.metric(evalRecord('sft', step, 'validation', v, { wallS: ctx.wall(), cpuS: ctx.cpu(), evalS: (Date.now() - t) / 1000 }));
      if (v.greedy > state.bestValidation) {
        state.bestValidation = v.greedy;
        state.bestStep = step;
        state.evalsWithoutImprovement = 0;
        await ctx.saveModel('sft-best');
      } else state.evalsWithoutImprovement++;
      progress.log(`SFT step ${step}: validation success ${pct(v.greedy)} (best ${pct(state.bestValidation)} at step ${state.bestStep})`);
      await ctx.checkpoint();
      if (ctx.shouldStop()) return true;
    }
  }
  if (state.bestStep > 0) await loadWeightsOnly(learner, join(ctx.run.checkpoints, 'sft-best'), join(ctx.run.checkpoints, 'rl-start'));
  const [test, heldout] = await finalEvaluation(ctx, 'sft', state.bestStep);
  state.sftResult = { test: test.greedy, heldout: heldout.greedy };
  progress.log(`after SFT (best step ${state.bestStep}): test ${pct(test.greedy)}, held-out ${pct(heldout.greedy)}`);
  state.phase = 'rl';
  await ctx.checkpoint();
  return ctx.shouldStop();
}

/** SFT metrics lines come in blocks that divide the validation interval, so a resumed run's lines align. */
function logBlock(evalEvery: number): number {
  for (let b = Math.min(25, evalEvery); b > 1; b--) if (evalEvery % b === 0) return b;
  return 1;
}

function sampleWithoutReplacement(n: number, k: number, rng: Rng): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(n - i);
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  return idx.slice(0, k);
}
