// Public library surface of seeupo.
export * from './core/types.js';
export * from './core/turn-batch.js';
export * from './core/rng.js';
export * from './core/errors.js';
export * from './core/config.js';
