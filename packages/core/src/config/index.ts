export * from './client-config.js';
export * from './config-edit.js';
export * from './driver-loader.js';
export * from './ini.js';
export { withInstanceName } from './instance-driver.js';
export { checkKnownKeys, closestKey } from './known-keys.js';
export * from './open-drivers.js';
export * from './replication-rule.js';
