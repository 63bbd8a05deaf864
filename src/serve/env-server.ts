/**
 * `seeupo env serve`: environments behind the env-service HTTP API of the SeeUPO authors' stack (AgentEvolver):
 * `GET /healthz`; `POST /create`, `/step`, `/evaluate`, `/get_info`, `/release`, `/get_env_profile` with bodies
 * `{env_type, task_id, instance_id, messages, params}` and answers `{success, data}`. Each instance is one episode
 * of one environment. Limits: body size, instances per client and in total, idle instances expire. A bad request
 * gets a 4xx `{success: false, detail}` with a clear message, never a stack trace.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { formatIssues } from '../core/config.js';
import { UserError } from '../core/errors.js';
import type { BfclEntry } from '../envs/bfcl/data.js';
import type { Env } from '../envs/env.js';
import type { ServedEnvType } from './env-catalog.js';
import { assistantActionSchema, fromAction, toWire } from './env-protocol.js';
import { HttpError, readJsonBody, sendJson } from './http.js';

export interface EnvServerOptions {
  envType: ServedEnvType;
  maxBodyBytes?: number;
  /** Live instances in all. */
  maxInstances?: number;
  /** Live instances created from one client address. */
  maxInstancesPerClient?: number;
  /** An instance untouched this long is released. */
  idleMs?: number;
  /** Most task ids `get_env_profile` lists. */
  maxProfileTasks?: number;
}

export const ENV_SERVE_DEFAULTS = { maxBodyBytes: 1 << 20, maxInstances: 1024, maxInstancesPerClient: 512, idleMs: 600_000, maxProfileTasks: 10_000 };

interface Instance {
  readonly env: Env<BfclEntry>;
  readonly taskId: string;
  readonly client: string;
  lastUsed: number;
  done: boolean;
  tools: unknown[];
  /** Calls on one instance run one after another. */
  queue: Promise<unknown>;
}

const request = z.object({
  env_type: z.string().nullish(),
  task_id: z.string().nullish(),
  instance_id: z.string().max(200).nullish(),
  messages: z.unknown().optional(),
  params: z.record(z.string(), z.unknown()).nullish(),
});
type EnvRequest = z.output<typeof request>;

export class EnvServer {
  readonly http: Server;
  readonly stats = { requests: 0, statuses: {} as Record<number, number>, internalErrors: 0, envErrors: 0, created: 0, released: 0, expired: 0 };
  private readonly opts: Required<EnvServerOptions>;
  private readonly instances = new Map<string, Instance>();
  private nextId = 0;
  private readonly sweeper: NodeJS.Timeout;

  constructor(options: EnvServerOptions) {
    this.opts = { ...ENV_SERVE_DEFAULTS, ...options };
    this.http = createServer((req, res) => void this.handle(req, res));
    this.http.requestTimeout = 30_000;
    this.http.headersTimeout = 10_000;
    this.sweeper = setInterval(() => this.expireIdle(), Math.max(10, Math.min(60_000, this.opts.idleMs / 2)));
    this.sweeper.unref();
  }

