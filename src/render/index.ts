import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { parseConfig } from '../core/config.js';
import { UserError } from '../core/errors.js';
import { readJsonFile } from '../core/json-file.js';
import { ByteLevelTokenizer } from '../policy/tokenizer/byte-level.js';
import { ChatmlRenderer } from './chatml.js';
import { CompactRenderer } from './compact.js';
import { HfRenderer } from './hf.js';
import type { Renderer } from './renderer.js';

export * from './renderer.js';
export { ChatmlRenderer } from './chatml.js';
export { CompactRenderer, type CompactVocabulary } from './compact.js';
export { HfRenderer } from './hf.js';

/**
 * Which renderer a model was trained with, saved beside its checkpoint (`renderer.json`) so that evaluation and
 * serving read the model exactly as training wrote it.
 */
export const rendererSpecSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('compact'),
    tools: z.array(z.string().min(1)),
    argKeys: z.array(z.string().min(1)),
    pieces: z.array(z.string()),
  }),
  z.strictObject({
    kind: z.literal('chatml'),
    /** Special tokens after the byte-level tokenizer's defaults (e.g. tool-call heads), in id order. */
    extraSpecialTokens: z.array(z.string().min(1)).default([]),
  }),
  z.strictObject({
    kind: z.literal('hf'),
    /** A model directory: tokenizer.json and tokenizer_config.json (its chat_template), as on the Hugging Face Hub. */
    dir: z.string().min(1),
    /** Extra chat-template variables, e.g. {"enable_thinking": false} for Qwen 3. */
    templateKwargs: z.record(z.string(), z.unknown()).default({}),
  }),
]);
export type RendererSpec = z.output<typeof rendererSpecSchema>;

export function createRenderer(spec: RendererSpec): Renderer {
  switch (spec.kind) {
    case 'compact':
      return new CompactRenderer(spec);
    case 'chatml':
      return new ChatmlRenderer(new ByteLevelTokenizer({ extraSpecialTokens: spec.extraSpecialTokens }));
    case 'hf':
      return HfRenderer.fromDir(spec.dir, { templateKwargs: spec.templateKwargs });
  }
}

export const RENDERER_FILE = 'renderer.json';

export function saveRendererSpec(dir: string, spec: RendererSpec): void {
  writeFileSync(join(dir, RENDERER_FILE), JSON.stringify(spec, null, 2) + '\n');
}

export function loadRendererSpec(dir: string): RendererSpec {
  const file = join(dir, RENDERER_FILE);
  if (!existsSync(file)) throw new UserError(`${dir} has no ${RENDERER_FILE}: not a checkpoint written by seeupo train`);
  return parseConfig(rendererSpecSchema, readJsonFile(file), file);
}
