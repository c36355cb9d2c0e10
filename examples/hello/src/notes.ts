import { badRequest, empty, json, kv, log, notFound, readJson, type ExecuteRequest } from '@annex/sdk';

export interface Note {
  id: number;
  text: string;
  createdAt: string;
}

const MAX_TEXT = 1000;
const noteKey = (id: number) => `note:${id}`;

/** `GET /notes` → `{ items: Note[] }`, oldest first. */
export function listNotes() {
  const items = kv
    .keys('note:')
    .map((key) => kv.getJson<Note>(key))
    .filter((note): note is Note => note !== undefined)
    .sort((a, b) => a.id - b.id);
  return json(200, { items });
}

/** `POST /notes` `{ text }` → 201 with the note and its `location`. */
export function createNote(req: ExecuteRequest) {
  const { text } = readJson<{ text?: unknown }>(req);
  if (typeof text !== 'string' || text.trim() === '' || text.length > MAX_TEXT) {
    return badRequest(`text must be a non-empty string of at most ${MAX_TEXT} characters`);
  }
  // Sequential ids from a CAS counter keep ids short and deterministic.
  const { value: id } = kv.update<number>('notes:seq', (n) => (n ?? 0) + 1);
  const note: Note = { id, text, createdAt: new Date().toISOString() };
  kv.setJson(noteKey(id), note, { expectedRevision: 0 });
  log.info('note created', { id });
  return json(201, note, { location: `/notes/${id}` });
}

/** `DELETE /notes/:id` → 204, or 404 when there is no such note. */
export function deleteNote(_req: ExecuteRequest, params: { id: string }) {
  const id = Number(params.id);
  if (!Number.isSafeInteger(id) || id < 1) return notFound(`No note ${params.id}`);
  if (!kv.delete(noteKey(id))) return notFound(`No note ${params.id}`);
  log.info('note deleted', { id });
  return empty(204);
}
