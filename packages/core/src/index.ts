export * from './body.js';
export type * from './driver.js';
export * from './errors.js';
export * from './key-value-driver.js';
export * from './keys.js';
export * from './config/index.js';
export * from './crypto/index.js';
export * from './identity/index.js';
export * from './replication/index.js';
