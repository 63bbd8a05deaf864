import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { UserError } from '../core/errors.js';
import type { Learner } from '../policy/learner.js';
import { createLocalLearner, type LocalBackend } from '../policy/native/select.js';
import { parseModelConfig } from '../policy/weights.js';
import { createRenderer, loadRendererSpec } from '../render/index.js';
import type { Renderer } from '../render/renderer.js';
import type { RendererSpec } from '../render/index.js';

/** A checkpoint ready to serve: its weights in a local learner and the renderer it was trained with. */
export interface ServedModel {
  /** The `model` clients name in requests. */
  readonly name: string;
  readonly learner: Learner;
  readonly renderer: Renderer;
  /** What `renderer` was made from: a weight update must come with the same one. */
  readonly rendererSpec: RendererSpec;
}

/**
 * Loads a checkpoint directory as `Learner.save` writes it, with the `renderer.json` written beside it. The model
 * shape comes from its state.json; the learner is created for that shape and then loads the weights.
 */
export async function loadServedModel(dir: string, opts: { backend: LocalBackend | 'auto'; name?: string }): Promise<ServedModel> {
  const rendererSpec = loadRendererSpec(dir);
  const renderer = createRenderer(rendererSpec);
  const statePath = join(dir, 'state.json');
  let state: { config?: unknown };
  try {
    state = JSON.parse(await readFile(statePath, 'utf8')) as { config?: unknown };
  } catch (e) {
    throw new UserError(`cannot read checkpoint ${dir}: ${(e as Error).message}`);
  }
  const config = parseModelConfig(state.config, `${statePath} config`);
  if (renderer.vocabSize > config.vocabSize) {
    throw new UserError(`${dir}: the renderer's vocabulary (${renderer.vocabSize}) is larger than the model's (${config.vocabSize})`);
  }
  const learner = await createLocalLearner({ config, seed: 0, backend: opts.backend });
  await learner.load(dir);
  return { name: opts.name ?? basename(resolve(dir)), learner, renderer, rendererSpec };
}
