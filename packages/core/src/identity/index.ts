export * from './data-key.js';
export * from './key-file.js';
export * from './derived-key.js';
