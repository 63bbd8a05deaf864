export * from './tokenizer.js';
export * from './special-tokens.js';
export * from './byte-level.js';
export * from './hugging-face.js';
