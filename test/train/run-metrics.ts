import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A run's metrics lines without their `time` fields: what two runs with the same seed must share exactly. */
export function metricsWithoutTime(dir: string): unknown[] {
  return readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => {
      const { time: _t, ...rest } = JSON.parse(l) as Record<string, unknown>;
      return rest;
    });
}
