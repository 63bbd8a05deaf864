/**
 * RL rollouts sampled by an OpenAI-compatible server (`rollout.policy.kind: openai`), kept on-policy: before every
 * iteration's rollouts the learner's weights are saved to a directory and the server loads them (weight-sync.ts),
 * then one sampled response is scored by the learner to check that both hold the same model (agreement.ts).
 * With `weightSync: none-off-policy` nothing is synced and the same check measures how far the server has drifted.
 */
import { rmSync } from 'node:fs';
import { UserError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import type { Learner } from '../policy/learner.js';
import { saveRendererSpec, type Renderer, type RendererSpec } from '../render/index.js';
import { measureAgreement, ProbeFailedError, type Agreement } from '../rollout/agreement.js';
import { createOpenAIPolicy } from '../rollout/openai-policy.js';
import type { RolloutPolicy } from '../rollout/policy.js';
import { updateWeightsFromDisk, WeightSyncError } from '../rollout/weight-sync.js';
import type { TrainConfig } from './config.js';

type OpenAIRollout = Extract<TrainConfig['rollout']['policy'], { kind: 'openai' }>;

/** Where RL rollouts come from, and what must happen before each iteration's. */
export interface RlRollouts {
  readonly policy: RolloutPolicy;
  /**
   * Once, before training: the server answers, loads weights, and holds the learner's model (a UserError otherwise).
   * Returns the metrics record of the check, if there was one.
   */
  start(): Promise<Record<string, unknown> | null>;
  /**
   * Before an iteration's rollouts. `failure`: the server could not be reached (after its retries), and the
   * iteration's episodes fail with this error instead of sampling stale weights. `record`: what the metrics carry.
   */
  beforeIteration(iteration: number): Promise<{ failure: string | null; record: Record<string, unknown> | null; syncS: number | null }>;
}

export function localRlRollouts(policy: RolloutPolicy): RlRollouts {
  return { policy, start: async () => null, beforeIteration: async () => ({ failure: null, record: null, syncS: null }) };
}

/** A config mistake about the rollout policy, found before the run starts. */
export function checkRolloutPolicyConfig(config: TrainConfig): void {
  if (config.rollout.policy.kind === 'openai' && config.learner.kind !== 'local') {
    throw new UserError(
      'rollout.policy.kind openai needs learner.kind local: the trainer syncs weights by saving them where the server reads them, and a Tinker-protocol learner samples its own rollouts',
    );
  }
}

export interface ServerRolloutsOptions {
  config: TrainConfig;
  server: OpenAIRollout;
  learner: Learner;
  renderer: Renderer;
  rendererSpec: RendererSpec;
  /** The directory the weights are saved to for the server to load (the server must be able to read it). */
  syncDir: string;
  /** One rendered prompt of the training distribution, for the agreement check. */
  probePrompt: () => Promise<Int32Array>;
  log: (line: string) => void;
}

export function serverRlRollouts(o: ServerRolloutsOptions): RlRollouts {
  const { server, learner } = o;
  const sync = server.weightSync === 'update-weights-from-disk';
  const post = { headers: { 'content-type': 'application/json' }, timeoutMs: server.timeoutMs, maxRetries: server.retries, retryBaseMs: server.retryBaseMs };
  const policy = createOpenAIPolicy({
    baseUrl: server.baseUrl,
    model: server.model,
    timeoutMs: server.timeoutMs,
    maxRetries: server.retries,
    retryBaseMs: server.retryBaseMs,
    maxConcurrency: server.maxConcurrency,
  });
  let prompt: Int32Array | null = null;

  async function pushWeights(): Promise<void> {
    rmSync(o.syncDir, { recursive: true, force: true });
    await learner.save(o.syncDir);
    saveRendererSpec(o.syncDir, o.rendererSpec);
    await updateWeightsFromDisk(server.baseUrl, o.syncDir, post);
  }

  async function agreement(label: string): Promise<Agreement> {
    prompt ??= await o.probePrompt();
    const room = o.config.model.contextLength - prompt.length - o.renderer.maxClosingTokens;
    const seed = new Rng(o.config.seed).fork(`agreement:${label}`).int(0x7fffffff);
    return measureAgreement(policy, learner, prompt, { maxTokens: Math.max(1, Math.min(o.config.rollout.maxResponseTokens, room)), stopTokens: o.renderer.stopTokens, seed });
  }

  function disagreement(a: Agreement): string {
    return (
      `the rollout server and the learner disagree: max |log-prob difference| ${a.maxAbsDiff.toPrecision(3)} over ${a.tokens} sampled tokens ` +
      `(tolerance ${server.agreementTolerance}) after loading the learner's weights: '${server.model}' at ${server.baseUrl} is another model, ` +
      'or reads tokens with another vocabulary or template'
    );
  }

  return {
    policy,
    async start() {
      const t = Date.now();
      let a: Agreement;
      try {
        if (sync) await pushWeights();
        a = await agreement('start');
      } catch (e) {
        // Up front, any failure stops the run: a server that is down or cannot sync now would fail every iteration.
        throw new UserError(`rollout server ${server.baseUrl}: ${(e as Error).message}`);
      }
      if (sync && a.maxAbsDiff > server.agreementTolerance) throw new UserError(disagreement(a));
      o.log(
        sync
          ? `rollout server ${server.baseUrl} ('${server.model}') loads the learner's weights: max |log-prob difference| ${a.maxAbsDiff.toPrecision(3)} over ${a.tokens} tokens`
          : `warning: rollout server ${server.baseUrl} ('${server.model}') keeps its own weights (weightSync: none-off-policy): ` +
              `max |log-prob difference| to the learner ${a.maxAbsDiff.toPrecision(3)} now, growing as training goes`,
      );
      return { kind: 'rollout-check', weightSync: server.weightSync, maxLogprobDiff: a.maxAbsDiff, tokens: a.tokens, checkS: (Date.now() - t) / 1000 };
    },
    async beforeIteration(iteration) {
      const t = Date.now();
      let a: Agreement;
      try {
        if (sync) await pushWeights();
        a = await agreement(`iteration:${iteration}`);
      } catch (e) {
        // A server that stopped answering fails this iteration's episodes (excluded, counted); the next one retries.
        const unreachable = (e instanceof WeightSyncError && e.unreachable) || e instanceof ProbeFailedError;
        if (!unreachable) throw e instanceof WeightSyncError ? new UserError(`rollout server ${server.baseUrl}: ${e.message}`) : e;
        return { failure: `rollout server: ${(e as Error).message}`, record: { maxLogprobDiff: null }, syncS: (Date.now() - t) / 1000 };
      }
      if (sync && a.maxAbsDiff > server.agreementTolerance) throw new UserError(disagreement(a));
      return { failure: null, record: { maxLogprobDiff: a.maxAbsDiff }, syncS: (Date.now() - t) / 1000 };
    },
  };
}
