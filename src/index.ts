/** nnscope's public API: re-exports only. */
export * from './engine-entry.js';
export * from './views/index.js';
