/**
 * Rollouts sampled by an OpenAI-compatible server (vLLM, SGLang, `seeupo serve`). Each prompt goes as token ids to
 * `/v1/completions`, one request per prompt, and the answer must name the sampled tokens by id with their log-probs
 * (vLLM's `return_tokens_as_token_ids`), so training uses exactly the tokens the server drew. A server that answers
 * with token text instead is refused with an error that says so: the text is never re-tokenised.
 *
 * The log-probs are whatever the server reports for the sampled tokens. `seeupo serve` reports the sampling
 * distribution's (after temperature and top-p), as the local learners do; vLLM reports the model's raw log-probs
 * unless started with `--logprobs-mode processed_logprobs`, which matters when temperature ≠ 1 or top_p < 1.
 */
import { z } from 'zod';
import { parseConfig } from '../core/config.js';
import { Rng } from '../core/rng.js';
import type { SampleOutput, SampleParams } from '../policy/learner.js';
import type { FailedSample, RolloutPolicy, RolloutRequest } from './policy.js';
import { postJson, PostError } from './post-json.js';

export const openAIPolicyOptionsSchema = z.strictObject({
  /** The API root, e.g. `http://127.0.0.1:8000/v1`. */
  baseUrl: z.url({ protocol: /^https?$/ }),
  /** The served model's name (`GET /v1/models`). */
  model: z.string().min(1),
  /** Sent as `Authorization: Bearer <key>` (vLLM's `--api-key`). */
  apiKey: z.string().min(1).optional(),
  /** One attempt's limit, from sending the request to reading the whole answer. */
  timeoutMs: z.number().int().positive().default(300_000),
  /** Attempts after the first for network errors, time-outs, 408, 429 and 5xx; other answers are final. */
  maxRetries: z.number().int().min(0).max(10).default(3),
  /** The first retry waits this long; each further one twice as long (or the server's Retry-After, if longer). */
  retryBaseMs: z.number().min(0).default(1000),
  /** Requests in flight at once. */
  maxConcurrency: z.number().int().min(1).default(64),
});
export type OpenAIPolicyOptions = z.input<typeof openAIPolicyOptionsSchema>;

/** The server cannot be used for training (no token ids, no log-probs, an answer of the wrong shape), or a request failed. */
export class OpenAIPolicyError extends Error {
  override readonly name = 'OpenAIPolicyError';
}

/**
 * The seed sent with prompt i of a call seeded `seed`. Each prompt gets its own seed, because servers seed every
 * request alike: the same seed on the G copies of a group's prompt would give G identical samples.
 */
export function rowSeed(seed: number, i: number): number {
  return new Rng(seed).fork(`sample:${i}`).nextUint32();
}

export function createOpenAIPolicy(options: OpenAIPolicyOptions): RolloutPolicy {
  const opts = parseConfig(openAIPolicyOptionsSchema, options, 'OpenAI rollout options');
  const url = `${opts.baseUrl.replace(/\/+$/, '')}/completions`;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (opts.apiKey !== undefined) headers.authorization = `Bearer ${opts.apiKey}`;

  const post = (body: object) => postJson(url, body, { headers, timeoutMs: opts.timeoutMs, maxRetries: opts.maxRetries, retryBaseMs: opts.retryBaseMs });

  async function sampleOne(prompt: Int32Array, params: SampleParams, seed: number): Promise<SampleOutput> {
    const stopTokens = params.stopTokens ?? [];
    const body = {
      model: opts.model,
      prompt: Array.from(prompt),
      max_tokens: params.maxTokens,
      temperature: params.temperature ?? 1,
      top_p: params.topP ?? 1,
      seed,
      n: 1,
      // The stop tokens are exactly the caller's: not the server's idea of the model's end-of-text as well.
      stop_token_ids: [...stopTokens],
      ignore_eos: true,
      logprobs: 0,
      return_tokens_as_token_ids: true,
    };
    try {
      return parseAnswer(await post(body), stopTokens, url);
    } catch (e) {
      if (e instanceof PostError) throw new OpenAIPolicyError(e.message);
      throw e;
    }
  }

  return {
    async sample(requests: readonly RolloutRequest[], params: SampleParams): Promise<Array<SampleOutput | FailedSample>> {
      const out = new Array<SampleOutput | FailedSample>(requests.length);
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < requests.length) {
          const i = next++;
          // A request that fails (after its retries) fails its own episode; the others go on.
          try {
            out[i] = await sampleOne(requests[i]!.prompt, params, rowSeed(params.seed, i));
          } catch (e) {
            if (!(e instanceof OpenAIPolicyError)) throw e;
            out[i] = { error: e.message };
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(opts.maxConcurrency, requests.length) }, worker));
      return out;
    },
  };
}

const TOKEN_ID = /^token_id:(\d+)$/;

/** The first choice's token ids, log-probs and finish reason, checked for everything training relies on. */
function parseAnswer(body: unknown, stopTokens: readonly number[], url: string): SampleOutput {
  const choice = (body as { choices?: unknown[] } | null)?.choices?.[0] as
    | { logprobs?: { tokens?: unknown; token_logprobs?: unknown } | null; finish_reason?: unknown }
    | undefined;
  if (!choice) throw new OpenAIPolicyError(`${url} answered without choices`);
  const lp = choice.logprobs;
  if (!lp || !Array.isArray(lp.tokens) || !Array.isArray(lp.token_logprobs) || lp.tokens.length !== lp.token_logprobs.length) {
    throw new OpenAIPolicyError(`${url} answered without per-token log-probs (it ignores 'logprobs'): it cannot serve rollouts for training`);
  }
  const tokens = new Int32Array(lp.tokens.length);
  const logprobs = new Float32Array(lp.tokens.length);
  lp.tokens.forEach((t: unknown, i: number) => {
    const m = typeof t === 'string' ? TOKEN_ID.exec(t) : null;
    if (!m) {
      throw new OpenAIPolicyError(
        `${url} names sampled tokens by text (${JSON.stringify(t)}), not by id: it does not support 'return_tokens_as_token_ids', ` +
          'and OpenAIPolicy never re-tokenises sampled text (use vLLM or seeupo serve)',
      );
    }
    tokens[i] = Number(m[1]);
    const v = (lp.token_logprobs as unknown[])[i];
    if (typeof v !== 'number' || !(v <= 0)) throw new OpenAIPolicyError(`${url}: log-prob ${i} is ${JSON.stringify(v)}, not a number <= 0`);
    logprobs[i] = v;
  });
  const last = tokens.length > 0 ? tokens[tokens.length - 1]! : -1;
  const endsOnStop = stopTokens.includes(last);
  if (choice.finish_reason === 'stop' && !endsOnStop) {
    throw new OpenAIPolicyError(`${url} stopped (finish_reason 'stop') on token ${last}, which is not one of the stop tokens [${stopTokens.join(', ')}]`);
  }
  if (choice.finish_reason !== 'stop' && choice.finish_reason !== 'length') {
    throw new OpenAIPolicyError(`${url}: unexpected finish_reason ${JSON.stringify(choice.finish_reason)}`);
  }
  return { tokens, logprobs, finishReason: endsOnStop ? 'stop' : 'length' };
}
