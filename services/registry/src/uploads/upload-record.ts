import { isUuid, type Database, type ExtensionUploadTable } from '@annex/db';
import type { Kysely, Selectable } from 'kysely';
import type { Principal } from '../auth/principal.js';
import { RegistryError } from '../registry-error.js';

/** An upload row as selected. */
export type UploadRecord = Selectable<ExtensionUploadTable>;

/**
 * The upload `id` as the caller may see it: its own (or any, for admins). Anything else, a malformed
 * id included, is not found.
 */
export async function findUpload(
  db: Kysely<Database>,
  principal: Principal | undefined,
  id: string,
): Promise<UploadRecord> {
  const row = isUuid(id)
    ? await db.selectFrom('extension_upload').selectAll().where('id', '=', id).executeTakeFirst()
    : undefined;
  if (!row || (principal && principal.role !== 'admin' && row.created_by !== principal.keyId)) {
    throw new RegistryError('UPLOAD_NOT_FOUND', `no upload ${JSON.stringify(id)}`);
  }
  return row;
}

/** Refuses work on an upload that was finalized, aborted or has expired. */
export function assertOpen(upload: UploadRecord, now = new Date()): void {
  if (upload.status === 'finalized' || upload.status === 'aborted') {
    throw new RegistryError('UPLOAD_CLOSED', `upload ${upload.id} is ${upload.status}; start a new upload`);
  }
  if (upload.expires_at.getTime() < now.getTime()) {
    throw new RegistryError('UPLOAD_EXPIRED', `upload ${upload.id} expired; start a new upload`);
  }
}
