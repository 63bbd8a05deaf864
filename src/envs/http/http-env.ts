/**
 * An environment behind the env-service HTTP API (AgentEvolver's, served by `seeupo env serve` or by a Python
 * service): one instance per episode, created on reset and released on close. Time-outs and bounded retries, and no
 * silent fallback: a call that fails after its retries throws, which fails the episode (AgentEvolver's own client
 * answers failures with made-up messages and a reward of 0 instead).
 *
 * Retries are only where repeating cannot act twice: `create`, `evaluate` and `release` on network errors, time-outs,
 * 429 and 5xx; `step` only when the service refused it unread (connection refused, 429, 503).
 */
import { z } from 'zod';
import { parseConfig } from '../../core/config.js';
import type { AssistantMessage, ChatMessage, ToolSpec } from '../../core/messages.js';
import { actionText, fromWire, structuredAction } from '../../serve/env-protocol.js';
import type { Env, EnvEvaluation, EnvReset, EnvStep } from '../env.js';

export const httpEnvOptionsSchema = z.strictObject({
  /** The service root, e.g. `http://127.0.0.1:8001`. */
  baseUrl: z.url({ protocol: /^https?$/ }),
  /** The service's `env_type`. */
  envType: z.string().min(1),
  /**
   * How assistant messages are sent: 'structured' (content plus OpenAI-style `tool_calls`, exact) or 'text' (Qwen
   * `<tool_call>` blocks in the content, for AgentEvolver's Python environments, which parse the text).
   */
  action: z.enum(['structured', 'text']).default('structured'),
  /** One attempt's limit. */
  timeoutMs: z.number().int().positive().default(60_000),
  maxRetries: z.number().int().min(0).max(10).default(3),
  retryBaseMs: z.number().min(0).default(500),
});
export type HttpEnvOptions = z.input<typeof httpEnvOptionsSchema>;

/** A task as the service knows it: its id (a BFCL entry or a generated task carries one). */
export type HttpTask = string | { readonly id: string };

export class HttpEnvError extends Error {
  override readonly name = 'HttpEnvError';
}

export class HttpEnv implements Env<HttpTask> {
  private readonly opts: z.output<typeof httpEnvOptionsSchema>;
  private instanceId: string | null = null;

  constructor(options: HttpEnvOptions) {
    this.opts = parseConfig(httpEnvOptionsSchema, options, 'HTTP environment options');
  }

  async reset(task: HttpTask): Promise<EnvReset> {
    if (this.instanceId !== null) await this.close();
    const taskId = typeof task === 'string' ? task : task.id;
    const data = (await this.call('create', { env_type: this.opts.envType, task_id: taskId }, true)) as { state?: unknown; info?: { instance_id?: unknown; tools?: unknown } };
    const id = data?.info?.instance_id;
    if (typeof id !== 'string') throw new HttpEnvError(`${this.url('create')} answered without info.instance_id`);
    this.instanceId = id;
    return { messages: this.messages(data.state, 'create'), tools: this.tools(data.info?.tools, 'create') ?? [] };
  }

  async step(message: AssistantMessage): Promise<EnvStep> {
    const action = this.opts.action === 'text' ? { role: 'assistant', content: actionText(message) } : { role: 'assistant', ...structuredAction(message) };
    const data = (await this.call('step', { instance_id: this.requireInstance(), messages: action }, false)) as {
      state?: unknown;
      is_terminated?: unknown;
      info?: { truncated?: unknown; tools?: unknown };
    };
    if (typeof data?.is_terminated !== 'boolean') throw new HttpEnvError(`${this.url('step')} answered without a boolean is_terminated`);
    const out: { messages: ChatMessage[]; done: boolean; truncated: boolean; tools?: ToolSpec[] } = {
      messages: this.messages(data.state, 'step'),
      done: data.is_terminated,
      truncated: data.info?.truncated === true,
    };
    const tools = this.tools(data.info?.tools, 'step');
    if (tools) out.tools = tools;
    return out;
  }

