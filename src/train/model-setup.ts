/** The models a run trains and samples from, and what it derives from its config to build them. */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { BfclEnv } from '../envs/bfcl/env.js';
import type { BfclEntry } from '../envs/bfcl/data.js';
import { entryFunctionDocs } from '../envs/bfcl/tools.js';
import type { Env } from '../envs/env.js';
import { emptyOptimizerState, readCheckpoint, writeCheckpoint } from '../policy/checkpoint.js';
import type { Learner, ModelConfig } from '../policy/learner.js';
import { createLocalLearner } from '../policy/native/select.js';
import { createTinkerLearner, TinkerLearner } from '../policy/remote/tinker-learner.js';
import { toolCallHeadTokens } from '../policy/tokenizer/special-tokens.js';
import { loadRendererSpec, type Renderer, type RendererSpec } from '../render/index.js';
import type { RolloutOptions } from '../rollout/episodes.js';
import { localRolloutPolicy } from '../rollout/local-policy.js';
import type { RolloutPolicy } from '../rollout/policy.js';
import type { TrainConfig } from './config.js';
import type { TaskSource } from './task-source.js';
import { compactVocabulary } from './vocabulary.js';

export function rendererSpecFor(config: TrainConfig, source: TaskSource): RendererSpec {
  if (typeof config.renderer === 'object') return { ...config.renderer };
  if (config.renderer === 'compact') return { kind: 'compact', ...structuredClone(compactVocabulary(source.classes, source.words)) } as RendererSpec;
  const tools = entryFunctionDocs(source.classes).map((d) => d.name);
  return { kind: 'chatml', extraSpecialTokens: toolCallHeadTokens(tools) };
}

/** The model shape of a config: the vocabulary is the renderer's. */
export function modelConfigFor(config: TrainConfig, renderer: Renderer): ModelConfig {
  return { vocabSize: renderer.vocabSize, ...config.model };
}

/** Rollout settings of a config (everything but the temperature and the seed of a particular rollout). */
export function rolloutOptionsFor(
  config: TrainConfig,
  renderer: Renderer,
  policy: RolloutPolicy,
  wrapEnv?: (env: Env<BfclEntry>) => Env<BfclEntry>,
): Omit<RolloutOptions<BfclEntry>, 'temperature' | 'seed'> {
  const makeEnv = (): Env<BfclEntry> => {
    const env = new BfclEnv({ maxStepsPerTurn: config.env.maxStepsPerTurn, systemPrompt: null, toolsInSystemPrompt: false });
    return wrapEnv ? wrapEnv(env) : env;
  };
  return {
    renderer,
    policy,
    makeEnv,
    topP: config.rollout.topP,
    budgets: { maxTurns: config.rollout.maxTurns, maxResponseTokens: config.rollout.maxResponseTokens, contextLength: config.model.contextLength },
    envTimeoutMs: config.env.timeoutMs,
    maxConcurrentEpisodes: config.rollout.maxBatch,
  };
}

/** The learner and the policy rollouts sample from: a local back end, or a Tinker-protocol service (both roles). */
export async function createModel(config: TrainConfig, renderer: Renderer): Promise<{ learner: Learner; policy: RolloutPolicy }> {
  const learner = await createLearner(config, renderer);
  return { learner, policy: learner instanceof TinkerLearner ? learner : localRolloutPolicy(learner) };
}

/** A model of the config's shape where the config says models live (the policy's, or the critic's beside it). */
export async function createLearner(config: TrainConfig, renderer: Renderer): Promise<Learner> {
  const model = modelConfigFor(config, renderer);
  if (config.learner.kind === 'tinker') {
    const { kind: _kind, ...remote } = config.learner;
    return createTinkerLearner({ ...remote, config: model });
  }
  return createLocalLearner({ config: model, seed: config.seed, threads: config.threads, backend: config.backend });
}

/**
 * Starts from a saved model, which must read tokens the way this run's renderer writes them. Returns the SHA-256
 * of its weights file (null when there is none here): what `seeupo compare` checks to show that every algorithm started from the same weights.
 */
export async function initFrom(dir: string, learner: Learner, spec: RendererSpec): Promise<string | null> {
  if (!existsSync(dir)) throw new UserError(`init: ${dir} does not exist`);
  if (JSON.stringify(loadRendererSpec(dir)) !== JSON.stringify(spec)) {
    throw new UserError(`init: ${dir} was trained with another renderer or vocabulary than this config gives`);
  }
  // A model saved by a remote learner may keep its weights on the server: no local file to hash.
  const file = join(dir, 'model.safetensors');
  const sha256 = existsSync(file) ? createHash('sha256').update(readFileSync(file)).digest('hex') : null;
  await loadWeightsOnly(learner, dir, mkdtempSync(join(tmpdir(), 'seeupo-init-')));
  return sha256;
}

/**
 * Loads a saved model's weights with a fresh optimizer (zero moments, step 0). RL starts so: AdamW's second moments
 * from the end of SFT are those of tiny gradients, and RL's first steps divided by them were measured to move the
 * policy so far that success fell from 34% to 21% in three iterations.
 */
export async function loadWeightsOnly(learner: Learner, dir: string, scratch: string): Promise<void> {
  // A remote learner keeps weights on its server; it loads them with a fresh optimizer itself.
  if (learner instanceof TinkerLearner) {
    rmSync(scratch, { recursive: true, force: true });
    return learner.loadWeights(dir);
  }
  const ckpt = await readCheckpoint(dir);
  await writeCheckpoint(scratch, { ...ckpt, optimizer: emptyOptimizerState(ckpt.config) });
  await learner.load(scratch);
  rmSync(scratch, { recursive: true, force: true });
}
