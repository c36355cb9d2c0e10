import t from 'tap';
import { readFile } from 'node:fs/promises';
import { componentEmbed, componentNew, componentWit, transpile } from '@bytecodealliance/jco';
import { HOST_IMPORTS, WIT_PACKAGE, WORLD, witPath, witSource } from '@annex/sdk/wit';

t.test('witSource is the file at witPath', async (t) => {
  t.equal(witSource, await readFile(witPath, 'utf8'));
  t.match(witSource, `package ${WIT_PACKAGE};`);
});

t.test('jco embeds the world and builds a component from it', async (t) => {
  const embedded = await componentEmbed({ dummy: true, witSource, world: WORLD, stringEncoding: 'utf8' });
  const component = await componentNew(embedded);
  const wit = await componentWit(component);
  for (const iface of ['context', 'logging', 'config', 'secrets', 'kv', 'http']) {
    t.match(wit, `import annex:extension/${iface}@0.1.0;`, `imports ${iface}`);
  }
  t.match(wit, 'export annex:extension/handler@0.1.0;');

  // The specifiers a host supplies at instantiation are the unversioned HOST_IMPORTS.
  const { imports } = await transpile(component, { name: 'dummy', instantiation: 'async' });
  t.same([...imports].sort(), Object.values(HOST_IMPORTS).sort());
});

t.test('the records have the names SPEC section 10 fixes', async (t) => {
  const records = {
    'http-request': [
      'method: string',
      'path: string',
      'query: list<tuple<string, string>>',
      'headers: list<tuple<string, string>>',
      'body: option<list<u8>>',
    ],
    'http-response': ['status: u16', 'headers: list<tuple<string, string>>', 'body: option<list<u8>>'],
    'context-data': [
      'request-id: string',
      'tenant-id: string',
      'extension-id: string',
      'install-id: string',
      'version: string',
      'content-hash: string',
    ],
    'execute-request': ['context: context-data', 'http: http-request'],
  };
  for (const [name, fields] of Object.entries(records)) {
    const body = new RegExp(`record ${name} \\{([^}]*)\\}`).exec(witSource)?.[1] ?? '';
    const declared = body
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('//'))
      .map((line) => line.replace(/,$/, ''));
    t.same(declared, fields, name);
  }
  t.match(witSource, 'handle: func(req: execute-request) -> http-response;');
});

t.test('every capability-gated function can answer denied', async (t) => {
  for (const error of ['context-error', 'log-error', 'secrets-error', 'kv-error', 'http-error']) {
    const body = new RegExp(`(?:enum|variant) ${error} \\{([^}]*)\\}`).exec(witSource)?.[1] ?? '';
    t.match(body, /^\s*denied,/m, error);
  }
});
