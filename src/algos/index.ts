// The algorithm core: advantages, losses, schedules, SeeUPO's ratio correction, named algorithms.
export * from './aggregation.js';
export * from './advantages.js';
export * from './config.js';
export * from './iteration.js';
export * from './losses.js';
export * from './port.js';
export * from './ratio-correction.js';
export * from './registry.js';
export * from './schedules.js';
export * from './token-data.js';
export * from './variants.js';
