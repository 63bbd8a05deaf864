import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from '@huggingface/jinja';
import { UserError } from '../core/errors.js';
import { readJsonFile } from '../core/json-file.js';
import { renderTemplate } from './hf-jinja.js';

/** The named special tokens that transformers gives every chat template as variables (`special_tokens_map`). */
const SPECIAL_TOKEN_KEYS = ['bos_token', 'eos_token', 'unk_token', 'sep_token', 'pad_token', 'cls_token', 'mask_token'] as const;

export interface ChatTemplateRenderOptions {
  /** Tool schemas as the template's `tools` variable; absent means `None`, as in transformers. */
  tools?: readonly unknown[] | undefined;
  /** End with the header of the next assistant message. */
  addGenerationPrompt?: boolean;
  /** Extra template variables (e.g. `{"enable_thinking": false}` for Qwen 3), as apply_chat_template's kwargs. */
  kwargs?: Readonly<Record<string, unknown>>;
}

/**
 * A model's own chat template rendered the way Hugging Face transformers' `apply_chat_template(tokenize=False)`
 * renders it: @huggingface/jinja (trim_blocks and lstrip_blocks, `tojson` without HTML escaping) with Python's
 * string stripping (hf-jinja.ts), the
 * `raise_exception` and `strftime_now` helpers, and the tokenizer's named special tokens (`bos_token`, ...) as
 * variables, which the caller's kwargs override.
 */
export class ChatTemplate {
  private readonly templates: ReadonlyMap<string, Template>;

  /**
   * @param source the `chat_template` of tokenizer_config.json: one template, or a list of named ones (transformers
   *   picks `tool_use` when tools are given and the list has it, else `default`)
   * @param specialTokens the template variables for the tokenizer's special tokens (see specialTokenVariables)
   * @param origin where the template came from, for error messages
   */
  constructor(
    source: unknown,
    readonly specialTokens: Readonly<Record<string, unknown>>,
    readonly origin: string,
  ) {
    const named = new Map<string, string>();
    if (typeof source === 'string') named.set('default', source);
    else if (Array.isArray(source)) {
      for (const t of source as Array<{ name?: unknown; template?: unknown }>) {
        if (typeof t?.name !== 'string' || typeof t.template !== 'string') {
          throw new UserError(`${origin}: a chat_template list holds {"name", "template"} objects`);
        }
        named.set(t.name, t.template);
      }
      if (!named.has('default')) throw new UserError(`${origin}: the chat_template list has no "default" template`);
    } else throw new UserError(`${origin}: chat_template is neither a string nor a list of named templates`);
    const compiled = new Map<string, Template>();
    for (const [name, text] of named) {
      try {
        compiled.set(name, new Template(text));
      } catch (err) {
        throw new UserError(`${origin}: the chat template${named.size > 1 ? ` "${name}"` : ''} does not parse: ${(err as Error).message}`);
      }
    }
    this.templates = compiled;
  }

  /**
   * Reads a model directory as transformers does: `chat_template.jinja` when the directory has one, else the
   * `chat_template` of tokenizer_config.json; the special tokens from tokenizer_config.json.
   */
  static fromDir(dir: string): ChatTemplate {
    const configPath = join(dir, 'tokenizer_config.json');
    const config = readJsonObject(configPath);
    const specials = specialTokenVariables(config);
    const jinjaPath = join(dir, 'chat_template.jinja');
    if (existsSync(jinjaPath)) return new ChatTemplate(readFileSync(jinjaPath, 'utf8'), specials, jinjaPath);
    if (config.chat_template === undefined || config.chat_template === null) {
      throw new UserError(`${configPath} has no chat_template (and ${dir} has no chat_template.jinja): a base model has no chat format`);
    }
    return new ChatTemplate(config.chat_template, specials, configPath);
  }

