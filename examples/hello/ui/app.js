import { connect, requestJson } from './bridge.js';

const $ = (id) => document.getElementById(id);

function showError(err) {
  $('error').textContent = err ? err.message : '';
  $('error').hidden = !err;
}

async function run(action) {
  try {
    showError(null);
    await action();
  } catch (err) {
    showError(err);
  }
}

async function loadNotes() {
  const { items } = await requestJson('GET', '/notes');
  const list = $('notes');
  list.replaceChildren(
    ...items.map((note) => {
      const li = document.createElement('li');
      const text = document.createElement('span');
      text.textContent = note.text; // textContent, never innerHTML: notes are user input
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.textContent = 'Delete';
      remove.addEventListener('click', () =>
        run(async () => {
          await requestJson('DELETE', `/notes/${note.id}`);
          await loadNotes();
        }),
      );
      li.append(text, remove);
      return li;
    }),
  );
}

$('greet-form').addEventListener('submit', (event) => {
  event.preventDefault();
  run(async () => {
    const name = $('name').value.trim();
    const { message, visits } = await requestJson('GET', `/hello/${encodeURIComponent(name)}`);
    $('greeting').textContent = `${message} (visit ${visits})`;
  });
});

$('note-form').addEventListener('submit', (event) => {
  event.preventDefault();
  run(async () => {
    await requestJson('POST', '/notes', { json: { text: $('note-text').value } });
    $('note-text').value = '';
    await loadNotes();
  });
});

run(async () => {
  $('bridge-status').textContent = 'Connecting to the host…';
  try {
    await connect();
    $('bridge-status').textContent = 'Connected to the host.';
  } catch (err) {
    $('bridge-status').textContent = 'Not connected.';
    throw err;
  }
  await loadNotes();
});
