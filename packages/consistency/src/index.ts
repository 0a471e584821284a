export {
  type CheckReport,
  checkHistory,
  formatViolation,
  type Violation,
  type ViolationKind,
} from './checker.js';
export {
  formatEntry,
  type HistoryEntry,
  LogicalClock,
  type OperationResult,
  type OperationType,
  type WorkloadClient,
} from './history.js';
export { forgetfulClient } from './forgetful-client.js';
export { workloadClientOf } from './storage-client-adapter.js';
export { openStorageCluster, type StorageCluster, type StorageClusterOptions } from './storage-cluster.js';
export { OPTIONAL_DRIVER_FAULTS, REQUIRED_DRIVER_FAULTS } from './chaos-profiles.js';
export { makeValue, shortValue } from './value-token.js';
export { runWorkload, type WorkloadOptions } from './workload.js';
