/**
 * The request bodies `seeupo serve` accepts: OpenAI's chat and completions APIs, plus vLLM's token-id extensions
 * (`return_tokens_as_token_ids`, `stop_token_ids`, `ignore_eos`). Objects are strict: a field this server would
 * not honour (penalties, logit bias, images) is a 400 naming it, never silently ignored.
 */
import { z } from 'zod';

const MAX_SEED = 0xffffffff;
/** OpenAI's own caps. */
export const MAX_TOP_LOGPROBS = 20;
const MAX_STOP_STRINGS = 4;

const textPart = z.strictObject({ type: z.literal('text'), text: z.string() });
const text = z.union([z.string(), z.array(textPart)]);

const toolCall = z.strictObject({
  id: z.string(),
  type: z.literal('function'),
  function: z.strictObject({ name: z.string().min(1), arguments: z.string() }),
});

export const chatMessageSchema = z.discriminatedUnion('role', [
  z.strictObject({ role: z.enum(['system', 'developer']), content: text, name: z.string().optional() }),
  z.strictObject({ role: z.literal('user'), content: text, name: z.string().optional() }),
  z.strictObject({
    role: z.literal('assistant'),
    content: text.nullish(),
    tool_calls: z.array(toolCall).optional(),
    name: z.string().optional(),
    refusal: z.null().optional(),
  }),
  z.strictObject({ role: z.literal('tool'), content: text, tool_call_id: z.string() }),
]);
export type OpenAIChatMessage = z.output<typeof chatMessageSchema>;

const toolSchema = z.strictObject({
  type: z.literal('function'),
  function: z.strictObject({
    name: z.string().min(1),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    strict: z.boolean().nullish(),
  }),
});

/** Settings both routes share. */
const sampling = {
  model: z.string(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  n: z.number().int().min(1).max(16).nullish(),
  seed: z.number().int().min(0).max(MAX_SEED).nullish(),
  stop: z.union([z.string().min(1), z.array(z.string().min(1)).max(MAX_STOP_STRINGS)]).nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.strictObject({ include_usage: z.boolean().optional() }).nullish(),
  /** vLLM: log-prob entries name tokens as `token_id:<id>` instead of their text. */
  return_tokens_as_token_ids: z.boolean().nullish(),
  /** Accepted at their neutral values only, since clients send them by default. */
  frequency_penalty: z.literal(0).nullish(),
  presence_penalty: z.literal(0).nullish(),
  user: z.string().optional(),
};

export const chatRequestSchema = z
  .strictObject({
    ...sampling,
    messages: z.array(chatMessageSchema).min(1),
    tools: z.array(toolSchema).optional(),
    tool_choice: z.literal('auto').optional(),
    parallel_tool_calls: z.boolean().optional(),
    max_tokens: z.number().int().min(1).nullish(),
    max_completion_tokens: z.number().int().min(1).nullish(),
    logprobs: z.boolean().nullish(),
    top_logprobs: z.number().int().min(0).max(MAX_TOP_LOGPROBS).nullish(),
  })
  .refine((r) => !r.top_logprobs || r.logprobs === true, { message: 'top_logprobs needs logprobs: true', path: ['top_logprobs'] });
export type ChatRequest = z.output<typeof chatRequestSchema>;

const tokenIds = z.array(z.number().int().min(0)).min(1);

export const completionRequestSchema = z.strictObject({
  ...sampling,
  prompt: z.union([tokenIds, z.array(tokenIds).min(1)], {
    error: 'prompt must be token ids (an array of integers, or an array of such arrays): this server does not tokenise text; use /v1/chat/completions for messages',
  }),
  max_tokens: z.number().int().min(1).nullish(),
  /** Legacy API: how many top tokens to list per position (0: the sampled token's log-prob only). */
  logprobs: z.number().int().min(0).max(MAX_TOP_LOGPROBS).nullish(),
  /** vLLM: generation stops after any of these ids (the id is part of the output). */
  stop_token_ids: z.array(z.number().int().min(0)).nullish(),
  /** vLLM: do not stop at the model's own end-of-message tokens, only at `stop_token_ids`. */
  ignore_eos: z.boolean().nullish(),
  echo: z.literal(false).nullish(),
});
export type CompletionRequest = z.output<typeof completionRequestSchema>;

/** OpenAI's error body; the openai client reads `error.message`. */
export function errorBody(message: string, type: string, code: string | null = null): object {
  return { error: { message, type, param: null, code } };
}
