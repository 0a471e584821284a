export * from './client-config.js';
export * from './driver-registry.js';
export * from './ini.js';
export * from './open-drivers.js';
export * from './replication-rule.js';
