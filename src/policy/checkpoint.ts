/**
 * The checkpoint directory shared by every local back end, so a checkpoint from one loads in the other:
 *   model.safetensors      every weight (F32, layout names), `__metadata__.config` = ModelConfig JSON
 *   optimizer.safetensors  `exp_avg.<name>` and `exp_avg_sq.<name>` per weight, `__metadata__.step`
 *   state.json             {format, config, step, backend, ...back-end state such as RNG state}
 * Files are written under temporary names and renamed, so an interrupted save never leaves a torn checkpoint
 * behind a complete-looking state.json.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import type { ModelConfig } from './learner.js';
import { readSafetensors, writeSafetensors, type F32Tensor } from './safetensors.js';
import { checkWeights, parseModelConfig, sameConfig, weightLayout, type Weights } from './weights.js';

export const CHECKPOINT_FORMAT = 'seeupo-checkpoint-v1';

/** AdamW moments per weight name and the number of steps taken (for bias correction). */
export interface OptimizerState {
  step: number;
  expAvg: Weights;
  expAvgSq: Weights;
}

export interface Checkpoint {
  config: ModelConfig;
  weights: Weights;
  optimizer: OptimizerState;
  /** Which back end wrote it ("tfjs", "native"); informational, any back end loads any checkpoint. */
  backend: string;
  /** Back-end specific JSON state (e.g. RNG state) stored in state.json next to the fixed keys. */
  extra: Record<string, unknown>;
}

/** Zero moments at step 0, the state of a fresh optimizer. */
export function emptyOptimizerState(config: ModelConfig): OptimizerState {
  const expAvg: Weights = new Map();
  const expAvgSq: Weights = new Map();
  for (const spec of weightLayout(config)) {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    expAvg.set(spec.name, new Float32Array(n));
    expAvgSq.set(spec.name, new Float32Array(n));
  }
  return { step: 0, expAvg, expAvgSq };
}

const RESERVED_STATE_KEYS = ['format', 'config', 'step', 'backend'];

export async function writeCheckpoint(dir: string, ckpt: Checkpoint): Promise<void> {
  const { config, weights, optimizer } = ckpt;
  checkWeights(config, weights, 'checkpoint weights');
  checkWeights(config, optimizer.expAvg, 'checkpoint exp_avg');
  checkWeights(config, optimizer.expAvgSq, 'checkpoint exp_avg_sq');
  for (const k of Object.keys(ckpt.extra)) {
    if (RESERVED_STATE_KEYS.includes(k)) throw new Error(`checkpoint extra state cannot use the reserved key '${k}'`);
  }
  await mkdir(dir, { recursive: true });
  const layout = weightLayout(config);
  const model = new Map<string, F32Tensor>();
  const opt = new Map<string, F32Tensor>();
  for (const spec of layout) model.set(spec.name, { shape: spec.shape, data: weights.get(spec.name)! });
  for (const spec of layout) opt.set(`exp_avg.${spec.name}`, { shape: spec.shape, data: optimizer.expAvg.get(spec.name)! });
  for (const spec of layout) opt.set(`exp_avg_sq.${spec.name}`, { shape: spec.shape, data: optimizer.expAvgSq.get(spec.name)! });
  const state = { format: CHECKPOINT_FORMAT, config, step: optimizer.step, backend: ckpt.backend, ...ckpt.extra };
  // state.json goes last: its presence marks a complete checkpoint.
  await writeSafetensors(join(dir, 'model.safetensors.tmp'), model, { config: JSON.stringify(config) });
  await writeSafetensors(join(dir, 'optimizer.safetensors.tmp'), opt, { step: String(optimizer.step) });
  await writeFile(join(dir, 'state.json.tmp'), `${JSON.stringify(state, null, 2)}\n`);
  await rename(join(dir, 'model.safetensors.tmp'), join(dir, 'model.safetensors'));
  await rename(join(dir, 'optimizer.safetensors.tmp'), join(dir, 'optimizer.safetensors'));
  await rename(join(dir, 'state.json.tmp'), join(dir, 'state.json'));
}

/**
 * Reads and validates a checkpoint directory. With `expected`, a checkpoint of another model shape is a
 * UserError naming both shapes.
 */
export async function readCheckpoint(dir: string, expected?: ModelConfig): Promise<Checkpoint> {
  const statePath = join(dir, 'state.json');
  let raw: string;
  try {
    raw = await readFile(statePath, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read checkpoint ${dir}: ${(e as Error).message}`);
  }
  let state: Record<string, unknown>;
  try {
    state = JSON.parse(raw) as Record<string, unknown>;
  } catch (e) {
    throw new UserError(`${statePath}: not JSON (${(e as Error).message})`);
  }
  if (state.format !== CHECKPOINT_FORMAT) throw new UserError(`${statePath}: format is ${JSON.stringify(state.format)}, expected '${CHECKPOINT_FORMAT}'`);
  const config = parseModelConfig(state.config, `${statePath} config`);
  if (expected && !sameConfig(config, expected)) {
    throw new UserError(`checkpoint ${dir} is for model ${JSON.stringify(config)}, but this model is ${JSON.stringify(expected)}`);
  }
  const step = state.step;
  if (!Number.isInteger(step) || (step as number) < 0) throw new UserError(`${statePath}: step must be a non-negative integer`);
  const backend = typeof state.backend === 'string' ? state.backend : 'unknown';

  const model = await readSafetensors(join(dir, 'model.safetensors'));
  const weights: Weights = new Map();
  for (const [name, t] of model.tensors) weights.set(name, t.data);
  checkWeights(config, weights, join(dir, 'model.safetensors'));
  for (const spec of weightLayout(config)) {
    const got = model.tensors.get(spec.name)!.shape;
    if (got.join(',') !== spec.shape.join(',')) {
      throw new UserError(`${join(dir, 'model.safetensors')}: '${spec.name}' has shape [${got.join(', ')}], expected [${spec.shape.join(', ')}]`);
    }
  }

  const optPath = join(dir, 'optimizer.safetensors');
  const opt = await readSafetensors(optPath);
  const optStep = Number(opt.metadata.step);
  if (optStep !== step) throw new UserError(`${optPath}: step ${opt.metadata.step} does not match state.json step ${step}`);
  const expAvg: Weights = new Map();
  const expAvgSq: Weights = new Map();
  for (const [name, t] of opt.tensors) {
    if (name.startsWith('exp_avg_sq.')) expAvgSq.set(name.slice('exp_avg_sq.'.length), t.data);
    else if (name.startsWith('exp_avg.')) expAvg.set(name.slice('exp_avg.'.length), t.data);
    else throw new UserError(`${optPath}: unexpected tensor '${name}'`);
  }
  checkWeights(config, expAvg, `${optPath} exp_avg`);
  checkWeights(config, expAvgSq, `${optPath} exp_avg_sq`);

  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(state)) if (!RESERVED_STATE_KEYS.includes(k)) extra[k] = v;
  return { config, weights, optimizer: { step: step as number, expAvg, expAvgSq }, backend, extra };
}
