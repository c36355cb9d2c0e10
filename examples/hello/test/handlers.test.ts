// The same handlers run directly in Node against the in-memory host (useHostBindings): the fast way to
// test an extension's logic; hello-component.test.ts covers the built component.
import t from 'tap';
import { useHostBindings } from '@annex/sdk';
import { handler } from '../src/index.js';
import { inMemoryHost } from './in-memory-host.js';
import { bodyJson, request } from './requests.js';

t.afterEach(() => useHostBindings(undefined));

t.test('greets and counts', async (t) => {
  const host = inMemoryHost({ config: { greeting: 'Hi' } });
  useHostBindings(host);
  t.same(bodyJson(handler.handle(request('GET', '/hello/Ada'))), { message: 'Hi, Ada!', visits: 1 });
  t.same(bodyJson(handler.handle(request('GET', '/hello/Ada'))), { message: 'Hi, Ada!', visits: 2 });
});

t.test('a conflicting writer is retried, not lost', async (t) => {
  const host = inMemoryHost();
  const set = host.kv.set;
  let interfered = false;
  host.kv.set = (key, value, options) => {
    if (!interfered) {
      interfered = true;
      set(key, new TextEncoder().encode('41'), {}); // another instance counted in between
    }
    return set(key, value, options);
  };
  useHostBindings(host);
  t.same(bodyJson(handler.handle(request('GET', '/hello/Ada'))), { message: 'Hello, Ada!', visits: 42 });
});

t.test('note ids come from one sequence', async (t) => {
  useHostBindings(inMemoryHost());
  const ids = ['a', 'b', 'c'].map(
    (text) => (bodyJson(handler.handle(request('POST', '/notes', { text }))) as { id: number }).id,
  );
  t.same(ids, [1, 2, 3]);
  t.equal(handler.handle(request('DELETE', '/notes/abc')).status, 404);
});

t.test('without a host the handler answers 500 instead of trapping', async (t) => {
  t.equal(handler.handle(request('GET', '/hello/Ada')).status, 500);
});
