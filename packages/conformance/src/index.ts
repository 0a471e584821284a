export { assertRejectsWith } from './assertions.js';
export { patternBytes, streamPattern } from './bytes.js';
export type { ConformanceCase, ConformanceSkip } from './case.js';
export { conformanceCases } from './cases.js';
export * from './fixtures.js';
export { type ConformanceOptions, runConformanceSuite, type TestApi } from './suite.js';
