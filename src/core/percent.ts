/** A share in [0, 1] as a percentage with one decimal, as every command prints success rates: 0.474 → "47.4%". */
export function percent(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}