  /** The conversation as the model reads it (text; tokenise it with add_special_tokens off). */
  render(messages: readonly unknown[], opts: ChatTemplateRenderOptions = {}): string {
    const template = (opts.tools !== undefined && this.templates.get('tool_use')) || this.templates.get('default')!;
    const variables: Record<string, unknown> = {
      ...this.specialTokens,
      ...opts.kwargs,
      messages,
      tools: opts.tools ?? null,
      documents: null,
      add_generation_prompt: opts.addGenerationPrompt ?? false,
    };
    try {
      return renderTemplate(template, { ...GLOBALS, ...variables });
    } catch (err) {
      if (err instanceof TemplateRaised) throw new UserError(`the chat template of ${this.origin} refused the conversation: ${err.message}`);
      throw new UserError(`rendering the chat template of ${this.origin} failed: ${(err as Error).message}`);
    }
  }
}

/** transformers' `special_tokens_map`: the named special tokens that are set, as text. */
export function specialTokenVariables(config: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of SPECIAL_TOKEN_KEYS) {
    const text = tokenText(config[key]);
    if (text !== null) out[key] = text;
  }
  const extra = config.additional_special_tokens;
  if (Array.isArray(extra) && extra.length > 0) out.additional_special_tokens = extra.map(tokenText);
  return out;
}

/** A token as tokenizer_config.json spells it: a string, or a serialised AddedToken `{"content": ...}`. */
export function tokenText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && typeof (value as { content?: unknown }).content === 'string') {
    return (value as { content: string }).content;
  }
  return null;
}

class TemplateRaised extends Error {}

/** Python's range(stop) / range(start, stop[, step]). */
function range(...args: number[]): number[] {
  const [start, stop, step = 1] = args.length === 1 ? [0, args[0]!] : args;
  if (step === 0) throw new Error('range() step must not be zero');
  const out: number[] = [];
  for (let i = start!; step > 0 ? i < stop! : i > stop!; i += step) out.push(i);
  return out;
}

function raiseException(message: unknown): never {
  throw new TemplateRaised(String(message));
}

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/**
 * Python's `datetime.now().strftime(format)` in the C locale (English names whatever the machine's locale), for
 * the directives chat templates use; any other `%x` is left as written.
 */
export function strftime(date: Date, format: string): string {
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  const start = new Date(date.getFullYear(), 0, 1);
  const dayOfYear = Math.round((new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime() - start.getTime()) / 86_400_000) + 1;
  const hour12 = date.getHours() % 12 === 0 ? 12 : date.getHours() % 12;
  const fields: Record<string, string> = {
    a: DAYS[date.getDay()]!.slice(0, 3),
    A: DAYS[date.getDay()]!,
    b: MONTHS[date.getMonth()]!.slice(0, 3),
    B: MONTHS[date.getMonth()]!,
    d: pad(date.getDate()),
    H: pad(date.getHours()),
    I: pad(hour12),
    j: pad(dayOfYear, 3),
    m: pad(date.getMonth() + 1),
    M: pad(date.getMinutes()),
    p: date.getHours() < 12 ? 'AM' : 'PM',
    S: pad(date.getSeconds()),
    y: pad(date.getFullYear() % 100),
    Y: String(date.getFullYear()),
    '%': '%',
  };
  return format.replace(/%(.)/gs, (whole, d: string) => fields[d] ?? whole);
}

function strftimeNow(format: unknown): string {
  return strftime(new Date(), String(format));
}

/** The globals of @huggingface/jinja's Template.render, with transformers' helpers in place of the library's. */
const GLOBALS: Readonly<Record<string, unknown>> = {
  false: false,
  true: true,
  none: null,
  False: false,
  True: true,
  None: null,
  range,
  raise_exception: raiseException,
  strftime_now: strftimeNow,
};

function readJsonObject(path: string): Record<string, unknown> {
  const value = readJsonFile(path);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UserError(`${path} does not hold a JSON object`);
  return value as Record<string, unknown>;
}
