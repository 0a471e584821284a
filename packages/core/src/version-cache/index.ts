export * from './version-cache.js';
