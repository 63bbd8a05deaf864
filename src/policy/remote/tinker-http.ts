/**
 * The HTTP side of the Tinker protocol: JSON POSTs with bounded retries, and futures awaited through
 * `retrieve_future`. What is retried follows the Tinker SDK: connection errors, 408, 409, 429 and 5xx for a
 * request; for a future, 408 ("not ready yet, ask again") and polls that outlast the request timeout without limit
 * until the future's deadline, 5xx and connection errors with backoff. Everything else fails at once with the server's `detail`. A retried request
 * carries the same body (and so the same `seq_id`): a server that deduplicates on it never applies it twice.
 *
 * The API key goes in the `X-API-Key` header only; no error message or log line contains it.
 */
import http from 'node:http';
import https from 'node:https';

export interface RetryOptions {
  /** Attempts per request, the first included (default 6). */
  maxAttempts?: number;
  /** First backoff delay; it doubles per retry up to maxDelayMs (defaults 250 ms and 8 s). */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export interface TinkerHttpOptions {
  baseUrl: string;
  apiKey?: string;
  retry?: RetryOptions;
  /** Per HTTP request, a long poll included (default 120 s). */
  requestTimeoutMs?: number;
  /** How long one future may take in all (default 1 h). */
  futureTimeoutMs?: number;
}

/** A failed Tinker call; the message names the call and carries the server's reason. */
export class TinkerError extends Error {
  override readonly name = 'TinkerError';
  constructor(
    message: string,
    /** HTTP status of the final answer; undefined for connection errors and timeouts. */
    readonly status?: number,
  ) {
    super(message);
  }
}

interface RawResponse {
  status: number;
  body: unknown;
}

/** Connection errors that mean the request never reached a server. */
const NOT_DELIVERED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

type ConnectionError = Error & { maybeDelivered?: boolean; timedOut?: boolean };

const RETRYABLE_STATUS = (s: number) => s === 408 || s === 409 || s === 429 || (s >= 500 && s < 600);

export class TinkerHttp {
  private readonly url: URL;
  private readonly agent: http.Agent;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly requestTimeoutMs: number;
  private readonly futureTimeoutMs: number;

  constructor(private readonly opts: TinkerHttpOptions) {
    this.url = new URL(opts.baseUrl.endsWith('/') ? opts.baseUrl : `${opts.baseUrl}/`);
    if (this.url.protocol !== 'http:' && this.url.protocol !== 'https:') throw new TinkerError(`tinker: baseUrl must be http(s), got '${opts.baseUrl}'`);
    this.agent = this.url.protocol === 'https:' ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
    this.maxAttempts = opts.retry?.maxAttempts ?? 6;
    this.baseDelayMs = opts.retry?.baseDelayMs ?? 250;
    this.maxDelayMs = opts.retry?.maxDelayMs ?? 8000;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 120_000;
    this.futureTimeoutMs = opts.futureTimeoutMs ?? 3_600_000;
    if (!Number.isInteger(this.maxAttempts) || this.maxAttempts < 1) throw new TinkerError(`tinker: retry.maxAttempts must be an integer >= 1, got ${this.maxAttempts}`);
  }

  /**
   * POST with retries; returns the parsed JSON of a 2xx answer. `call` names the operation in errors. With
   * `resendUnconfirmed` false, a connection that fails after the request may have reached the server (reset, timeout)
   * is not retried: for servers that do not deduplicate `seq_id`, where a resend could apply a step twice.
   */
  async post(path: string, body: unknown, call: string, resendUnconfirmed = true, maxAttempts = this.maxAttempts): Promise<unknown> {
    let lastFailure = '';
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      if (attempt > 0) await sleep(this.backoff(attempt - 1));
      let res: RawResponse;
      try {
        res = await this.send(path, body);
      } catch (e) {
        lastFailure = (e as Error).message;
        if (!resendUnconfirmed && (e as ConnectionError).maybeDelivered) {
          throw new TinkerError(`tinker ${call}: the connection failed after the request may have reached the server (${lastFailure}); not resent, so it cannot be applied twice`);
        }
        continue;
      }
      if (res.status >= 200 && res.status < 300) return res.body;
      const reason = `HTTP ${res.status}: ${detailOf(res.body)}`;
      if (!RETRYABLE_STATUS(res.status)) throw new TinkerError(`tinker ${call}: ${reason}${hintFor(res.status)}`, res.status);
      lastFailure = reason;
    }
    throw new TinkerError(`tinker ${call}: gave up after ${maxAttempts} attempts; last: ${lastFailure}`);
  }

