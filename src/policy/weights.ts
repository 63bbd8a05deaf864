/**
 * The weight layout shared by every policy back end: config validation, the ordered list of named parameters
 * (PyTorch `nn.Linear` layout, [out, in], so a checkpoint loads into a GPT-2-style PyTorch module), and the
 * seeded initialisation. Both back ends call `initWeights`, so the same seed gives the same weights everywhere.
 */
import { z } from 'zod';
import { parseConfig } from '../core/config.js';
import { UserError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import type { ModelConfig } from './learner.js';

/** Float32 weights by name, in `weightLayout` order. */
export type Weights = Map<string, Float32Array>;

/**
 * How a parameter is treated: `embedding` and `layernorm` and `bias` get no weight decay (AdamW), `matrix` does.
 * `initStd` is the normal std of the initial values; `initConstant` is used instead when `initStd` is 0.
 */
export interface WeightSpec {
  name: string;
  shape: readonly number[];
  kind: 'embedding' | 'matrix' | 'bias' | 'layernorm';
  initStd: number;
  initConstant: number;
}

const positiveInt = z.number().int().positive();

export const modelConfigSchema = z
  .strictObject({
    vocabSize: positiveInt,
    contextLength: positiveInt,
    dModel: positiveInt,
    nLayers: positiveInt,
    nHeads: positiveInt,
  })
  .refine((c) => c.dModel % c.nHeads === 0, { message: 'dModel must be divisible by nHeads', path: ['nHeads'] });

/** Validates a model config (unknown keys, non-integers, dModel not divisible by nHeads) and returns a copy. */
export function parseModelConfig(value: unknown, source = 'model config'): ModelConfig {
  return parseConfig(modelConfigSchema, value, source);
}

/** The parameters in canonical order: embeddings, then layer by layer, then the final LayerNorm. */
export function weightLayout(config: ModelConfig): WeightSpec[] {
  const { vocabSize: V, contextLength: C, dModel: d, nLayers } = config;
  const std = 0.02;
  const projStd = 0.02 / Math.sqrt(2 * nLayers);
  const specs: WeightSpec[] = [
    { name: 'wte.weight', shape: [V, d], kind: 'embedding', initStd: std, initConstant: 0 },
    { name: 'wpe.weight', shape: [C, d], kind: 'embedding', initStd: std, initConstant: 0 },
  ];
  const ln = (name: string) => {
    specs.push({ name: `${name}.weight`, shape: [d], kind: 'layernorm', initStd: 0, initConstant: 1 });
    specs.push({ name: `${name}.bias`, shape: [d], kind: 'layernorm', initStd: 0, initConstant: 0 });
  };
  const linear = (name: string, out: number, inp: number, initStd: number) => {
    specs.push({ name: `${name}.weight`, shape: [out, inp], kind: 'matrix', initStd, initConstant: 0 });
    specs.push({ name: `${name}.bias`, shape: [out], kind: 'bias', initStd: 0, initConstant: 0 });
  };
  for (let i = 0; i < nLayers; i++) {
    ln(`h.${i}.ln_1`);
    linear(`h.${i}.attn.c_attn`, 3 * d, d, std);
    linear(`h.${i}.attn.c_proj`, d, d, projStd);
    ln(`h.${i}.ln_2`);
    linear(`h.${i}.mlp.c_fc`, 4 * d, d, std);
    linear(`h.${i}.mlp.c_proj`, d, 4 * d, projStd);
  }
  ln('ln_f');
  return specs;
}

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Total number of parameters (tied output head counted once). */
export function parameterCount(config: ModelConfig): number {
  return weightLayout(config).reduce((n, s) => n + numel(s.shape), 0);
}

/** Fills every parameter in layout order, row-major, with rng.normal() × std (or the constant). */
export function initWeights(config: ModelConfig, rng: Rng): Weights {
  const weights: Weights = new Map();
  for (const spec of weightLayout(config)) {
    const data = new Float32Array(numel(spec.shape));
    if (spec.initStd > 0) for (let i = 0; i < data.length; i++) data[i] = rng.normal() * spec.initStd;
    else data.fill(spec.initConstant);
    weights.set(spec.name, data);
  }
  return weights;
}

/** Throws a UserError unless `weights` holds exactly the layout's names with the layout's sizes. */
export function checkWeights(config: ModelConfig, weights: ReadonlyMap<string, Float32Array>, source: string): void {
  const layout = weightLayout(config);
  for (const spec of layout) {
    const w = weights.get(spec.name);
    if (!w) throw new UserError(`${source}: missing weight '${spec.name}'`);
    if (w.length !== numel(spec.shape)) {
      throw new UserError(`${source}: weight '${spec.name}' has ${w.length} values, expected shape [${spec.shape.join(', ')}]`);
    }
  }
  if (weights.size !== layout.length) {
    const known = new Set(layout.map((s) => s.name));
    const extra = [...weights.keys()].filter((k) => !known.has(k));
    throw new UserError(`${source}: unexpected weight${extra.length > 1 ? 's' : ''} ${extra.map((k) => `'${k}'`).join(', ')}`);
  }
}

export function sameConfig(a: ModelConfig, b: ModelConfig): boolean {
  return (
    a.vocabSize === b.vocabSize &&
    a.contextLength === b.contextLength &&
    a.dModel === b.dModel &&
    a.nLayers === b.nLayers &&
    a.nHeads === b.nHeads
  );
}
