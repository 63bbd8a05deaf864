import type { Trajectory, Turn, TurnKey } from './types.js';
import { turnKeyString } from './types.js';

/** One turn sample with the trajectory facts a loss or an advantage needs. */
export interface TurnSample extends TurnKey {
  readonly groupId: string;
  readonly taskId: string;
  readonly turn: Turn;
}

/**
 * The turn samples of an iteration, addressed by (trajectory id, turn index). Row order carries no meaning:
 * every lookup goes through the key, so reordering the rows (for load balancing or minibatching) can never
 * hand one trajectory's numbers to another (seeupo.md §6, mistake 2).
 *
 * Only real turns are in a batch: a trajectory with fewer turns has no sample at the larger indices, and
 * nothing is padded (mistake 3).
 */
export class TurnBatch {
  private readonly byKey: Map<string, TurnSample>;

  private constructor(readonly samples: readonly TurnSample[]) {
    this.byKey = new Map();
    for (const s of samples) {
      const k = turnKeyString(s);
      if (this.byKey.has(k)) throw new Error(`duplicate turn sample ${k}`);
      this.byKey.set(k, s);
    }
  }

  /** All turns of the trajectories that did not fail (failed episodes are excluded, never scored). */
  static fromTrajectories(trajectories: readonly Trajectory[]): TurnBatch {
    const samples: TurnSample[] = [];
    for (const tr of trajectories) {
      if (tr.status === 'failed') continue;
      tr.turns.forEach((turn, position) => {
        validateTurn(tr.id, position, turn);
        samples.push({ trajectoryId: tr.id, turnIndex: turn.index, groupId: tr.groupId, taskId: tr.taskId, turn });
      });
    }
    return new TurnBatch(samples);
  }

  static fromSamples(samples: readonly TurnSample[]): TurnBatch {
    return new TurnBatch(samples);
  }

  get size(): number {
    return this.samples.length;
  }

  get(key: TurnKey): TurnSample {
    const s = this.byKey.get(turnKeyString(key));
    if (!s) throw new Error(`no turn sample ${turnKeyString(key)}`);
    return s;
  }

  has(key: TurnKey): boolean {
    return this.byKey.has(turnKeyString(key));
  }

  /** The turn indices that actually occur, ascending. */
  turnIndices(): number[] {
    return [...new Set(this.samples.map((s) => s.turnIndex))].sort((a, b) => a - b);
  }

  /** The samples at one turn index (the D_t of seeupo.md §5). */
  atTurn(turnIndex: number): TurnBatch {
    return new TurnBatch(this.samples.filter((s) => s.turnIndex === turnIndex));
  }

  /** A batch with the same samples in another row order. */
  reordered(order: readonly number[]): TurnBatch {
    if (order.length !== this.samples.length) throw new Error('reordered: order length differs from batch size');
    return new TurnBatch(order.map((i) => this.samples[i]!));
  }

  /** Rows [start, end) as a batch (for minibatches). */
  slice(start: number, end: number): TurnBatch {
    return new TurnBatch(this.samples.slice(start, end));
  }

  /** Number of response tokens over all samples (the length of the flat per-token arrays). */
  tokenCount(): number {
    let n = 0;
    for (const s of this.samples) n += s.turn.responseTokens.length;
    return n;
  }

  /** Start offset of each sample's tokens in the flat per-token arrays, plus the total at the end. */
  tokenOffsets(): Int32Array {
    const off = new Int32Array(this.samples.length + 1);
    for (let i = 0; i < this.samples.length; i++) off[i + 1] = off[i]! + this.samples[i]!.turn.responseTokens.length;
    return off;
  }

  /** Flat per-token behaviour log-probs, in row order. */
  behaviourLogprobs(): Float64Array {
    return this.flatten((t) => t.behaviourLogprobs);
  }

  /** Flat per-token loss mask, in row order. */
  lossMask(): Float64Array {
    return this.flatten((t) => t.lossMask);
  }

  private flatten(pick: (t: Turn) => readonly number[]): Float64Array {
    const out = new Float64Array(this.tokenCount());
    let o = 0;
    for (const s of this.samples) {
      const v = pick(s.turn);
      for (let i = 0; i < v.length; i++) out[o++] = v[i]!;
    }
    return out;
  }
}

function validateTurn(trajectoryId: string, position: number, turn: Turn): void {
  const where = `trajectory ${trajectoryId} turn ${turn.index}`;
  if (turn.index !== position) throw new Error(`${where}: turn index ${turn.index} at position ${position}`);
  const n = turn.responseTokens.length;
  if (turn.behaviourLogprobs.length !== n) throw new Error(`${where}: ${turn.behaviourLogprobs.length} log-probs for ${n} tokens`);
  if (turn.lossMask.length !== n) throw new Error(`${where}: loss mask length ${turn.lossMask.length} for ${n} tokens`);
  for (const m of turn.lossMask) if (m !== 0 && m !== 1) throw new Error(`${where}: loss mask values must be 0 or 1`);
}
