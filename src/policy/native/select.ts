/**
 * Which local policy back end runs here: the native libtorch one where its addon is built (PyTorch's speed),
 * otherwise the portable TensorFlow.js one, which works wherever `npm install` works. `seeupo doctor` prints the
 * same statuses with the reason a back end is unavailable.
 */
import { UserError } from '../../core/errors.js';
import type { Learner, ModelConfig } from '../learner.js';
import { initWasmBackend, tf } from '../tfjs/backend.js';
import { TfjsLearner } from '../tfjs/learner.js';
import { loadNativeAddon } from './addon.js';
import { NativeLearner } from './native-learner.js';

export type LocalBackend = 'native' | 'tfjs';
export const LOCAL_BACKENDS: readonly LocalBackend[] = ['native', 'tfjs'];

export interface BackendStatus {
  backend: LocalBackend;
  available: boolean;
  /** What runs (versions, BLAS, addon path) when available; why not otherwise. */
  detail: string;
}

export function nativeStatus(): BackendStatus {
  const addon = loadNativeAddon();
  if (!addon.available) return { backend: 'native', available: false, detail: addon.reason };
  const info = addon.binding.runtimeInfo();
  return { backend: 'native', available: true, detail: `libtorch ${info.torchVersion}, BLAS ${info.blas} (${addon.path})` };
}

export async function tfjsStatus(): Promise<BackendStatus> {
  try {
    await initWasmBackend();
    return { backend: 'tfjs', available: true, detail: `TensorFlow.js ${tf.version.tfjs} on WebAssembly` };
  } catch (e) {
    return { backend: 'tfjs', available: false, detail: (e as Error).message };
  }
}

export async function localBackendStatuses(): Promise<BackendStatus[]> {
  return [nativeStatus(), await tfjsStatus()];
}

/** 'auto': native where its addon loads, else tfjs. Naming an unavailable back end is a UserError saying why. */
export function chooseLocalBackend(preference: LocalBackend | 'auto'): LocalBackend {
  if (preference === 'tfjs') return 'tfjs';
  const native = nativeStatus();
  if (preference === 'native' && !native.available) throw new UserError(`the native back end is unavailable: ${native.detail}`);
  return native.available ? 'native' : 'tfjs';
}

export interface LocalLearnerOptions {
  config: ModelConfig;
  /** Seed of the initial weights (the same weights in either back end). */
  seed: number;
  /** Threads to compute on (each back end's default when absent). */
  threads?: number;
  /** Default 'auto'. */
  backend?: LocalBackend | 'auto';
}

export async function createLocalLearner(opts: LocalLearnerOptions): Promise<Learner> {
  const { config, seed, threads } = opts;
  const chosen = chooseLocalBackend(opts.backend ?? 'auto');
  const common = threads === undefined ? { config, seed } : { config, seed, threads };
  return chosen === 'native' ? NativeLearner.create(common) : TfjsLearner.create(common);
}
