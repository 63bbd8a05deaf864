import { test } from 'node:test';
import assert from 'node:assert/strict';

test("the README's library example names only what the package root exports", async () => {
  const pkg = await import('../../src/index.js');
  for (const name of ['resolveAlgorithm', 'runIteration', 'Rng', 'LearnerPort', 'createLocalLearner', 'BfclEnv', 'TfjsLearner', 'NativeLearner']) {
    assert.equal(typeof (pkg as Record<string, unknown>)[name], 'function', name);
  }
  assert.equal(typeof pkg.lab.runLab, 'function');
  for (const name of ['train', 'loadTrainConfig', 'generatedTaskSource', 'playEpisodes', 'localRolloutPolicy', 'createOpenAIPolicy', 'HttpEnv', 'evaluateSplit', 'writeRunReport']) {
    assert.equal(typeof (pkg as Record<string, unknown>)[name], 'function', name);
  }
  assert.equal(typeof pkg.render.createRenderer, 'function');
});
