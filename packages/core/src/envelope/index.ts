export * from './mutable-envelope.js';
export * from './netstring.js';
export * from './tombstone.js';