  get liveInstances(): number {
    return this.instances.size;
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.http.once('error', (e: NodeJS.ErrnoException) => reject(new UserError(`cannot listen on ${host}:${port}: ${e.message}`)));
      this.http.listen(port, host, () => resolve(this.http.address() as AddressInfo));
    });
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    for (const id of [...this.instances.keys()]) await this.release(id);
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  /** Releases instances idle for longer than `idleMs`. */
  expireIdle(now = Date.now()): void {
    for (const [id, inst] of this.instances) {
      if (now - inst.lastUsed > this.opts.idleMs) {
        this.stats.expired++;
        void this.release(id);
      }
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.stats.requests++;
    res.on('finish', () => (this.stats.statuses[res.statusCode] = (this.stats.statuses[res.statusCode] ?? 0) + 1));
    try {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      if (path === '/healthz') {
        if (req.method !== 'GET') throw new HttpError(405, '/healthz takes GET', 'invalid_request_error', { allow: 'GET' });
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('OK');
        return;
      }
      const route = this.routes[path];
      if (!route) throw new HttpError(404, `no route ${path} (routes: /healthz, ${Object.keys(this.routes).join(', ')})`);
      if (req.method !== 'POST') throw new HttpError(405, `${path} takes POST, not ${req.method}`, 'invalid_request_error', { allow: 'POST' });
      const parsed = request.safeParse(await readJsonBody(req, this.opts.maxBodyBytes));
      if (!parsed.success) throw new HttpError(400, `invalid request:\n${formatIssues(parsed.error.issues)}`);
      const client = req.socket.remoteAddress ?? 'unknown';
      sendJson(res, 200, await route(parsed.data, client));
    } catch (err) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof HttpError) sendJson(res, err.status, { success: false, detail: err.message }, err.headers);
      else {
        this.stats.internalErrors++;
        process.stderr.write(`seeupo env serve: internal error: ${(err as Error).stack ?? String(err)}\n`);
        sendJson(res, 500, { success: false, detail: 'internal error (see the server log)' });
      }
    }
  }

  private readonly routes: Record<string, (r: EnvRequest, client: string) => Promise<object>> = {
    '/create': (r, client) => this.create(r, client),
    '/step': (r) => this.onInstance(r, (id, inst) => this.step(id, inst, r.messages)),
    '/evaluate': (r) => this.onInstance(r, (_, inst) => this.evaluate(inst, r.params ?? {})),
    '/get_info': (r) => this.onInstance(r, async (id, inst) => ({ success: true, data: { instance_id: id, task_id: inst.taskId, env_type: this.opts.envType.name, tools: inst.tools, is_terminated: inst.done } })),
    '/release': async (r) => {
      const id = requireField(r.instance_id, 'instance_id');
      return { success: await this.release(id), data: null };
    },
    '/get_env_profile': async (r) => {
      this.checkEnvType(r.env_type);
      const split = r.params?.['split'] ?? 'train';
      const count = r.params?.['count'] ?? 100;
      if (typeof split !== 'string') throw new HttpError(400, 'params.split must be a string');
      if (!Number.isInteger(count) || (count as number) < 0 || (count as number) > this.opts.maxProfileTasks) {
        throw new HttpError(400, `params.count must be an integer in [0, ${this.opts.maxProfileTasks}]`);
      }
      const ids = this.opts.envType.taskIds(split, count as number);
      if (ids === null) throw new HttpError(400, `env_type '${this.opts.envType.name}' has no split '${split}'`);
      return { success: true, data: ids };
    },
  };

  private checkEnvType(envType: string | null | undefined): void {
    const name = requireField(envType, 'env_type');
    if (name !== this.opts.envType.name) throw new HttpError(400, `unknown env_type '${name}': this service serves '${this.opts.envType.name}'`);
  }

  private async create(r: EnvRequest, client: string): Promise<object> {
    this.checkEnvType(r.env_type);
    const taskId = requireField(r.task_id, 'task_id');
    if (r.params && Object.keys(r.params).length > 0) throw new HttpError(400, `create takes no params (got ${Object.keys(r.params).join(', ')})`);
    const task = this.opts.envType.task(taskId);
    if (!task) throw new HttpError(404, `no task '${taskId}' in env_type '${this.opts.envType.name}'`);
    if (this.instances.size >= this.opts.maxInstances) throw new HttpError(429, `${this.instances.size} instances are live, the limit; release some first`, 'limit', { 'retry-after': '1' });
    let mine = 0;
    for (const inst of this.instances.values()) if (inst.client === client) mine++;
    if (mine >= this.opts.maxInstancesPerClient) throw new HttpError(429, `this client has ${mine} live instances, the limit; release some first`, 'limit', { 'retry-after': '1' });
    const id = r.instance_id ?? `${this.opts.envType.name}-${this.nextId++}`;
    if (this.instances.has(id)) throw new HttpError(409, `instance '${id}' exists`);
    const env = this.opts.envType.makeEnv();
    const inst: Instance = { env, taskId, client, lastUsed: Date.now(), done: false, tools: [], queue: Promise.resolve() };
    this.instances.set(id, inst);
    this.stats.created++;
    try {
      const reset = await this.envCall('reset', () => env.reset(task));
      inst.tools = [...reset.tools];
      return { success: true, data: { state: reset.messages.map(toWire), reward: 0, is_terminated: false, info: { instance_id: id, task_id: taskId, tools: inst.tools } } };
    } catch (e) {
      await this.release(id);
      throw e;
    }
  }

  /** Runs `fn` on the request's instance after the instance's earlier calls. */
  private onInstance(r: EnvRequest, fn: (id: string, inst: Instance) => Promise<object>): Promise<object> {
    const id = requireField(r.instance_id, 'instance_id');
    const inst = this.instances.get(id);
    if (!inst) throw new HttpError(404, `no instance '${id}' (never created, released, or expired after ${this.opts.idleMs} ms idle)`);
    inst.lastUsed = Date.now();
    const run = inst.queue.then(() => fn(id, inst));
    inst.queue = run.catch(() => undefined);
    return run;
  }

  private async step(id: string, inst: Instance, messages: unknown): Promise<object> {
    if (inst.done) throw new HttpError(409, `instance '${id}' has terminated; evaluate or release it`);
    const action = assistantActionSchema.safeParse(messages);
    if (!action.success) throw new HttpError(400, `messages must be the assistant's message:\n${formatIssues(action.error.issues)}`);
    const message = fromAction(action.data);
    if ('error' in message) throw new HttpError(400, `messages.${message.error}`);
    const out = await this.envCall('step', () => inst.env.step(message));
    inst.done = out.done;
    if (out.tools) inst.tools = [...out.tools];
    const info: Record<string, unknown> = { instance_id: id, task_id: inst.taskId, truncated: out.truncated };
    if (out.tools) info['tools'] = inst.tools;
    const reward = out.done ? (await this.envCall('evaluate', () => inst.env.evaluate())).score : 0;
    return { success: true, data: { state: out.messages.map(toWire), reward, is_terminated: out.done, info } };
  }

  /** A score, as AgentEvolver's services answer; `params.detailed: true` gives `{score, success, details}`. */
  private async evaluate(inst: Instance, params: Record<string, unknown>): Promise<object> {
    const detailed = params['detailed'];
    if (detailed !== undefined && typeof detailed !== 'boolean') throw new HttpError(400, 'params.detailed must be a boolean');
    const ev = await this.envCall('evaluate', () => inst.env.evaluate());
    return { success: true, data: detailed ? { score: ev.score, success: ev.success, details: ev.details } : ev.score };
  }

  /** An environment that throws is answered 500 with its message (the stack goes to the log), so the client's episode fails with it. */
  private async envCall<T>(what: string, fn: () => T | Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      this.stats.envErrors++;
      process.stderr.write(`seeupo env serve: the environment's ${what} failed: ${(e as Error).stack ?? String(e)}\n`);
      throw new HttpError(500, `the environment's ${what} failed: ${(e as Error).message ?? String(e)}`, 'env_error');
    }
  }

  private async release(id: string): Promise<boolean> {
    const inst = this.instances.get(id);
    if (!inst) return false;
    this.instances.delete(id);
    this.stats.released++;
    await inst.queue;
    try {
      await inst.env.close();
    } catch {
      // The instance is gone either way; a failing close cannot be answered better.
    }
    return true;
  }
}

function requireField(value: string | null | undefined, name: string): string {
  if (value === null || value === undefined || value.length === 0) throw new HttpError(400, `${name} is required`);
  return value;
}
