import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BfclEnv } from '../../../src/envs/bfcl/env.js';
import { CompactRenderer } from '../../../src/render/compact.js';
import { compactVocabulary } from '../../../src/train/vocabulary.js';
import { DEFAULT_TASK_KNOBS, TASK_API_CLASSES, TASK_WORDS, TaskKnobsSchema, demonstration, taskAt } from '../../../src/envs/tasks/index.js';

// The contract with the compact renderer (issue 9 §3): the generator's names are single word tokens. Under a
// vocabulary built from TASK_WORDS, what the user says and what the model writes needs no byte token but the
// separators "." and "/" (a path's "./" start); only tool results, which hold the API's own text, spell bytes.
test('compact rendering: user text and demonstrated calls are word tokens, bytes only for the separators " ", "." and "/"', async () => {
  const renderer = new CompactRenderer(compactVocabulary(TASK_API_CLASSES, TASK_WORDS));
  const separators = new Set([' ', '.', '/'].map((c) => c.charCodeAt(0)));
  const knobSets = [DEFAULT_TASK_KNOBS, TaskKnobsSchema.parse({ userTurns: 3, actionsPerTurn: 2, distractorClasses: 2 })];
  let longest = 0;
  for (const knobs of knobSets) {
    for (const split of ['train', 'heldout'] as const) {
      for (let i = 0; i < 40; i++) {
        const task = taskAt(split, i, knobs, 6);
        const env = new BfclEnv({ systemPrompt: null, toolsInSystemPrompt: false });
        const messages = await demonstration(task, env);
        for (const m of messages) {
          const ids = m.role === 'user' ? renderer.tokenizer.encode(m.content) : m.role === 'assistant' ? renderer.encodeResponse(m) : [];
          const bytes = ids.filter((id) => id < 256 && !separators.has(id));
          assert.deepEqual(bytes, [], `${task.id} ${m.role}: ${m.role === 'assistant' ? JSON.stringify(m.toolCalls) : m.content}`);
        }
        if (knobs === DEFAULT_TASK_KNOBS) longest = Math.max(longest, renderer.supervisedExample(messages, env.tools()).tokens.length);
      }
    }
  }
  // Default episodes fit the default 256-token context with room to spare (2,000 train tasks: mean 106, max 218).
  assert.ok(longest <= 256, `longest default episode: ${longest} tokens`);
});
