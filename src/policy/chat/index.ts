export * from './messages.js';
export * from './python-json.js';
export * from './parse.js';
export * from './render-text.js';
export * from './conversation.js';
