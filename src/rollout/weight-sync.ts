/**
 * Weight sync with an inference server through SGLang's `POST /update_weights_from_disk` (`seeupo serve
 * --allow-weight-updates` offers the same): the trainer saves its weights to a directory the server can read and
 * asks the server to load them, so that the next rollouts sample from the weights being trained. vLLM has no stable
 * equivalent (its weight-reload routes are development-mode only), so against vLLM a run either restarts the server
 * or declares its rollouts off-policy.
 */
import { postJson, PostError, type PostOptions } from './post-json.js';

export class WeightSyncError extends Error {
  override readonly name = 'WeightSyncError';
  constructor(
    message: string,
    /** True when the server never answered (network error, time-out, 5xx after the retries): it may come back. */
    readonly unreachable: boolean,
  ) {
    super(message);
  }
}

/** The endpoint beside an OpenAI API root: `http://h:p/v1` → `http://h:p/update_weights_from_disk` (SGLang serves it at the root). */
export function updateWeightsUrl(baseUrl: string): string {
  return new URL('/update_weights_from_disk', baseUrl).href;
}

export async function updateWeightsFromDisk(baseUrl: string, dir: string, opts: PostOptions): Promise<void> {
  const url = updateWeightsUrl(baseUrl);
  let body: unknown;
  try {
    body = await postJson(url, { model_path: dir }, opts);
  } catch (e) {
    if (!(e instanceof PostError)) throw e;
    if (e.status === 404 || e.status === 405) {
      throw new WeightSyncError(
        `${url} does not exist (${e.status}): the server cannot load new weights, and rollouts would stay on its first weights. ` +
          "Use SGLang or 'seeupo serve --allow-weight-updates' (vLLM has no stable equivalent), or set rollout.policy.weightSync: none-off-policy",
        false,
      );
    }
    throw new WeightSyncError(`weight sync failed: ${e.message}`, e.status === null || e.status >= 500 || e.status === 408 || e.status === 429);
  }
  const answer = body as { success?: unknown; message?: unknown } | null;
  if (answer?.success !== true) {
    throw new WeightSyncError(`weight sync failed: ${url} answered ${JSON.stringify(body).slice(0, 300)}`, false);
  }
}