  async evaluate(): Promise<EnvEvaluation> {
    const data = await this.call('evaluate', { instance_id: this.requireInstance(), params: { detailed: true } }, true);
    // A Python service answers the score alone.
    if (typeof data === 'number') return { score: data, success: data >= 1, details: {} };
    const d = data as { score?: unknown; success?: unknown; details?: unknown };
    if (typeof d?.score !== 'number' || typeof d.success !== 'boolean') throw new HttpEnvError(`${this.url('evaluate')} answered neither a score nor {score, success, details}`);
    return { score: d.score, success: d.success, details: (d.details ?? {}) as Record<string, unknown> };
  }

  async close(): Promise<void> {
    const id = this.instanceId;
    if (id === null) return;
    this.instanceId = null;
    await this.call('release', { instance_id: id }, true);
  }

  private requireInstance(): string {
    if (this.instanceId === null) throw new HttpEnvError('no episode: call reset first');
    return this.instanceId;
  }

  private url(route: string): string {
    return `${this.opts.baseUrl.replace(/\/+$/, '')}/${route}`;
  }

  private messages(state: unknown, route: string): ChatMessage[] {
    if (!Array.isArray(state)) throw new HttpEnvError(`${this.url(route)} answered without a state list`);
    return state.map((m, i) => {
      try {
        return fromWire(m, `state.${i}`);
      } catch (e) {
        throw new HttpEnvError(`${this.url(route)}: ${(e as Error).message}`);
      }
    });
  }

  private tools(tools: unknown, route: string): ToolSpec[] | undefined {
    if (tools === undefined) return undefined;
    if (!Array.isArray(tools) || tools.some((t) => typeof t !== 'object' || t === null)) throw new HttpEnvError(`${this.url(route)}: info.tools is not a list of tool objects`);
    return tools as ToolSpec[];
  }

  /** POSTs the body and returns `data`; `idempotent` says whether a call that may have run can be repeated. */
  private async call(route: string, body: object, idempotent: boolean): Promise<unknown> {
    const url = this.url(route);
    let last = '';
    for (let attempt = 0; attempt <= this.opts.maxRetries; attempt++) {
      let retryAfterMs = 0;
      let retry = false;
      try {
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(this.opts.timeoutMs) });
        const text = await res.text();
        const json = parseJson(text);
        if (res.ok) {
          if (json === null) throw new HttpEnvError(`${url} answered 200 with a body that is not a JSON object: ${text.slice(0, 200)}`);
          if (route !== 'release' && json.success !== true) throw new HttpEnvError(`${url} answered success: ${JSON.stringify(json.success)}: ${JSON.stringify(json.detail ?? json.data)?.slice(0, 300)}`);
          return json.data;
        }
        last = `${url} answered ${res.status}: ${typeof json?.detail === 'string' ? json.detail : text.slice(0, 300)}`;
        retry = res.status === 429 || res.status === 503 || (idempotent && (res.status === 408 || res.status >= 500));
        retryAfterMs = 1000 * (Number(res.headers.get('retry-after')) || 0);
        if (!retry) throw new HttpEnvError(last);
      } catch (err) {
        if (err instanceof HttpEnvError) throw err;
        const e = err as Error & { cause?: { code?: string; message?: string } };
        last = e.name === 'TimeoutError' ? `${url}: no answer within ${this.opts.timeoutMs} ms` : `${url}: ${e.message}${e.cause?.message ? ` (${e.cause.message})` : ''}`;
        retry = idempotent || e.cause?.code === 'ECONNREFUSED';
        if (!retry) throw new HttpEnvError(`${last} (not retried: the service may have acted on it)`);
      }
      if (attempt < this.opts.maxRetries) await new Promise((r) => setTimeout(r, Math.max(this.opts.retryBaseMs * 2 ** attempt, retryAfterMs)));
    }
    throw new HttpEnvError(`${last} (gave up after ${this.opts.maxRetries + 1} attempts)`);
  }
}

type ServiceAnswer = { success?: unknown; data?: unknown; detail?: unknown };

/** The body as a JSON object, or null when it is not one. */
function parseJson(text: string): ServiceAnswer | null {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as ServiceAnswer) : null;
  } catch {
    return null;
  }
}
