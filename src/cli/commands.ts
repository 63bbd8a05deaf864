import type { Command } from 'commander';
import { registerAlgorithms } from './algorithms.js';
import { registerBfcl } from './bfcl.js';
import { registerCompare } from './compare.js';
import { registerDoctor } from './doctor.js';
import { registerEnv } from './env.js';
import { registerEval } from './eval.js';
import { registerLab } from './lab.js';
import { registerLearner } from './learner.js';
import { registerRender } from './render.js';
import { registerReport } from './report.js';
import { registerServe } from './serve.js';
import { registerTasks } from './tasks.js';
import { registerTrain } from './train.js';

/**
 * Every top-level command registers itself here: one file per command under src/cli/.
 * Keep this list sorted by command name.
 */
export const commands: ReadonlyArray<(program: Command) => void> = [
  registerAlgorithms,
  registerBfcl,
  registerCompare,
  registerDoctor,
  registerEnv,
  registerEval,
  registerLab,
  registerLearner,
  registerRender,
  registerReport,
  registerServe,
  registerTasks,
  registerTrain,
];
