import type { Command } from 'commander';
import { registerAlgorithms } from './algorithms.js';
import { registerBfcl } from './bfcl.js';
import { registerDoctor } from './doctor.js';
import { registerLab } from './lab.js';
import { registerLearner } from './learner.js';

/**
 * Every top-level command registers itself here: one file per command under src/cli/.
 * Keep this list sorted by command name.
 */
export const commands: ReadonlyArray<(program: Command) => void> = [registerAlgorithms, registerBfcl, registerDoctor, registerLab, registerLearner];
