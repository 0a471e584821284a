export * from './http-get.js';
export * from './url-reader.js';
