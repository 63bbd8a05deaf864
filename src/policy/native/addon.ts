/**
 * Loads the native policy addon (native/, built at install time by scripts/build-native.mjs where libtorch is
 * installed) and says why it is unavailable where it is not. Nothing here throws: callers pick the portable
 * back end when `available` is false, and `seeupo doctor` prints the reason.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { ModelConfig } from '../learner.js';

/** Named arrays in weight-layout order, float32 (or float64 for a float64 model). */
export type NamedArrays = Record<string, Float32Array | Float64Array>;

/** The addon's model: every method runs on the model's own native thread, in call order. */
export interface NativeModel {
  setWeights(weights: NamedArrays): Promise<void>;
  getWeights(): Promise<NamedArrays>;
  /** Gradients accumulated since the last optimizer step (zeros where none). */
  getGrads(): Promise<NamedArrays>;
  getOptimizerState(): Promise<{ step: number; expAvg: NamedArrays; expAvgSq: NamedArrays }>;
  setOptimizerState(step: number, expAvg: NamedArrays, expAvgSq: NamedArrays): Promise<void>;
  /** Sequences packed end to end; returns the scored tokens' log-probs packed the same way. */
  logprobs(tokens: Int32Array, lengths: Int32Array, responseStarts: Int32Array): Promise<Float32Array | Float64Array>;
  forwardBackward(
    tokens: Int32Array,
    lengths: Int32Array,
    responseStarts: Int32Array,
    dLdLogp: Float32Array | Float64Array,
  ): Promise<Float32Array | Float64Array>;
  /** maxGradNorm <= 0: no clipping. `step`: optimizer steps taken so far, skipped ones excluded. */
  optimStep(
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    weightDecay: number,
    maxGradNorm: number,
  ): Promise<{ gradNorm: number; skipped: boolean; step: number }>;
  /** Log-probs like `logprobs`; their graph is kept for `backwardKept` (one forward per optimizer step). */
  forwardKeep(tokens: Int32Array, lengths: Int32Array, responseStarts: Int32Array): Promise<Float32Array | Float64Array>;
  /** Back-propagates through the kept graph (gradients accumulate); null drops the graph. */
  backwardKept(dLdLogp: Float32Array | Float64Array | null): Promise<void>;
  /**
   * rngStates: each prompt's xoshiro128** state (Rng.getState().s), 4 words per prompt. sessions: one id per
   * prompt ('' for none): a session's cached prefix is reused and its new cache kept. `reused`: prompt tokens per
   * prompt taken from its session's cache.
   */
  sample(
    tokens: Int32Array,
    lengths: Int32Array,
    maxTokens: number,
    temperature: number,
    topP: number,
    stopTokens: Int32Array,
    rngStates: Uint32Array,
    sessions?: string[],
  ): Promise<{ tokens: Int32Array; logprobs: Float32Array; lengths: Int32Array; stopped: Uint8Array; reused: Int32Array }>;
  endSessions(ids: string[]): Promise<void>;
  /** Least recently used sessions are evicted beyond this many bytes of cached keys and values. */
  setSessionBudget(bytes: number): Promise<void>;
  sessionStats(): Promise<{ sessions: number; bytes: number }>;
  dispose(): Promise<void>;
}

export interface NativeRuntimeInfo {
  torchVersion: string;
  /** OpenBLAS's configuration string, or a note that another (slower) BLAS is in use. */
  blas: string;
  /** at::get_parallel_info(). */
  parallel: string;
}

export interface NativeBinding {
  /** `float64` computes in double precision (used by the finite-difference gradient test). */
  Model: new (config: ModelConfig, threads: number, float64: boolean) => NativeModel;
  runtimeInfo(): NativeRuntimeInfo;
}

export type NativeAvailability = { available: true; binding: NativeBinding; path: string } | { available: false; reason: string };

/** <package root>/native/build/Release/seeupo_native.node, seen from dist/src/policy/native/ or src/policy/native/. */
export function nativeAddonPath(): string {
  const candidates = ['../../../../', '../../../'].map((up) => fileURLToPath(new URL(`${up}native/build/Release/seeupo_native.node`, import.meta.url)));
  return candidates.find((p) => existsSync(p)) ?? candidates[0]!;
}

/** Where Debian's libtorch-dev puts what the build needs (the same check as scripts/build-native.mjs). */
export function libtorchInstalled(): boolean {
  const header = '/usr/include/torch/csrc/api/include/torch/torch.h';
  const libDirs = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib', '/usr/local/lib'];
  return existsSync(header) && libDirs.some((dir) => existsSync(`${dir}/libtorch_cpu.so`));
}

const INSTALL_HINT = 'apt-get install -y --no-install-recommends libtorch-dev libopenblas0-pthread';

let cached: NativeAvailability | undefined;

/** Loads the addon once per process. */
export function loadNativeAddon(): NativeAvailability {
  cached ??= tryLoad();
  return cached;
}

function tryLoad(): NativeAvailability {
  const path = nativeAddonPath();
  if (!existsSync(path)) {
    if (process.platform !== 'linux') return { available: false, reason: `the native back end needs Linux with libtorch (this is ${process.platform})` };
    if (!libtorchInstalled()) return { available: false, reason: `libtorch is not installed (${INSTALL_HINT}, then node scripts/build-native.mjs)` };
    return { available: false, reason: `libtorch is installed but the addon is not built (${path} is missing): run node scripts/build-native.mjs` };
  }
  // Both are read when the addon's libraries load. OpenBLAS: torch does not bound OpenBLAS's own threads (the model
  // also pins it to one), and this keeps it from starting a pool it never uses. OpenMP (torch's intra-op threads):
  // spinning idle threads made 2-thread training 3-5x slower on a busy 2-core machine (2.4-4.1 s/step instead of
  // 0.7-0.9 s); sleeping ones cost little when the machine is idle. Either can be overridden from the environment.
  process.env.OPENBLAS_NUM_THREADS ??= '1';
  process.env.OMP_WAIT_POLICY ??= 'PASSIVE';
  try {
    const binding = createRequire(import.meta.url)(path) as NativeBinding;
    return { available: true, binding, path };
  } catch (e) {
    return { available: false, reason: `cannot load ${path}: ${(e as Error).message}` };
  }
}
