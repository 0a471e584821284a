export * from './open-storage.js';
export * from './published-urls.js';
export type * from './results.js';
export * from './storage-client.js';
export { type LedgerRecovery, type RecoverLedgerOptions, recoverLedger } from './recover-ledger.js';
export type { CopyHealth, CopyState, DatumHealth, DatumRepair } from './replicas.js';
export type { MigrateOptions, MigrationReport, MigrationStep } from './migrate.js';
