import type { Bench } from './types.js';
import { bfclBench } from './bfcl.js';
import { coreLossBench } from './core-loss.js';
import { policyBench } from './policy.js';
import { rlBench } from './rl.js';
import { samplingBench } from './sampling.js';
import { oneForwardBench } from './one-forward.js';

/** Every benchmark, one file each under bench/. `npm run bench -- NAME` runs one. */
export const benches: readonly Bench[] = [
  bfclBench,
  coreLossBench,
  policyBench,
  rlBench,
  samplingBench,
  oneForwardBench,
];
