import { PGlite } from '@electric-sql/pglite';
import type { DatabaseSettings } from '@annex/config';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pg from 'pg';
import { lockDataDir } from './data-dir-lock.js';
import type { Database } from './schema.js';

export interface AnnexDatabase {
  db: Kysely<Database>;
  kind: DatabaseSettings['kind'];
  /** Answers when the database takes a query; throws otherwise (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

const INT8 = 20;

export interface OpenDatabaseOptions {
  /** pg pool size; default 10. */
  poolSize?: number;
  /** An already-open PGlite (tests clone a migrated template into memory). */
  pglite?: PGlite;
}

/**
 * Opens kysely over PostgreSQL (`pg`) or over embedded PGlite. bigint columns read as numbers on
 * both (byte counts and counters stay far below 2^53).
 */
export async function openDatabase(
  settings: DatabaseSettings,
  options: OpenDatabaseOptions = {},
): Promise<AnnexDatabase> {
  if (settings.kind === 'postgres') {
    const pool = new pg.Pool({
      connectionString: settings.url,
      max: options.poolSize ?? 10,
      types: {
        getTypeParser: ((oid: number, format?: string) =>
          oid === INT8
            ? Number
            : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
      },
    });
    // An idle client that loses its server emits 'error'; without a listener that kills the process.
    pool.on('error', () => {});
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return {
      db,
      kind: 'postgres',
      ping: async () => {
        await sql`select 1`.execute(db);
      },
      close: () => db.destroy(),
    };
  }

  const unlock = options.pglite ? () => {} : lockDataDir(settings.dataDir);
  let client: PGlite;
  try {
    client =
      options.pglite ??
      (await PGlite.create(settings.dataDir, { parsers: { [INT8]: (v: string) => Number(v) } }));
  } catch (err) {
    unlock();
    throw err;
  }
  const db = new Kysely<Database>({ dialect: new PGliteDialect(client) });
  return {
    db,
    kind: 'pglite',
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: async () => {
      await db.destroy();
      // kysely closes the driver only if a query ever ran; an unclosed PGlite keeps a timer alive.
      if (!client.closed) await client.close();
      unlock();
    },
  };
}