  /**
   * Posts a request that answers with a future (`{request_id}`), then waits for the future's result. A result of
   * `{type: "try_again"}` means ask again; `{error}` in a 200 (hosted Tinker) or a 400 (SkyRL) is a failed request.
   */
  async call(path: string, body: unknown, call: string, resendUnconfirmed = true): Promise<unknown> {
    const created = await this.post(path, body, call, resendUnconfirmed);
    const id = (created as { request_id?: unknown } | null)?.request_id;
    if (typeof id !== 'string' && typeof id !== 'number') throw new TinkerError(`tinker ${call}: the server answered without a request_id`);
    return this.retrieve(String(id), call);
  }

  async retrieve(requestId: string, call: string): Promise<unknown> {
    const what = `${call} (future ${requestId})`;
    const deadline = Date.now() + this.futureTimeoutMs;
    let failures = 0;
    let lastFailure = '';
    for (;;) {
      if (Date.now() > deadline) throw new TinkerError(`tinker ${what}: no result after ${this.futureTimeoutMs} ms`);
      let res: RawResponse | null = null;
      try {
        res = await this.send('api/v1/retrieve_future', { request_id: requestId });
      } catch (e) {
        // A poll that outlasts requestTimeoutMs is a long poll, not a failure (SkyRL holds one for 300 s).
        if ((e as ConnectionError).timedOut) continue;
        lastFailure = (e as Error).message;
      }
      if (res?.status === 408) continue; // the long poll ran out: not ready yet
      if (res && res.status >= 200 && res.status < 300) {
        const r = res.body as Record<string, unknown> | null;
        if (r && r.type === 'try_again') continue;
        if (r && 'error' in r) throw new TinkerError(`tinker ${what}: the request failed: ${String(r.error)}`, res.status);
        return res.body;
      }
      if (res && !(res.status >= 500 && res.status < 600) && res.status !== 429) {
        throw new TinkerError(`tinker ${what}: HTTP ${res.status}: ${detailOf(res.body)}${hintFor(res.status)}`, res.status);
      }
      if (res) lastFailure = `HTTP ${res.status}: ${detailOf(res.body)}`;
      if (++failures >= this.maxAttempts) throw new TinkerError(`tinker ${what}: gave up after ${failures} failed attempts; last: ${lastFailure}`);
      await sleep(this.backoff(failures - 1));
    }
  }

  close(): void {
    this.agent.destroy();
  }

  private backoff(retry: number): number {
    return Math.min(this.baseDelayMs * 2 ** retry, this.maxDelayMs);
  }

  private send(path: string, body: unknown): Promise<RawResponse> {
    const target = new URL(path, this.url);
    const payload = Buffer.from(JSON.stringify(body));
    const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': payload.length };
    if (this.opts.apiKey) headers['x-api-key'] = this.opts.apiKey;
    const lib = target.protocol === 'https:' ? https : http;
    return new Promise<RawResponse>((resolve, reject) => {
      const req = lib.request(target, { method: 'POST', headers, agent: this.agent, timeout: this.requestTimeoutMs }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(parts).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = text.length > 0 ? JSON.parse(text) : null;
          } catch {
            // Not JSON (a proxy's error page): keep the text for the error message.
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      });
      req.on('timeout', () => {
        const err: ConnectionError = new Error(`no answer within ${this.requestTimeoutMs} ms`);
        err.timedOut = true;
        err.maybeDelivered = true;
        req.destroy(err);
      });
      req.on('error', (e: NodeJS.ErrnoException & ConnectionError) => {
        if (e.timedOut) return reject(e);
        const err: ConnectionError = new Error(e.code ? `${e.code} ${e.message}` : e.message);
        err.maybeDelivered = !NOT_DELIVERED.has(e.code ?? '');
        reject(err);
      });
      req.end(payload);
    });
  }
}

/** The reason a server gave: FastAPI's `detail` (a string or validation issues), else the body itself, shortened. */
function detailOf(body: unknown): string {
  const detail = (body as { detail?: unknown } | null)?.detail ?? body;
  const text = typeof detail === 'string' ? detail : JSON.stringify(detail);
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}

function hintFor(status: number): string {
  if (status === 401 || status === 403) return ' (check the TINKER_API_KEY environment variable)';
  if (status === 404) return ' (the server does not know this session, model or future: was it restarted? Resume from the last checkpoint with a new learner)';
  return '';
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
