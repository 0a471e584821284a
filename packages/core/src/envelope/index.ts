export * from './fq-data-id-2017.js';
export * from './mutable-2017.js';
export * from './mutable-envelope.js';
export * from './netstring.js';
export * from './tombstone.js';
