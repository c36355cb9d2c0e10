export type * from './schema.js';
export { TENANT_TABLES } from './schema.js';
export { openDatabase, type AnnexDatabase, type OpenDatabaseOptions } from './open-database.js';
export { migrateToLatest, listMigrations, MigrationError, type MigrationOutcome } from './migrate.js';
export { splitStatements, SqlFileMigrationProvider } from './sql-file-migrations.js';
export {
  withTenant,
  withSystem,
  json,
  InvalidTenantIdError,
  APP_ROLE,
  SYSTEM_ROLE,
  TENANT_ID_RE,
  type TenantTransaction,
  type SystemTransaction,
} from './tenant-scope.js';
export { lockDataDir, DataDirInUseError } from './data-dir-lock.js';
export { insertExecutionRows, type ExecutionRow } from './execution-rows.js';
export { isUuid } from './uuid.js';
