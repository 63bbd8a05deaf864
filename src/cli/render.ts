import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../core/errors.js';
import { parseJsonOption } from './json-option.js';

interface RenderOptions {
  tokenizer: string;
  messages: string;
  tools?: string;
  generationPrompt?: boolean;
  tokens?: boolean;
  templateKwargs?: string;
}

/** `seeupo render`: what a real model reads for a conversation, as transformers' apply_chat_template gives it. */
export function registerRender(program: Command): void {
  program
    .command('render')
    .description(
      "print what a model reads for a conversation: its own chat template rendered as transformers' apply_chat_template " +
        'does (text exactly, no newline added), or the token ids as a JSON array',
    )
    .requiredOption('--tokenizer <dir>', 'model directory with tokenizer_config.json (its chat_template) and tokenizer.json')
    .requiredOption('--messages <file>', 'JSON array of chat messages ({"role", "content", ...} as the template reads them)')
    .option('--tools <file>', 'JSON array of tool schemas, given to the template as `tools`')
    .option('--generation-prompt', 'end with the header of the next assistant message (add_generation_prompt=True)')
    .option('--tokens', 'print the token ids (tokenizer.json, no special tokens added) instead of the text')
    .option('--template-kwargs <json>', 'extra template variables, e.g. \'{"enable_thinking": false}\'')
    .action(async (opts: RenderOptions) => {
      const messages = readJsonArray(opts.messages, '--messages', 'chat messages');
      messages.forEach((m, i) => {
        if (typeof m !== 'object' || m === null || Array.isArray(m) || typeof (m as { role?: unknown }).role !== 'string') {
          throw new UserError(`${opts.messages}: message ${i} is not an object with a string "role"`);
        }
      });
      const tools = opts.tools === undefined ? undefined : readJsonArray(opts.tools, '--tools', 'tool schemas');
      const kwargs = opts.templateKwargs === undefined ? {} : parseJsonOption('--template-kwargs', opts.templateKwargs);
      if (typeof kwargs !== 'object' || kwargs === null || Array.isArray(kwargs)) throw new UserError('--template-kwargs must be a JSON object');
      // Loaded here, not at start-up, so other commands start fast.
      const { ChatTemplate } = await import('../render/hf-template.js');
      const text = ChatTemplate.fromDir(opts.tokenizer).render(messages, {
        tools,
        addGenerationPrompt: opts.generationPrompt ?? false,
        kwargs: kwargs as Record<string, unknown>,
      });
      if (!opts.tokens) {
        process.stdout.write(text);
        return;
      }
      const { HuggingFaceTokenizer } = await import('../policy/tokenizer/hugging-face.js');
      process.stdout.write(`${JSON.stringify(HuggingFaceTokenizer.fromFile(join(opts.tokenizer, 'tokenizer.json')).encode(text))}\n`);
    });
}

function readJsonArray(path: string, option: string, what: string): unknown[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UserError(`${option}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${option}: ${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(value)) throw new UserError(`${option}: ${path} must hold a JSON array of ${what}`);
  return value;
}
