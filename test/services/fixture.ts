import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChatMessage, ToolSpec } from '../../src/core/messages.js';
import type { Learner } from '../../src/policy/learner.js';
import { createLocalLearner } from '../../src/policy/native/select.js';
import { toolCallHead } from '../../src/policy/tokenizer/special-tokens.js';
import { createRenderer, saveRendererSpec, type RendererSpec } from '../../src/render/index.js';

export const WEATHER_TOOL: ToolSpec = {
  type: 'function',
  function: { name: 'get_weather', description: 'Weather now', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
};

/** Two demonstrations the fixture model learns by heart: a tool call, and a plain answer. */
export const DEMOS: Array<{ messages: ChatMessage[]; tools: ToolSpec[] }> = [
  {
    messages: [
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: '', toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] },
    ],
    tools: [WEATHER_TOOL],
  },
  { messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello there!' }], tools: [] },
];

export const RENDERER_SPEC: RendererSpec = { kind: 'chatml', extraSpecialTokens: [toolCallHead('get_weather')] };

export interface Fixture {
  dir: string;
  learner: Learner;
  cleanup(): Promise<void>;
}

/**
 * A tiny checkpoint that has memorised DEMOS (so greedy sampling writes a tool call), saved with its renderer.json.
 * Takes a few seconds: build it once per test file.
 */
export async function trainedCheckpoint(steps = 40): Promise<Fixture> {
  const renderer = createRenderer(RENDERER_SPEC);
  const learner = await createLocalLearner({
    config: { vocabSize: renderer.vocabSize, contextLength: 640, dModel: 32, nLayers: 2, nHeads: 2 },
    seed: 7,
    threads: 1,
  });
  const batch = DEMOS.map((d) => {
    const ex = renderer.supervisedExample(d.messages, d.tools);
    const count = ex.lossMask.reduce((a, b) => a + b, 0);
    return { seq: { tokens: Int32Array.from(ex.tokens), responseStart: 1 }, grad: Float32Array.from(ex.lossMask.slice(1), (m) => -m / count) };
  });
  for (let i = 0; i < steps; i++) {
    await learner.forwardBackward(
      batch.map((b) => b.seq),
      batch.map((b) => b.grad),
    );
    await learner.optimStep({ lr: 1e-2 });
  }
  const dir = mkdtempSync(join(tmpdir(), 'seeupo-serve-'));
  await learner.save(dir);
  saveRendererSpec(dir, RENDERER_SPEC);
  return {
    dir,
    learner,
    async cleanup() {
      await learner.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
