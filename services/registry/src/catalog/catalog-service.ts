import type { Manifest } from '@annex/bundle';
import { json, type Database } from '@annex/db';
import { sql, type Kysely } from 'kysely';
import semver from 'semver';
import { holdsPublisher, visiblePublishers, type Principal } from '../auth/principal.js';
import { uiUrlOf } from '../installs/install-views.js';
import { RegistryError } from '../registry-error.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import {
  extensionView,
  manifestSummary,
  versionView,
  type ExtensionRow,
  type ExtensionView,
  type VersionRow,
} from './catalog-views.js';
import { parseExtensionRef, slugOf } from './extension-ref.js';
import { latestVersion } from './latest-version.js';

export interface ListQuery {
  q?: string;
  publisher?: string;
  limit?: number;
  cursor?: string;
  deprecated?: 'include' | 'exclude' | 'only';
}

const EXTENSION_COLUMNS = [
  'id',
  'publisher',
  'name',
  'display_name',
  'description',
  'latest_version',
  'deprecation',
  'created_at',
] as const;
const VERSION_COLUMNS = [
  'id',
  'semver',
  'content_hash',
  'signature',
  'signature_status',
  'signer',
  'yanked',
  'yank_reason',
  'manifest',
  'created_at',
] as const;

function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** The catalog: extensions, their versions, deprecation and yanks. Knows nothing of HTTP. */
/** `runnerPublicBase` builds the version's `uiUrl` (the same helper as the install views). */
export function createCatalogService(db: Kysely<Database>, runnerPublicBase: string) {
  /** Finds an extension the caller can see; anything else is "not found", never "forbidden". */
  async function findExtension(principal: Principal, ref: string): Promise<ExtensionRow> {
    const parsed = parseExtensionRef(ref);
    const notFound = new RegistryError('EXTENSION_NOT_FOUND', `no extension ${JSON.stringify(ref)}`);
    if (!parsed) throw notFound;
    let query = db.selectFrom('extension_registry').select(EXTENSION_COLUMNS);
    query =
      'id' in parsed
        ? query.where('id', '=', parsed.id)
        : query.where('publisher', '=', parsed.publisher).where('name', '=', parsed.name);
    const row = await query.executeTakeFirst();
    const visible = visiblePublishers(principal);
    if (!row || (visible && !visible.includes(row.publisher))) throw notFound;
    return row;
  }

  /** Like findExtension, but the caller must also hold the publisher (to change it). */
  async function findOwnedExtension(principal: Principal, ref: string): Promise<ExtensionRow> {
    if (principal.role === 'tenant' || principal.role === 'gateway') {
      throw new RegistryError('FORBIDDEN', `a ${principal.role} key cannot change the catalog`);
    }
    const row = await findExtension(principal, ref);
    if (!holdsPublisher(principal, row.publisher)) {
      throw new RegistryError('EXTENSION_NOT_FOUND', `no extension ${JSON.stringify(ref)}`);
    }
    return row;
  }

  async function versionsOf(registryId: string): Promise<VersionRow[]> {
    const rows = await db
      .selectFrom('extension_version')
      .select(VERSION_COLUMNS)
      .where('registry_id', '=', registryId)
      .execute();
    return rows.sort((a, b) => semver.rcompare(a.semver, b.semver));
  }

  /** Recomputes `latest_version` from the versions (after a publish or a yank). */
  async function refreshLatest(trx: Kysely<Database>, registryId: string): Promise<void> {
    const rows = await trx
      .selectFrom('extension_version')
      .select(['semver', 'yanked'])
      .where('registry_id', '=', registryId)
      .execute();
    await trx
      .updateTable('extension_registry')
      .set({ latest_version: latestVersion(rows) })
      .where('id', '=', registryId)
      .execute();
  }

  return {
    findExtension,
    findOwnedExtension,
    refreshLatest,

    async create(
      principal: Principal,
      input: { publisher: string; name: string; displayName?: string; description?: string },
    ): Promise<ExtensionView> {
      if (principal.role === 'tenant' || principal.role === 'gateway') {
        throw new RegistryError('FORBIDDEN', `a ${principal.role} key cannot create extensions`);
      }
      if (!holdsPublisher(principal, input.publisher)) {
        // The publisher is another's: as far as this key knows, it does not exist.
        throw new RegistryError(
          'EXTENSION_NOT_FOUND',
          `this key cannot publish as ${JSON.stringify(input.publisher)}`,
        );
      }
      const row = await db
        .insertInto('extension_registry')
        .values({
          publisher: input.publisher,
          name: input.name,
          display_name: input.displayName ?? null,
          description: input.description ?? null,
          latest_version: null,
          deprecation: null,
        })
        .onConflict((oc) => oc.constraint('extension_registry_slug_unique').doNothing())
        .returning(EXTENSION_COLUMNS)
        .executeTakeFirst();
      if (!row) {
        throw new RegistryError(
          'EXTENSION_EXISTS',
          `extension ${input.publisher}.${input.name} already exists`,
          {
            slug: `${input.publisher}.${input.name}`,
          },
        );
      }
      return extensionView(row);
    },

    async list(
      principal: Principal,
      query: ListQuery,
    ): Promise<{ items: ExtensionView[]; nextCursor: string | null }> {
      const limit = query.limit ?? 20;
      let q = db.selectFrom('extension_registry').select(EXTENSION_COLUMNS);
      const visible = visiblePublishers(principal);
      if (visible)
        q = visible.length > 0 ? q.where('publisher', 'in', visible) : q.where(sql<boolean>`false`);
      if (query.publisher) q = q.where('publisher', '=', query.publisher);
      if (query.q) {
        const pattern = likePattern(query.q);
        q = q.where((eb) =>
          eb.or([
            eb('name', 'ilike', pattern),
            eb('display_name', 'ilike', pattern),
            eb('description', 'ilike', pattern),
            eb('publisher', 'ilike', pattern),
          ]),
        );
      }
      const deprecated = query.deprecated ?? 'include';
      if (deprecated === 'exclude') q = q.where('deprecation', 'is', null);
      if (deprecated === 'only') q = q.where('deprecation', 'is not', null);
      if (query.cursor) {
        const after = decodeCursor(query.cursor);
        q = q.where((eb) =>
          eb.or([
            eb('publisher', '>', after.publisher),
            eb.and([eb('publisher', '=', after.publisher), eb('name', '>', after.name)]),
          ]),
        );
      }
      const rows = await q
        .orderBy('publisher')
        .orderBy('name')
        .limit(limit + 1)
        .execute();
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        items: page.map(extensionView),
        nextCursor: rows.length > limit && last ? encodeCursor(last.publisher, last.name) : null,
      };
    },

    async get(principal: Principal, ref: string): Promise<ExtensionView> {
      return extensionView(await findExtension(principal, ref));
    },

    async versions(principal: Principal, ref: string) {
      const ext = await findExtension(principal, ref);
      return { items: (await versionsOf(ext.id)).map(versionView) };
    },

    /** One version with its manifest summary; `latest` names `latestVersion`. */
    async version(principal: Principal, ref: string, version: string) {
      const ext = await findExtension(principal, ref);
      const wanted = version === 'latest' ? ext.latest_version : semver.valid(version);
      const row = wanted
        ? await db
            .selectFrom('extension_version')
            .select(VERSION_COLUMNS)
            .where('registry_id', '=', ext.id)
            .where('semver', '=', wanted)
            .executeTakeFirst()
        : undefined;
      if (!row) {
        throw new RegistryError(
          'VERSION_NOT_FOUND',
          `${slugOf(ext)} has no version ${JSON.stringify(version)}`,
        );
      }
      return {
        extension: { id: ext.id, slug: slugOf(ext) },
        ...versionView(row),
        versionId: row.id,
        yankReason: row.yank_reason,
        deprecation: ext.deprecation,
        manifest: manifestSummary(row.manifest),
        uiUrl: uiUrlOf(runnerPublicBase, ext.id, row.content_hash, row.manifest as unknown as Manifest),
      };
    },

    async deprecate(principal: Principal, ref: string, input: { reason: string; replacement?: string }) {
      const ext = await findOwnedExtension(principal, ref);
      let replacement: string | null = null;
      if (input.replacement !== undefined) {
        const target = await findExtension(
          { keyId: principal.keyId, role: 'admin' },
          input.replacement,
        ).catch(() => {
          throw new RegistryError(
            'BAD_REQUEST',
            `replacement ${JSON.stringify(input.replacement)} is not an extension`,
          );
        });
        if (target.id === ext.id)
          throw new RegistryError('BAD_REQUEST', 'an extension cannot replace itself');
        replacement = slugOf(target);
      }
      const deprecation = { reason: input.reason, replacement, at: new Date().toISOString() };
      const row = await db
        .updateTable('extension_registry')
        .set({ deprecation: json(deprecation) })
        .where('id', '=', ext.id)
        .returning(EXTENSION_COLUMNS)
        .executeTakeFirstOrThrow();
      return extensionView(row);
    },

    async undeprecate(principal: Principal, ref: string) {
      const ext = await findOwnedExtension(principal, ref);
      const row = await db
        .updateTable('extension_registry')
        .set({ deprecation: null })
        .where('id', '=', ext.id)
        .returning(EXTENSION_COLUMNS)
        .executeTakeFirstOrThrow();
      return extensionView(row);
    },

    /** Yanks (or with `yanked: false` restores) a version; installs keep running, new installs refuse it. */
    async setYanked(principal: Principal, ref: string, version: string, yanked: boolean, reason?: string) {
      const ext = await findOwnedExtension(principal, ref);
      return db.transaction().execute(async (trx) => {
        const row = await trx
          .updateTable('extension_version')
          .set({ yanked, yank_reason: yanked ? (reason ?? null) : null })
          .where('registry_id', '=', ext.id)
          .where('semver', '=', semver.valid(version) ?? '')
          .returning(VERSION_COLUMNS)
          .executeTakeFirst();
        if (!row)
          throw new RegistryError(
            'VERSION_NOT_FOUND',
            `${slugOf(ext)} has no version ${JSON.stringify(version)}`,
          );
        await refreshLatest(trx, ext.id);
        return { ...versionView(row), yankReason: row.yank_reason };
      });
    },
  };
}

export type CatalogService = ReturnType<typeof createCatalogService>;
