export { blindWriter, type BlindWriterOptions } from './blind-writer.js';
export {
  type CheckOptions,
  type CheckReport,
  checkHistory,
  formatViolation,
  VIOLATION_KINDS,
  type Violation,
  type ViolationKind,
} from './checker.js';
export { faultRecorder, recordingFaultsOf, type StrayFault } from './fault-recorder.js';
export { auditFinalState } from './final-audit.js';
export {
  formatEntry,
  type HistoryEntry,
  type InjectedFault,
  LogicalClock,
  type OperationResult,
  type OperationType,
  type WorkloadClient,
} from './history.js';
export { forgetfulClient } from './forgetful-client.js';
export { phantomWriter } from './phantom-writer.js';
export { workloadClientOf } from './storage-client-adapter.js';
export { openStorageCluster, type StorageCluster, type StorageClusterOptions } from './storage-cluster.js';
export { OPTIONAL_DRIVER_FAULTS, REQUIRED_DRIVER_FAULTS } from './chaos-profiles.js';
export { makeValue, shortValue } from './value-token.js';
export { type OperationSpec, runOperation, runWorkload, type WorkloadOptions } from './workload.js';
