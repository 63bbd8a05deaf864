// The convergence lab (docs/lab.md): exact multi-turn problems trained through the algorithm core.
export * from './algorithms.js';
export * from './instance.js';
export * from './optimizer.js';
export * from './parameterisation.js';
export * from './policy.js';
export * from './port.js';
export * from './random-instance.js';
export * from './report.js';
export * from './rollouts.js';
export * from './run.js';
export * from './suite.js';
export * from './suite-plan.js';
export * from './suite-run.js';
export * from './tree.js';
