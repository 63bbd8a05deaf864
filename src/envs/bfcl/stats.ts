import { BFCL_CATEGORIES, loadEntries, type BfclCategory } from './data.js';

/**
 * How big the BFCL tasks are: per category, user turns and ground-truth calls per entry, and how many entries a
 * call budget leaves solvable (an entry needs at least its ground-truth calls).
 */
export interface Distribution {
  readonly min: number;
  readonly mean: number;
  readonly max: number;
}

export interface CategoryStats {
  readonly category: BfclCategory;
  readonly entries: number;
  readonly turns: Distribution;
  readonly calls: Distribution;
  /** Most ground-truth calls in one turn. */
  readonly maxCallsPerTurn: number;
  /** budget → number of entries whose ground truth needs at most that many calls. */
  readonly solvableWithin: Readonly<Record<string, number>>;
}

function distribution(xs: readonly number[]): Distribution {
  return { min: Math.min(...xs), mean: xs.reduce((a, b) => a + b, 0) / xs.length, max: Math.max(...xs) };
}

export function categoryStats(category: BfclCategory, budgets: readonly number[]): CategoryStats {
  const entries = loadEntries(category);
  const calls = entries.map((e) => e.groundTruth.reduce((n, t) => n + t.length, 0));
  return {
    category,
    entries: entries.length,
    turns: distribution(entries.map((e) => e.groundTruth.length)),
    calls: distribution(calls),
    maxCallsPerTurn: Math.max(...entries.flatMap((e) => e.groundTruth.map((t) => t.length))),
    solvableWithin: Object.fromEntries(budgets.map((b) => [String(b), calls.filter((c) => c <= b).length])),
  };
}

export function allCategoryStats(budgets: readonly number[]): CategoryStats[] {
  return BFCL_CATEGORIES.map((c) => categoryStats(c, budgets));
}
