/**
 * `POST /update_weights_from_disk`, in SGLang's shape: `{"model_path": DIR}` → `{"success": true, "message": ...,
 * "num_paused_requests": 0}`, or `{"success": false, "message": ...}` with a 4xx. The trainer calls it after each
 * optimizer update so that rollouts sample from the weights being trained (docs/services.md). It reads a local path
 * named by the client, so the server offers it only when started with `--allow-weight-updates`.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { parseConfig } from '../core/config.js';
import { UserError } from '../core/errors.js';
import { parseModelConfig } from '../policy/weights.js';
import { loadRendererSpec } from '../render/index.js';
import { HttpError } from './http.js';
import type { ServedModel } from './model.js';

export const UPDATE_WEIGHTS_PATH = '/update_weights_from_disk';

/** SGLang's request has more fields (load_format, abort_all_requests, ...); this server honours only the path. */
export const updateWeightsRequestSchema = z.strictObject({ model_path: z.string().min(1) });

/**
 * The checkpoint in `dir` if the served model can load it: the same model shape and the same renderer (vocabulary,
 * template), since clients keep sending the token ids they rendered for this model. Anything else is a 400.
 */
export async function checkReplacement(body: unknown, served: ServedModel): Promise<string> {
  const { model_path: dir } = parseConfig(updateWeightsRequestSchema, body, 'request');
  if (!existsSync(dir)) throw new HttpError(400, `model_path ${dir} does not exist on the server's machine`);
  let config;
  try {
    const state = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as { config?: unknown };
    config = parseModelConfig(state.config, `${dir}/state.json config`);
  } catch (e) {
    throw new HttpError(400, `model_path ${dir} is not a checkpoint: ${e instanceof UserError ? e.message : (e as Error).message}`);
  }
  const want = served.learner.config;
  const differs = (Object.keys(want) as Array<keyof typeof want>).filter((k) => config[k] !== want[k]);
  if (differs.length > 0) {
    const list = differs.map((k) => `${k} ${config[k]} (served: ${want[k]})`).join(', ');
    throw new HttpError(400, `model_path ${dir} has another architecture than the served model: ${list}`);
  }
  let spec;
  try {
    spec = loadRendererSpec(dir);
  } catch (e) {
    throw new HttpError(400, (e as Error).message);
  }
  if (JSON.stringify(spec) !== JSON.stringify(served.rendererSpec)) {
    throw new HttpError(400, `model_path ${dir} was saved with another renderer (template or vocabulary) than the served model`);
  }
  return dir;
}
