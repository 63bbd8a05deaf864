/**
 * `seeupo serve`: an OpenAI-compatible HTTP server for one local checkpoint. `/v1/chat/completions` renders the
 * messages with the checkpoint's renderer and parses the answer back into content and tool calls;
 * `/v1/completions` takes prompts as token ids and answers token ids with their log-probs (vLLM's
 * `return_tokens_as_token_ids`), which is what `OpenAIPolicy` reads. Concurrent requests are batched into the
 * learner's sampler (batcher.ts). Bad requests get a 4xx with an OpenAI-style JSON error, never a stack trace.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UserError } from '../core/errors.js';
import { parseConfig } from '../core/config.js';
import { Rng } from '../core/rng.js';
import type { SampleOutput } from '../policy/learner.js';
import { SampleBatcher, type JobParams } from './batcher.js';
import { chatAnswer, toChatMessages } from './chat.js';
import { HttpError, readJsonBody, sendEvents, sendJson } from './http.js';
import type { ServedModel } from './model.js';
import { chatRequestSchema, completionRequestSchema, errorBody, type ChatRequest, type CompletionRequest } from './requests.js';
import { cutAtStopString } from './stop-strings.js';
import { topLogprobs, type TokenLogprob } from './top-logprobs.js';
import { checkReplacement, UPDATE_WEIGHTS_PATH } from './weight-update.js';

export interface OpenAIServerOptions {
  model: ServedModel;
  /** Seeds the draws of requests that give no seed. */
  seed: number;
  /** Largest request body accepted, in bytes. */
  maxBodyBytes?: number;
  /** Requests being answered at once; more get 503 with Retry-After. */
  maxInFlight?: number;
  /** Most prompt rows (prompts × n) one request may ask for. */
  maxRowsPerRequest?: number;
  /** Most prompt rows in one sampler call. */
  maxBatchRows?: number;
  /** Offer `POST /update_weights_from_disk` (it reads a directory the client names); off by default. */
  allowWeightUpdates?: boolean;
}

export const SERVE_DEFAULTS = { maxBodyBytes: 4 << 20, maxInFlight: 256, maxRowsPerRequest: 64, maxBatchRows: 64, allowWeightUpdates: false };

/** Counters for the load test and the docs' figures. */
export interface ServerStats {
  requests: number;
  /** By HTTP status. */
  statuses: Record<number, number>;
  /** Errors that were bugs (500). */
  internalErrors: number;
  /** Weight updates loaded (`/update_weights_from_disk`). */
  weightUpdates: number;
}

export class OpenAIServer {
  readonly http: Server;
  readonly batcher: SampleBatcher;
  readonly stats: ServerStats = { requests: 0, statuses: {}, internalErrors: 0, weightUpdates: 0 };
  private readonly opts: Required<OpenAIServerOptions>;
  private inFlight = 0;
  private nextId = 0;
  private readonly created = Math.floor(Date.now() / 1000);

  constructor(options: OpenAIServerOptions) {
    this.opts = { ...SERVE_DEFAULTS, ...options };
    this.batcher = new SampleBatcher(options.model.learner, { maxBatchRows: this.opts.maxBatchRows, rng: new Rng(options.seed) });
    this.http = createServer((req, res) => void this.handle(req, res));
    // A client that trickles its request is cut off; answers may take as long as sampling takes.
    this.http.requestTimeout = 30_000;
    this.http.headersTimeout = 10_000;
  }

