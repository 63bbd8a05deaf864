/**
 * Runs the PyTorch CPU baseline (bench/pytorch_gpt.py) for the policy benchmarks, so every back end is compared
 * with PyTorch + OpenBLAS on the same shape, machine and run (design.md, "Benchmarks"). Where Debian's
 * `/usr/bin/python3` cannot import torch, or torch is not running on OpenBLAS (the reference BLAS is ~10× slower and
 * not a fair peer), the result is `{ missing: reason }`, never a guessed number.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OptimStepOptions } from '../src/policy/learner.js';

export interface PytorchBaselineOptions {
  vocabSize: number;
  contextLength: number;
  dModel: number;
  nLayers: number;
  nHeads: number;
  /** Sequences per training step, and prompts per generation run. */
  batch: number;
  /** torch intra-op threads (OpenBLAS itself runs on one thread: torch 1.13 does not bound OpenBLAS's threads). */
  threads: number;
  /** Timed training steps (default 10) after `warmupSteps` untimed ones (default 2). */
  steps?: number;
  warmupSteps?: number;
  /** Generation: prompt tokens and generated tokens per sequence (defaults 16 and 128). */
  promptLength?: number;
  genTokens?: number;
  /** Interpreter with python3-torch; default Debian's `/usr/bin/python3` (the python3 first on PATH may lack torch). */
  python?: string;
}

export interface PytorchBaselineNumbers {
  /** Training tokens per second: forward + backward + AdamW step, tokens = batch × contextLength. */
  trainTokPerSec: number;
  trainMsPerStep: number;
  /** Sampling tokens per second with a KV cache, tokens = batch × genTokens. */
  genTokPerSec: number;
  torchVersion: string;
  /** BLAS shared objects mapped into the Python process. */
  blasLibraries: string[];
  threads: number;
  params: number;
}

export type PytorchBaselineResult = PytorchBaselineNumbers | { missing: string };

/** Where bench/pytorch_gpt.py lives: next to this file when run from source, two levels up from dist/bench. */
export function pytorchScriptPath(): string {
  const candidates = ['../../bench/pytorch_gpt.py', './pytorch_gpt.py'].map((rel) => fileURLToPath(new URL(rel, import.meta.url)));
  const found = candidates.find((p) => existsSync(p));
  if (found === undefined) throw new Error(`bench/pytorch_gpt.py not found (looked at ${candidates.join(', ')})`);
  return found;
}

interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
  spawnError?: Error;
}

function runProcess(cmd: string, args: string[], onStderrLine?: (line: string) => void): Promise<ProcessResult> {
  return new Promise((resolve) => {
    // The same OpenMP wait policy the native back end sets for itself (src/policy/native/addon.ts): spinning idle
    // threads made 2-thread steps 3-5x slower on a busy machine, so a baseline without it is not a fair peer.
    const env = { ...process.env, OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'PASSIVE' };
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    let pending = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) onStderrLine?.(line);
    });
    child.on('error', (err) => resolve({ code: null, stdout, stderr, spawnError: err }));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return lines[lines.length - 1] ?? '';
}

/** Checks that `python -c 'import torch'` works; returns the reason when it does not. */
export async function pytorchUnavailableReason(python = '/usr/bin/python3'): Promise<string | null> {
  const r = await runProcess(python, ['-c', 'import torch']);
  if (r.spawnError) return `cannot run ${python}: ${r.spawnError.message}`;
  if (r.code !== 0) return `${python} -c 'import torch' failed: ${lastLine(r.stderr)} (apt-get install -y python3-torch libopenblas0-pthread)`;
  return null;
}

/** Runs the baseline; progress lines from the script go to `log`. */
export async function runPytorchBaseline(opts: PytorchBaselineOptions, log?: (line: string) => void): Promise<PytorchBaselineResult> {
  const python = opts.python ?? '/usr/bin/python3';
  const unavailable = await pytorchUnavailableReason(python);
  if (unavailable !== null) return { missing: unavailable };
  const args = [
    pytorchScriptPath(),
    ['--vocab', opts.vocabSize],
    ['--ctx', opts.contextLength],
    ['--d-model', opts.dModel],
    ['--layers', opts.nLayers],
    ['--heads', opts.nHeads],
    ['--batch', opts.batch],
    ['--threads', opts.threads],
    ['--steps', opts.steps ?? 10],
    ['--warmup', opts.warmupSteps ?? 2],
    ['--prompt-len', opts.promptLength ?? 16],
    ['--gen-tokens', opts.genTokens ?? 128],
  ].flat().map(String);
  const r = await runProcess(python, args, log ? (line) => log(`  [pytorch] ${line}`) : undefined);
  if (r.code !== 0) throw new Error(`bench/pytorch_gpt.py exited with ${r.code}: ${lastLine(r.stderr)}`);
  const out = JSON.parse(lastLine(r.stdout)) as {
    torch: string;
    blas: string[];
    threads: number;
    params: number;
    trainTokPerSec: number;
    trainMsPerStep: number;
    genTokPerSec: number;
  };
  if (!out.blas.some((lib) => lib.includes('openblas'))) {
    return {
      missing: `torch runs on ${out.blas.join(', ') || 'no BLAS'}, not OpenBLAS (about 10x slower, not a fair baseline); ` +
        'apt-get install -y libopenblas0-pthread',
    };
  }
  return {
    trainTokPerSec: out.trainTokPerSec,
    trainMsPerStep: out.trainMsPerStep,
    genTokPerSec: out.genTokPerSec,
    torchVersion: out.torch,
    blasLibraries: out.blas,
    threads: out.threads,
    params: out.params,
  };
}

export interface PytorchReferenceInput {
  sequences: { tokens: number[]; responseStart: number }[];
  /** With dLdLogp and optim: one step (forward, backward with dL/dlogp, clip, AdamW) and the weights after it. */
  dLdLogp?: number[][];
  optim?: OptimStepOptions;
}

export interface PytorchReferenceOutput {
  /** Per-token log-probs of tokens[responseStart..] under the checkpoint's weights (before the step). */
  logprobs: number[][];
  /** Global gradient norm before clipping (with a step). */
  gradNorm?: number;
  /** Every weight after the step, flattened row-major (with a step). */
  weights?: Record<string, number[]>;
}

/**
 * PyTorch as an independent reference for the TypeScript back ends: loads a seeupo checkpoint directory into the
 * same architecture written with torch.nn (bench/pytorch_gpt.py `reference`) and returns its log-probs and, when
 * asked, the weights after one AdamW step driven by the given dL/dlogp. Throws when torch cannot run (check
 * pytorchUnavailableReason first).
 */
export async function runPytorchReference(
  checkpointDir: string,
  input: PytorchReferenceInput,
  python = '/usr/bin/python3',
): Promise<PytorchReferenceOutput> {
  const dir = await mkdtemp(join(tmpdir(), 'seeupo-torch-ref-'));
  try {
    const inputPath = join(dir, 'input.json');
    await writeFile(inputPath, JSON.stringify(input));
    const r = await runProcess(python, [pytorchScriptPath(), 'reference', '--checkpoint', checkpointDir, '--input', inputPath]);
    if (r.spawnError) throw new Error(`cannot run ${python}: ${r.spawnError.message}`);
    if (r.code !== 0) throw new Error(`bench/pytorch_gpt.py reference exited with ${r.code}: ${lastLine(r.stderr)}`);
    return JSON.parse(lastLine(r.stdout)) as PytorchReferenceOutput;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
