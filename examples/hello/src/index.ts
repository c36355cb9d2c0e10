import { defineHandler, route } from '@annex/sdk';
import { greet } from './greet.js';
import { createNote, deleteNote, listNotes } from './notes.js';

// The routes mirror api.endpoints in manifest.json; the gateway only forwards those.
export const handler = defineHandler(
  route({
    'GET /hello/:name': greet,
    'GET /notes': listNotes,
    'POST /notes': createNote,
    'DELETE /notes/:id': deleteNote,
  }),
);
