import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { DatabaseSettings } from '@annex/config';
import { migrateToLatest, openDatabase, type AnnexDatabase } from '@annex/db';
import { migrationsDir } from '@annex/migrations';
import pg from 'pg';

/** Which database the suite runs against: `ANNEX_TEST_DB=postgres` (CI's second pass) or PGlite. */
export function testDatabaseKind(): 'pglite' | 'postgres' {
  return process.env.ANNEX_TEST_DB === 'postgres' ? 'postgres' : 'pglite';
}

/** The server the PostgreSQL pass creates its databases on. */
export function postgresAdminUrl(): string {
  return process.env.ANNEX_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

export interface TestDatabase extends AnnexDatabase {
  /** Settings a service would be given to reach the same database (PostgreSQL only). */
  settings: DatabaseSettings;
}

function migrationsDigest(): string {
  const hash = createHash('sha256');
  for (const file of readdirSync(migrationsDir)
    .filter((f) => f.endsWith('.sql'))
    .sort()) {
    hash.update(file).update(readFileSync(join(migrationsDir, file)));
  }
  return hash.digest('hex').slice(0, 16);
}

/**
 * A migrated PGlite data dir, dumped once per migration set and reused by every test file: cloning
 * it takes about 0.5 s where creating and migrating takes about 4 s (FACTS.md).
 */
async function pgliteTemplate(): Promise<Blob> {
  const path = join(tmpdir(), `annex-pglite-template-${migrationsDigest()}.tar.gz`);
  if (!existsSync(path)) {
    const client = await PGlite.create();
    const database = await openDatabase({ kind: 'pglite', dataDir: 'memory://' }, { pglite: client });
    await migrateToLatest(database.db);
    const dump = await client.dumpDataDir('gzip');
    await database.close();
    const partial = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
    writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
    renameSync(partial, path); // atomic: concurrent test files never read half a template
  }
  return new Blob([await readFile(path)]);
}

/**
 * A fresh, migrated database for one test file: a PGlite clone in memory, or a new PostgreSQL
 * database (dropped again by `close`).
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (testDatabaseKind() === 'pglite') {
    const client = await PGlite.create({
      loadDataDir: await pgliteTemplate(),
      parsers: { 20: (v: string) => Number(v) },
    });
    const database = await openDatabase({ kind: 'pglite', dataDir: 'memory://' }, { pglite: client });
    return { ...database, settings: { kind: 'pglite', dataDir: 'memory://' } };
  }
  const empty = await createEmptyPostgresDatabase();
  const settings: DatabaseSettings = { kind: 'postgres', url: empty.url };
  const database = await openDatabase(settings, { poolSize: 4 });
  await migrateToLatest(database.db);
  return {
    ...database,
    settings,
    close: async () => {
      await database.close();
      await empty.drop();
    },
  };
}

export async function dropPostgresDatabase(name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: postgresAdminUrl() });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${name} with (force)`);
  } finally {
    await admin.end();
  }
}

/** A new, empty (unmigrated) PostgreSQL database for tests of the migrator itself. */
export async function createEmptyPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `annex_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgresAdminUrl() });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(postgresAdminUrl());
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => dropPostgresDatabase(name) };
}
