// Where PPO's critic starts (docs/training.md, "PPO's critic"): p(end-of-message | context) under a saved model,
// over the first-turn contexts of N generated training tasks, i.e. the value V = p of a critic initialised from it.
//   npm run build && node scripts/critic-start-value.mjs CHECKPOINT_DIR [N]
import { createRenderer, loadRendererSpec } from '../dist/src/render/index.js';
import { readCheckpoint } from '../dist/src/policy/checkpoint.js';
import { createLocalLearner } from '../dist/src/policy/native/select.js';
import { generatedTaskSource } from '../dist/src/train/generated-tasks.js';
import { entryFunctionDocs, openAiTool } from '../dist/src/envs/bfcl/tools.js';
import { BfclEnv } from '../dist/src/envs/bfcl/env.js';
import { loadTrainConfig } from '../dist/src/train/config.js';

const [dir, n = '50'] = process.argv.slice(2);
if (!dir) {
  console.error('usage: node scripts/critic-start-value.mjs CHECKPOINT_DIR [N]');
  process.exit(2);
}
const renderer = createRenderer(loadRendererSpec(dir));
const { config } = await readCheckpoint(dir);
const learner = await createLocalLearner({ config, seed: 0, threads: 1 });
await learner.load(dir);
const source = generatedTaskSource(loadTrainConfig(undefined).tasks, 0);
const seqs = [];
for (let i = 0; i < Number(n); i++) {
  const task = source.task('train', i);
  const env = new BfclEnv({ maxStepsPerTurn: 4, systemPrompt: null, toolsInSystemPrompt: false });
  const { messages } = await env.reset(task.entry);
  const conv = renderer.conversation(entryFunctionDocs(task.entry.involvedClasses).map(openAiTool));
  conv.add(...messages);
  const context = conv.promptTokens();
  seqs.push({ tokens: Int32Array.from([...context, renderer.stopTokens[0]]), responseStart: context.length });
  await env.close();
}
const p = (await learner.logprobs(seqs)).map((lp) => Math.exp(lp[0]));
console.log(`p(end-of-message | first-turn context) over ${p.length} tasks: mean ${(p.reduce((a, b) => a + b, 0) / p.length).toExponential(2)}, min ${Math.min(...p).toExponential(2)}, max ${Math.max(...p).toExponential(2)}`);
await learner.dispose();
