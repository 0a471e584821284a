export * from './immutable-record.js';
export * from './make-zone-file.js';
export * from './parse-zone-file.js';
export * from './zone-file.js';
