/** One measured number, with the baseline measured in the same run (design.md, "Benchmarks"). */
export interface BenchResult {
  bench: string;
  value: number;
  unit: string;
  /** null when the baseline could not be measured here; `missing` says why. */
  baseline: { name: string; value: number } | { name: string; value: null; missing: string } | null;
  /** value / baseline.value, or null when there is no baseline. */
  ratio: number | null;
  config: Record<string, unknown>;
}

export interface Bench {
  name: string;
  description: string;
  run(log: (line: string) => void): Promise<BenchResult[]>;
}

export function withRatio(r: Omit<BenchResult, 'ratio'>): BenchResult {
  const b = r.baseline;
  const ratio = b && b.value !== null && b.value > 0 ? r.value / b.value : null;
  return { ...r, ratio };
}
