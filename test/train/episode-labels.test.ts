import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/core/config.js';
import type { ChatMessage } from '../../src/core/messages.js';
import { DEFAULT_TASK_KNOBS, TaskKnobsSchema } from '../../src/envs/tasks/index.js';
import type { Episode } from '../../src/rollout/episodes.js';
import { trainConfigSchema } from '../../src/train/config.js';
import { episodeLabelShares } from '../../src/train/episode-labels.js';
import { generatedTaskSource } from '../../src/train/generated-tasks.js';
import { train } from '../../src/train/trainer.js';

const TRAP = TaskKnobsSchema.parse({ family: 'trap' });

const firstTurn = (args: Record<string, unknown> | null): ChatMessage[] => [
  { role: 'user', content: 'list files' },
  { role: 'assistant', content: '', ...(args ? { toolCalls: [{ name: 'ls', arguments: args }] } : {}) },
];
const episode = (messages: ChatMessage[]) => ({ messages }) as unknown as Episode;

test('episodeLabelShares: the share of each early choice for the trap family; null for the default family', () => {
  const episodes = [firstTurn({ a: true }), firstTurn({}), firstTurn({}), firstTurn(null)].map(episode);
  assert.deepEqual(episodeLabelShares(generatedTaskSource(TRAP, 0), episodes), { good: 0.25, trap: 0.5, none: 0.25 });
  assert.equal(episodeLabelShares(generatedTaskSource(TRAP, 0), []), null);
  assert.equal(episodeLabelShares(generatedTaskSource(DEFAULT_TASK_KNOBS, 0), episodes), null);
});

test('a trap-family run records episodeLabels in its RL and evaluation lines', async () => {
  const config = parseConfig(trainConfigSchema, {
    seed: 1,
    tasks: { family: 'trap' },
    model: { dModel: 32, nLayers: 1, nHeads: 2, contextLength: 192 },
    sft: { steps: 4, demonstrations: 8, batchSize: 4, evalEvery: 4, validationTasks: 2 },
    rl: { iterations: 1 },
    rollout: { tasksPerIteration: 2, groupSize: 2, maxTurns: 4, maxResponseTokens: 8 },
    eval: { every: 1, tasks: 2, finalTasks: 2, k: 1 },
  });
  const out = join(mkdtempSync(join(tmpdir(), 'seeupo-trap-train-')), 'run');
  await train({ config, out, source: generatedTaskSource(config.tasks, config.seed) });
  const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const isShares = (x: Record<string, number>) => {
    assert.ok(Object.keys(x).every((k) => ['good', 'trap', 'none'].includes(k)), JSON.stringify(x));
    assert.ok(Math.abs(Object.values(x).reduce((a, b) => a + b, 0) - 1) < 1e-12, JSON.stringify(x));
  };
  const rl = lines.filter((l) => l.kind === 'rl');
  assert.equal(rl.length, 1);
  isShares(rl[0].episodeLabels);
  const evals = lines.filter((l) => l.kind === 'eval');
  assert.ok(evals.length >= 5);
  for (const e of evals) {
    isShares(e.episodeLabels.greedy);
    if (e.split === 'validation') assert.equal(e.episodeLabels.sampled, null);
    else isShares(e.episodeLabels.sampled);
  }
});
