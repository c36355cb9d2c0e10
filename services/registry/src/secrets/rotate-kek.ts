import type { Kek } from '@annex/config';
import { withSystem, type Database } from '@annex/db';
import { decryptValue, encryptValue, needsReencryption, SecretsError } from '@annex/secrets';
import type { Kysely } from 'kysely';

export interface RotationOutcome {
  /** The key every secret is now encrypted under (the first of SECRETS_KEK). */
  keyId: string;
  reencrypted: number;
  /** Secrets under that key after the run (those re-encrypted included). */
  current: number;
  /** Secrets none of the configured keys can open (their key was removed from SECRETS_KEK too early). */
  failed: { tenantId: string; installId: string; name: string; keyId: string; reason: string }[];
}

const BATCH = 500;

/**
 * `annex secrets rotate-kek`: re-encrypts every stored secret that is not under the first
 * SECRETS_KEK. A cross-tenant maintenance job, so it runs as annex_system (withSystem). Each row
 * is rewritten only if it still holds the ciphertext that was read, so a secret set concurrently
 * is never overwritten with an older value; the secret's version and timestamps do not change (its
 * value did not). Safe to run again; once it reports no failures, older keys may leave SECRETS_KEK.
 */
export async function rotateSecretKeks(db: Kysely<Database>, keks: readonly Kek[]): Promise<RotationOutcome> {
  const first = keks[0];
  if (!first) throw new Error('SECRETS_KEK lists no key');
  const outcome: RotationOutcome = { keyId: first.id, reencrypted: 0, current: 0, failed: [] };
  const skip = new Set<string>();
  for (;;) {
    const done = await withSystem(db, async (trx) => {
      const rows = await trx
        .selectFrom('tenant_extension_secret')
        .select(['install_id', 'tenant_id', 'name', 'ciphertext', 'key_id'])
        .where('key_id', '!=', first.id)
        .orderBy('install_id')
        .orderBy('name')
        .limit(BATCH + skip.size)
        .execute();
      const todo = rows.filter((r) => !skip.has(`${r.install_id}\0${r.name}`)).slice(0, BATCH);
      for (const row of todo) {
        const binding = { tenantId: row.tenant_id, installId: row.install_id, name: row.name };
        const stored = { ciphertext: row.ciphertext, keyId: row.key_id };
        if (!needsReencryption(stored, keks)) continue;
        let value: string;
        try {
          value = decryptValue(stored, keks, binding);
        } catch (err) {
          if (!(err instanceof SecretsError)) throw err;
          skip.add(`${row.install_id}\0${row.name}`);
          outcome.failed.push({ ...binding, keyId: row.key_id, reason: err.code });
          continue;
        }
        const sealed = encryptValue(value, keks, binding);
        const result = await trx
          .updateTable('tenant_extension_secret')
          .set({ ciphertext: sealed.ciphertext, key_id: sealed.keyId })
          .where('install_id', '=', row.install_id)
          .where('name', '=', row.name)
          .where('ciphertext', '=', row.ciphertext)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) > 0) {
          outcome.reencrypted += 1;
        } else {
          // Set again while we worked: its new value is the caller's to keep; a second run re-checks it.
          skip.add(`${row.install_id}\0${row.name}`);
          outcome.failed.push({ ...binding, keyId: row.key_id, reason: 'CHANGED_CONCURRENTLY' });
        }
      }
      return todo.length === 0;
    });
    if (done) break;
  }
  outcome.current = await withSystem(db, async (trx) => {
    const row = await trx
      .selectFrom('tenant_extension_secret')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('key_id', '=', first.id)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  });
  return outcome;
}
