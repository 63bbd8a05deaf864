import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runIteration } from '../../../src/algos/iteration.js';
import { resolveAlgorithm } from '../../../src/algos/registry.js';
import { Rng } from '../../../src/core/rng.js';
import type { Trajectory } from '../../../src/core/types.js';
import type { Learner, ScoredSequence } from '../../../src/policy/learner.js';
import { createLocalLearner } from '../../../src/policy/native/select.js';
import { createTinkerLearner, type TinkerLearner, type TinkerLearnerOptions } from '../../../src/policy/remote/tinker-learner.js';
import { startTinkerServer, type TinkerServer, type TinkerServerOptions } from '../../../src/policy/remote/tinker-server.js';
import { LearnerPort } from '../../../src/train/learner-port.js';

export const config = { vocabSize: 11, contextLength: 16, dModel: 8, nLayers: 1, nHeads: 2 };
export const SEED = 7;
export const BASE = 'seeupo-test-tiny';
export const OPTIM = { lr: 0.05 };

/**
 * Everything a test opens (servers, learners, temporary directories) is also registered here, and each test file
 * runs `afterEach(cleanup)`: a test that fails before its own `finally` still closes its servers, so the file ends
 * instead of hanging on an open socket. Closing twice is harmless.
 */
const opened: Array<() => Promise<unknown>> = [];

function track<T>(value: T, close: (v: T) => Promise<unknown>): T {
  opened.push(() => close(value));
  return value;
}

export async function cleanup(): Promise<void> {
  for (const close of opened.splice(0).reverse()) await close().catch(() => {});
}

/** The tiny model at the test seed, on the back end 'auto' picks unless one is named. */
export async function localLearner(backend: 'auto' | 'tfjs' = 'auto'): Promise<Learner> {
  return track(await createLocalLearner({ config, seed: SEED, threads: 1, backend }), (l) => l.dispose());
}

export async function tempDir(): Promise<string> {
  return track(await mkdtemp(join(tmpdir(), 'seeupo-tinker-')), removeDir);
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

export async function serve(checkpointDir: string, over: Partial<TinkerServerOptions> = {}, port = 0): Promise<TinkerServer> {
  const server = await startTinkerServer(
    { createLearner: () => localLearner(), baseModel: BASE, checkpointDir, normalisation: 'sum', longPollMs: 200, sessionTimeoutMs: 0, ...over },
    '127.0.0.1',
    port,
  );
  return track(server, (s) => s.close());
}

export async function client(server: TinkerServer, over: Partial<TinkerLearnerOptions> = {}): Promise<TinkerLearner> {
  const learner = await createTinkerLearner({
    baseUrl: server.url,
    baseModel: BASE,
    loraRank: 4,
    config,
    heartbeatMs: 0,
    retry: { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 20 },
    ...over,
  });
  return track(learner, (l) => l.dispose());
}

/**
 * Fixed two-turn episodes in two groups of three, rewards chosen so no group is uniform; tokens spread over the
 * vocabulary. Behaviour log-probs are made up (-2.4 ≈ log 1/11): the algorithms read them only through ratios.
 */
export function trajectories(): Trajectory[] {
  const out: Trajectory[] = [];
  const rewards = [1, 0, 0.5, 0, 1, 1];
  for (let i = 0; i < 6; i++) {
    let context = [1, 2 + (i % 3)];
    const turns = [];
    for (let k = 0; k < 2; k++) {
      const response = [(3 * i + k + 1) % 11, (5 * i + 2 * k + 3) % 11, ...(i % 2 === 0 ? [(i + k) % 11] : [])];
      turns.push({ index: k, contextTokens: context, responseTokens: response, behaviourLogprobs: response.map(() => -2.4), lossMask: response.map(() => 1) });
      context = [...context, ...response, 4];
    }
    out.push({ id: `t${i}`, taskId: `task${i % 2}`, groupId: `g${i % 2}`, turns, reward: rewards[i]!, status: 'ok' as const });
  }
  return out;
}

/** `iterations` iterations of `algo` on the fixed trajectories, each with its own seeded Rng. */
export async function train(learner: Learner, algo: string, iterations: number, first = 0): Promise<void> {
  for (let it = first; it < first + iterations; it++) {
    await runIteration(resolveAlgorithm(algo), trajectories(), new LearnerPort(learner, OPTIM), { rng: new Rng(100 + it), warn: () => {} });
  }
}

/** Every turn of the fixed trajectories as a scored sequence. */
export function probes(): ScoredSequence[] {
  return trajectories().flatMap((t) =>
    t.turns.map((turn) => ({ tokens: Int32Array.from([...turn.contextTokens, ...turn.responseTokens]), responseStart: turn.contextTokens.length })),
  );
}

/** The model.safetensors bytes a TinkerLearner's save wrote on the server side. */
export async function serverWeights(checkpointDir: string, savedDir: string): Promise<Buffer> {
  const record = JSON.parse(await readFile(join(savedDir, 'tinker-checkpoint.json'), 'utf8')) as { path: string };
  const m = /^tinker:\/\/([^/]+)\/weights\/([^/]+)$/.exec(record.path)!;
  return readFile(join(checkpointDir, m[1]!, 'weights', m[2]!, 'model.safetensors'));
}

export async function localWeights(learner: Learner, dir: string): Promise<Buffer> {
  await learner.save(dir);
  return readFile(join(dir, 'model.safetensors'));
}