  /** Binds host:port (port 0: any free port) and resolves to the address bound. */
  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.http.once('error', (e: NodeJS.ErrnoException) => reject(new UserError(`cannot listen on ${host}:${port}: ${e.message}`)));
      this.http.listen(port, host, () => resolve(this.http.address() as AddressInfo));
    });
  }

  close(): Promise<void> {
    this.http.closeAllConnections();
    return new Promise((resolve) => this.http.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.stats.requests++;
    const counted = (status: number): void => {
      this.stats.statuses[status] = (this.stats.statuses[status] ?? 0) + 1;
    };
    res.on('finish', () => counted(res.statusCode));
    let admitted = false;
    let path = '/';
    try {
      path = new URL(req.url ?? '/', 'http://localhost').pathname;
      const route = ROUTES[path];
      if (!route) throw new HttpError(404, `no route ${path} (routes: ${Object.keys(ROUTES).join(', ')})`, 'not_found_error');
      if (req.method !== route.method) throw new HttpError(405, `${path} takes ${route.method}, not ${req.method}`, 'invalid_request_error', { allow: route.method });
      if (route.method === 'GET') return sendJson(res, 200, this.models());
      if (this.inFlight >= this.opts.maxInFlight) {
        req.resume();
        throw new HttpError(503, `the server is busy (${this.inFlight} requests in flight); retry later`, 'server_busy', { 'retry-after': '1' });
      }
      this.inFlight++;
      admitted = true;
      const body = await readJsonBody(req, this.opts.maxBodyBytes);
      if (path === UPDATE_WEIGHTS_PATH) await this.updateWeights(body, res);
      else if (path === '/v1/chat/completions') await this.chat(parseConfig(chatRequestSchema, body, 'request'), res);
      else await this.completions(parseConfig(completionRequestSchema, body, 'request'), res);
    } catch (err) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      // The weight-update route answers in SGLang's shape, the others in OpenAI's.
      const body = (message: string, type: string) => (path === UPDATE_WEIGHTS_PATH ? { success: false, message } : errorBody(message, type));
      if (err instanceof HttpError) sendJson(res, err.status, body(err.message, err.type), err.headers);
      else if (err instanceof UserError) sendJson(res, 400, body(err.message, 'invalid_request_error'));
      else {
        this.stats.internalErrors++;
        process.stderr.write(`seeupo serve: internal error: ${(err as Error).stack ?? String(err)}\n`);
        sendJson(res, 500, errorBody('internal error (see the server log)', 'server_error'));
      }
    } finally {
      if (admitted) this.inFlight--;
    }
  }

  /**
   * Loads new weights between sampler calls (through the batcher's line), never during one: a request sampled
   * before the update has the old weights throughout, one sampled after has the new ones.
   */
  private async updateWeights(body: unknown, res: ServerResponse): Promise<void> {
    if (!this.opts.allowWeightUpdates) {
      throw new HttpError(403, `weight updates are off: start seeupo serve with --allow-weight-updates to allow ${UPDATE_WEIGHTS_PATH}`, 'permission_error');
    }
    const dir = await checkReplacement(body, this.opts.model);
    const { learner } = this.opts.model;
    try {
      await this.batcher.exclusive(() => learner.load(dir));
    } catch (e) {
      // The checkpoint is read whole and checked before any weight is set: a failed load leaves the old weights.
      throw new HttpError(400, `cannot load ${dir}: ${(e as Error).message}`);
    }
    this.stats.weightUpdates++;
    sendJson(res, 200, { success: true, message: `Succeeded to update model weights from ${dir}.`, num_paused_requests: 0 });
  }

  private models(): object {
    return { object: 'list', data: [{ id: this.opts.model.name, object: 'model', created: this.created, owned_by: 'seeupo' }] };
  }

  private checkModel(name: string): void {
    if (name !== this.opts.model.name) throw new HttpError(404, `model '${name}' does not exist; this server serves '${this.opts.model.name}'`, 'not_found_error', {});
  }

  /** Sampling settings shared by both routes; `maxTokens` defaults to what the context leaves. */
  private jobParams(r: ChatRequest | CompletionRequest, promptLength: number, stopTokens: readonly number[], maxTokens: number | null | undefined): JobParams {
    const C = this.opts.model.learner.config.contextLength;
    if (promptLength >= C) throw new HttpError(400, `the prompt has ${promptLength} tokens; this model's context is ${C} tokens`);
    const max = maxTokens ?? C - promptLength;
    if (promptLength + max > C) throw new HttpError(400, `prompt (${promptLength} tokens) + max_tokens (${max}) exceeds this model's context of ${C} tokens`);
    const params: JobParams = { maxTokens: max, temperature: r.temperature ?? 1, topP: r.top_p ?? 1, stopTokens };
    if (r.seed !== null && r.seed !== undefined) params.seed = r.seed;
    return params;
  }

  private rowLimit(rows: number): void {
    if (rows > this.opts.maxRowsPerRequest) throw new HttpError(400, `the request asks for ${rows} samples (prompts × n); the limit is ${this.opts.maxRowsPerRequest}`);
  }

  private tokenName(id: number, asIds: boolean): string {
    return asIds ? `token_id:${id}` : this.opts.model.renderer.decode([id]);
  }

  private async tops(prompt: Int32Array, tokens: Int32Array, k: number, params: JobParams): Promise<TokenLogprob[][] | null> {
    if (k === 0) return null;
    const { learner } = this.opts.model;
    const sampling = { temperature: params.temperature ?? 1, topP: params.topP ?? 1 };
    return this.batcher.exclusive(() => topLogprobs(learner, prompt, tokens, k, sampling));
  }

  private async chat(r: ChatRequest, res: ServerResponse): Promise<void> {
    this.checkModel(r.model);
    const { renderer } = this.opts.model;
    const messages = toChatMessages(r.messages);
    const tools = r.tools ?? [];
    const conv = renderer.conversation(tools);
    conv.add(...messages);
    const prompt = Int32Array.from(conv.promptTokens());
    const n = r.n ?? 1;
    this.rowLimit(n);
    const params = this.jobParams(r, prompt.length, renderer.stopTokens, r.max_completion_tokens ?? r.max_tokens);
    const outs = await this.batcher.sample(new Array<Int32Array>(n).fill(prompt), params);
    const id = `chatcmpl-${this.nextId++}`;
    const stops = stopStrings(r.stop);
    const asIds = r.return_tokens_as_token_ids === true;
    const choices = [];
    for (let i = 0; i < outs.length; i++) {
      const answer = chatAnswer(renderer, messages, tools, outs[i]!, stops, `call_${id}_${i}`);
      let logprobs: object | null = null;
      if (r.logprobs) {
        const tops = await this.tops(prompt, answer.tokens, r.top_logprobs ?? 0, params);
        const entry = (token: number, logprob: number): { token: string; logprob: number; bytes: number[] } => {
          const name = this.tokenName(token, asIds);
          return { token: name, logprob, bytes: [...Buffer.from(name, 'utf8')] };
        };
        logprobs = {
          content: Array.from(answer.tokens, (t, k) => ({ ...entry(t, answer.logprobs[k]!), top_logprobs: (tops?.[k] ?? []).map((e) => entry(e.token, e.logprob)) })),
          refusal: null,
        };
      }
      choices.push({ index: i, message: answer.message, logprobs, finish_reason: answer.finishReason });
    }
    const usage = { prompt_tokens: prompt.length, completion_tokens: sum(choices.map((_, i) => outs[i]!.tokens.length)), total_tokens: 0 };
    usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
    const head = { id, created: Math.floor(Date.now() / 1000), model: this.opts.model.name, system_fingerprint: null };
    if (!r.stream) return sendJson(res, 200, { ...head, object: 'chat.completion', choices, usage });
    // The sampler returns whole answers, so a stream carries each answer in a few events once it is sampled.
    const chunk = (choice: object): object => ({ ...head, object: 'chat.completion.chunk', choices: [choice] });
    const events: object[] = [];
    for (const c of choices) {
      events.push(chunk({ index: c.index, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }));
      if (c.message.content !== null || c.logprobs !== null) {
        events.push(chunk({ index: c.index, delta: { content: c.message.content ?? '' }, logprobs: c.logprobs, finish_reason: null }));
      }
      if (c.message.tool_calls) {
        const deltas = c.message.tool_calls.map((call, index) => ({ index, ...call }));
        events.push(chunk({ index: c.index, delta: { tool_calls: deltas }, logprobs: null, finish_reason: null }));
      }
      events.push(chunk({ index: c.index, delta: {}, logprobs: null, finish_reason: c.finish_reason }));
    }
    if (r.stream_options?.include_usage) events.push({ ...head, object: 'chat.completion.chunk', choices: [], usage });
    sendEvents(res, events);
  }

  private async completions(r: CompletionRequest, res: ServerResponse): Promise<void> {
    this.checkModel(r.model);
    const { renderer, learner } = this.opts.model;
    const V = learner.config.vocabSize;
    const prompts = (typeof r.prompt[0] === 'number' ? [r.prompt as number[]] : (r.prompt as number[][])).map((p) => Int32Array.from(p));
    const stopIds = r.stop_token_ids ?? [];
    for (const t of [...prompts.flatMap((p) => [...p]), ...stopIds]) {
      if (t >= V) throw new HttpError(400, `token id ${t} is outside this model's vocabulary [0, ${V})`);
    }
    const n = r.n ?? 1;
    this.rowLimit(prompts.length * n);
    const stopTokens = [...new Set([...(r.ignore_eos ? [] : renderer.stopTokens), ...stopIds])];
    const longest = Math.max(...prompts.map((p) => p.length));
    // OpenAI's default: 16 new tokens.
    const params = this.jobParams(r, longest, stopTokens, r.max_tokens ?? 16);
    const rows = prompts.flatMap((p) => new Array<Int32Array>(n).fill(p));
    const outs = await this.batcher.sample(rows, params);
    const stops = stopStrings(r.stop);
    const asIds = r.return_tokens_as_token_ids === true;
    const k = r.logprobs ?? null;
    const choices = [];
    for (let i = 0; i < outs.length; i++) {
      const out: SampleOutput = outs[i]!;
      const cut = cutAtStopString(out.tokens, (ids) => renderer.decode(ids), stops);
      const tokens = cut ? out.tokens.slice(0, cut.keep) : out.tokens;
      const lps = cut ? out.logprobs.slice(0, cut.keep) : out.logprobs;
      const stoppedByToken = !cut && out.finishReason === 'stop';
      const text = cut ? cut.text : renderer.decode(stoppedByToken ? tokens.subarray(0, -1) : tokens);
      let logprobs: object | null = null;
      if (k !== null) {
        const names = Array.from(tokens, (t) => this.tokenName(t, asIds));
        const tops = await this.tops(rows[i]!, tokens, k, params);
        const offsets: number[] = [];
        let at = 0;
        for (const name of names) {
          offsets.push(at);
          at += name.length;
        }
        logprobs = {
          tokens: names,
          token_logprobs: Array.from(lps),
          top_logprobs: tops ? tops.map((list) => Object.fromEntries(list.map((e) => [this.tokenName(e.token, asIds), e.logprob]))) : null,
          text_offset: offsets,
        };
      }
      choices.push({ index: i, text, logprobs, finish_reason: cut || stoppedByToken ? 'stop' : 'length' });
    }
    const promptTokens = sum(prompts.map((p) => p.length));
    const completionTokens = sum(outs.map((o) => o.tokens.length));
    const usage = { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
    const head = { id: `cmpl-${this.nextId++}`, object: 'text_completion', created: Math.floor(Date.now() / 1000), model: this.opts.model.name, system_fingerprint: null };
    if (!r.stream) return sendJson(res, 200, { ...head, choices, usage });
    const events: object[] = choices.map((c) => ({ ...head, choices: [c] }));
    if (r.stream_options?.include_usage) events.push({ ...head, choices: [], usage });
    sendEvents(res, events);
  }
}

const ROUTES: Record<string, { method: 'GET' | 'POST' }> = {
  '/v1/models': { method: 'GET' },
  '/v1/chat/completions': { method: 'POST' },
  '/v1/completions': { method: 'POST' },
  [UPDATE_WEIGHTS_PATH]: { method: 'POST' },
};

function stopStrings(stop: string | string[] | null | undefined): string[] {
  if (stop === null || stop === undefined) return [];
  return typeof stop === 'string' ? [stop] : stop;
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}
