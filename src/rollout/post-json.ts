/**
 * One JSON POST with a time-out and bounded retries, for the clients of inference servers (rollouts, weight sync).
 * Network errors, time-outs, 408, 429 and 5xx are retried with exponential backoff (or the server's Retry-After, if
 * longer); any other answer is final.
 */
export interface PostOptions {
  headers: Record<string, string>;
  /** One attempt's limit, from sending the request to reading the whole answer. */
  timeoutMs: number;
  /** Attempts after the first. */
  maxRetries: number;
  /** The first retry waits this long; each further one twice as long. */
  retryBaseMs: number;
}

/** A server's final answer other than 2xx (or an unusable 2xx), or the last error after the retries. */
export class PostError extends Error {
  override readonly name = 'PostError';
  constructor(
    message: string,
    /** The HTTP status of a final answer; null when the server never answered (network error, time-out). */
    readonly status: number | null,
  ) {
    super(message);
  }
}

export async function postJson(url: string, body: object, opts: PostOptions): Promise<unknown> {
  let lastError = '';
  let lastStatus: number | null = null;
  for (let attempt = 0; attempt <= opts.maxRetries; attempt++) {
    let retryAfterMs = 0;
    try {
      const res = await fetch(url, { method: 'POST', headers: opts.headers, body: JSON.stringify(body), signal: AbortSignal.timeout(opts.timeoutMs) });
      const text = await res.text();
      if (res.ok) {
        try {
          return JSON.parse(text);
        } catch {
          throw new PostError(`${url} answered ${res.status} with a body that is not JSON: ${text.slice(0, 200)}`, res.status);
        }
      }
      const message = `${url} answered ${res.status}: ${errorMessage(text)}`;
      if (!(res.status === 408 || res.status === 429 || res.status >= 500)) throw new PostError(message, res.status);
      lastError = message;
      lastStatus = res.status;
      retryAfterMs = 1000 * (Number(res.headers.get('retry-after')) || 0);
    } catch (err) {
      if (err instanceof PostError) throw err;
      const e = err as Error & { cause?: Error };
      lastError = e.name === 'TimeoutError' ? `${url}: no answer within ${opts.timeoutMs} ms` : `${url}: ${e.message}${e.cause ? ` (${e.cause.message})` : ''}`;
      lastStatus = null;
    }
    if (attempt < opts.maxRetries) await sleep(Math.max(opts.retryBaseMs * 2 ** attempt, retryAfterMs));
  }
  throw new PostError(`${lastError} (gave up after ${opts.maxRetries + 1} attempts)`, lastStatus);
}

/** The message of an error body: OpenAI's `{error: {message}}`, vLLM's `{error: "..."}`, SGLang's `{message}`, or the text. */
export function errorMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown };
    if (typeof body.error === 'string') return body.error;
    if (typeof body.error?.message === 'string') return body.error.message;
    if (typeof body.message === 'string') return body.message;
  } catch {
    // not JSON: the text itself
  }
  return text.slice(0, 500);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
