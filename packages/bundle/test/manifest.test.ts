import t, { type Test } from 'tap';
import {
  CAPABILITIES,
  checkBundleFiles,
  compileConfigSchema,
  parseManifest,
  validateManifest,
  type Manifest,
  type ManifestIssue,
} from '@annex/bundle';
import { existsSync, readFileSync } from 'node:fs';
import { scaffoldManifest } from '@annex/test-support';

function issuesOf(json: unknown): ManifestIssue[] {
  const result = validateManifest(json);
  if (result.ok) throw new Error('expected the manifest to be rejected');
  return result.issues;
}

/** Asserts that the manifest is rejected with an issue at exactly `path`. */
function rejectsAt(t: Test, overrides: Record<string, unknown>, path: string, message?: RegExp) {
  const issues = issuesOf(scaffoldManifest(overrides));
  const issue = issues.find((i) => i.path === path);
  t.ok(issue, `issue at ${path} (got ${JSON.stringify(issues)})`);
  if (issue && message) t.match(issue.message, message);
}

function accepts(t: Test, overrides: Record<string, unknown>): Manifest {
  const result = validateManifest(scaffoldManifest(overrides));
  t.ok(result.ok, result.ok ? 'valid' : JSON.stringify(result.issues));
  return (result as { manifest: Manifest }).manifest;
}

t.test('the scaffold manifest validates and gets defaults', async (t) => {
  const manifest = accepts(t, {});
  t.equal(manifest.entry, 'dist/main.wasm');
  t.equal(manifest.runtime, 'wasm-component@1');
  const bare = validateManifest({ name: 'x', publisher: 'y', version: '1.0.0' });
  t.ok(bare.ok, 'name, publisher and version are all that is required');
});

t.test('the CLI scaffold template and the example manifests validate', async (t) => {
  const here = new URL('.', import.meta.url);
  const candidates = ['../../cli/templates/js/manifest.json', '../../../examples/hello/manifest.json'];
  for (const relative of candidates) {
    const file = new URL(relative, here);
    if (!existsSync(file)) continue; // owned by other packages; checked when present
    const text = readFileSync(file, 'utf8').replace(/\{\{\s*\w+\s*\}\}/g, 'placeholder');
    const result = validateManifest(JSON.parse(text));
    t.ok(result.ok, `${relative}: ${result.ok ? 'valid' : JSON.stringify(result.issues)}`);
  }
});

t.test('every documented field is accepted', async (t) => {
  const manifest = accepts(t, {
    $schema: 'https://annex.dev/schemas/manifest-v2.json',
    displayName: 'Hello',
    description: 'Says hello',
    homepage: 'https://example.com',
    license: 'MIT',
    entry: 'dist/main.wasm',
    capabilities: [...CAPABILITIES],
    egress: ['api.example.com', '*.corp.example.com:8443', 'http://plain.example.com', '10.0.0.1:8080'],
    api: {
      endpoints: [
        { method: 'GET', path: '/items/:id', handler: 'getItem' },
        { method: 'POST', path: '/items' },
        { method: 'PUT', path: '/items/:id' },
        { method: 'PATCH', path: '/items/:id' },
        { method: 'DELETE', path: '/items/:id' },
        { method: 'GET', path: '/' },
      ],
    },
    ui: { type: 'iframe', entry: 'ui/index.html', hooks: { appMenu: { label: 'Hello' } } },
    events: [
      { topic: 'ticket.created', handler: 'onTicket', filter: { priority: 'high' } },
      { topic: 'ticket.closed' },
    ],
    config: {
      type: 'object',
      properties: { greeting: { type: 'string', default: 'hi' }, email: { type: 'string', format: 'email' } },
      required: ['greeting'],
      additionalProperties: false,
    },
    secrets: [{ name: 'API_TOKEN', description: 'token', required: true }, { name: 'other_key' }],
    limits: { timeoutMs: 5000, memoryMb: 128 },
    sbom: 'sbom.spdx.json',
  });
  t.equal(manifest.capabilities?.length, CAPABILITIES.length);
});

t.test('not an object, not JSON', async (t) => {
  t.same(issuesOf([]), [{ path: '', message: 'the manifest must be a JSON object' }]);
  const parsed = parseManifest('{ nope');
  t.notOk(parsed.ok);
  t.match(!parsed.ok && parsed.issues[0]?.message, /not valid JSON/);
});

t.test('unknown top-level fields are named', async (t) => {
  const issues = issuesOf(scaffoldManifest({ capabilites: [], color: 'red' }));
  t.match(issues, [
    { path: 'capabilites', message: /unknown field "capabilites".*did you mean "capabilities"/ },
    { path: 'color', message: /unknown field "color"/ },
  ]);
});

t.test('required fields', async (t) => {
  const issues = issuesOf({ name: 'x' });
  t.ok(issues.some((i) => i.path === 'publisher' && /required/.test(i.message)));
  t.ok(issues.some((i) => i.path === 'version' && /required/.test(i.message)));
});

t.test('name and publisher formats', async (t) => {
  rejectsAt(t, { name: 'Hello' }, 'name', /lowercase/);
  rejectsAt(t, { name: '-hello' }, 'name');
  rejectsAt(t, { name: 'a'.repeat(65) }, 'name');
  accepts(t, { name: 'a'.repeat(64) });
  rejectsAt(t, { publisher: 'acme_inc' }, 'publisher', /lowercase/);
  rejectsAt(t, { publisher: 'a'.repeat(40) }, 'publisher');
  accepts(t, { publisher: 'a'.repeat(39) });
});

t.test('version is strict SemVer', async (t) => {
  rejectsAt(t, { version: 'v1.0.0' }, 'version', /SemVer/);
  rejectsAt(t, { version: '1.0' }, 'version');
  rejectsAt(t, { version: '01.0.0' }, 'version');
  rejectsAt(t, { version: 1 }, 'version');
  accepts(t, { version: '1.2.3-beta.1+build.5' });
});

t.test('runtime and entry', async (t) => {
  rejectsAt(t, { runtime: 'wasm-component@2' }, 'runtime', /wasm-component@1/);
  rejectsAt(t, { entry: '../main.wasm' }, 'entry', /\.\./);
  rejectsAt(t, { entry: '/dist/main.wasm' }, 'entry', /absolute/);
  accepts(t, { entry: 'build/component.wasm' });
});

t.test('optional strings must be strings', async (t) => {
  for (const field of ['displayName', 'description', 'homepage', 'license'])
    rejectsAt(t, { [field]: 42 }, field);
});

t.test('capabilities come from the vocabulary', async (t) => {
  rejectsAt(t, { capabilities: ['cap:log.emit', 'cap:fs.write'] }, 'capabilities[1]', /unknown capability/);
  rejectsAt(t, { capabilities: ['cap:log.emit', 'cap:log.emit'] }, 'capabilities[1]', /duplicate/);
  rejectsAt(t, { capabilities: 'cap:log.emit' }, 'capabilities');
});

t.test('egress entries', async (t) => {
  rejectsAt(t, { egress: ['api.example.com', 'ftp://files.example.com'] }, 'egress[1]', /scheme/);
  rejectsAt(t, { egress: ['exa mple.com'] }, 'egress[0]');
  rejectsAt(t, { egress: ['api.example.com:99999'] }, 'egress[0]', /port/);
  rejectsAt(t, { egress: ['*'] }, 'egress[0]', /name the hosts/);
  rejectsAt(t, { egress: ['api.example.com', 'https://API.example.com'] }, 'egress[1]', /duplicate/);
  accepts(t, { egress: ['*.example.com', 'http://localhost:8080'] });
});

t.test('api endpoints', async (t) => {
  const endpoints = (...list: unknown[]) => ({ api: { endpoints: list } });
  rejectsAt(t, endpoints({ method: 'GET', path: 'items' }), 'api.endpoints[0].path', /start with/);
  rejectsAt(t, endpoints({ method: 'GET', path: '/a/../b' }), 'api.endpoints[0].path', /\.\./);
  rejectsAt(t, endpoints({ method: 'GET', path: '/a//b' }), 'api.endpoints[0].path', /empty/);
  rejectsAt(t, endpoints({ method: 'GET', path: '/items/' }), 'api.endpoints[0].path', /empty/);
  rejectsAt(t, endpoints({ method: 'GET', path: '/items/:' }), 'api.endpoints[0].path', /parameter/);
  rejectsAt(t, endpoints({ method: 'GET', path: '/a/:id/b/:id' }), 'api.endpoints[0].path', /twice/);
  rejectsAt(t, endpoints({ method: 'GET', path: '/a b' }), 'api.endpoints[0].path', /not allowed/);
  rejectsAt(t, endpoints({ method: 'GET', path: '/a?b=1' }), 'api.endpoints[0].path', /not allowed/);
  rejectsAt(
    t,
    endpoints({ method: 'HEAD', path: '/a' }),
    'api.endpoints[0].method',
    /GET, POST, PUT, PATCH, DELETE/,
  );
  rejectsAt(t, endpoints({ method: 'GET' }), 'api.endpoints[0].path', /required/);
  rejectsAt(t, endpoints({ method: 'GET', path: '/a', extra: 1 }), 'api.endpoints[0].extra', /unknown field/);
  rejectsAt(
    t,
    endpoints(
      { method: 'GET', path: '/items/:id' },
      { method: 'POST', path: '/items/:id' },
      { method: 'GET', path: '/items/:key' },
    ),
    'api.endpoints[2]',
    /duplicates api\.endpoints\[0\]/,
  );
  rejectsAt(t, { api: {} }, 'api.endpoints', /required/);
});

t.test('ui', async (t) => {
  rejectsAt(t, { ui: { type: 'window', entry: 'ui/index.html' } }, 'ui.type', /iframe/);
  rejectsAt(t, { ui: { type: 'iframe', entry: 'index.html' } }, 'ui.entry', /under ui\//);
  rejectsAt(t, { ui: { type: 'iframe', entry: 'ui/../x.html' } }, 'ui.entry', /\.\./);
  rejectsAt(t, { ui: { type: 'iframe' } }, 'ui.entry', /required/);
  rejectsAt(t, { ui: { type: 'iframe', entry: 'ui/index.html', hooks: 'x' } }, 'ui.hooks');
});

t.test('events', async (t) => {
  rejectsAt(t, { events: [{ handler: 'x' }] }, 'events[0].topic', /required/);
  rejectsAt(t, { events: [{ topic: 'has space' }] }, 'events[0].topic');
  rejectsAt(t, { events: [{ topic: 'a', filter: 3 }] }, 'events[0].filter');
  accepts(t, { events: [{ topic: 'ticket.*', filter: 'priority = high' }] });
});

t.test('config must be a valid JSON Schema', async (t) => {
  rejectsAt(
    t,
    { config: { type: 'object', properties: { a: { type: 'strnig' } } } },
    'config.properties.a.type',
  );
  rejectsAt(t, { config: { type: 'object', requried: ['a'] } }, 'config', /unknown keyword/);
  rejectsAt(t, { config: { type: 'array' } }, 'config.type', /object/);
  rejectsAt(
    t,
    { config: { type: 'object', properties: { a: { $ref: 'https://example.com/s.json' } } } },
    'config',
  );
  rejectsAt(t, { config: [] }, 'config');
  accepts(t, {
    config: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      $defs: { n: { type: 'number' } },
    },
  });
  // The same $id in two manifests (two uploads in one registry process) is fine.
  accepts(t, { config: { $id: 'urn:annex:config', type: 'object' } });
  accepts(t, { config: { $id: 'urn:annex:config', type: 'object' } });
});

t.test('compileConfigSchema validates install configs with paths', async (t) => {
  const compiled = compileConfigSchema({
    type: 'object',
    properties: {
      retries: { type: 'integer', minimum: 0 },
      hosts: { type: 'array', items: { type: 'string' } },
    },
    required: ['retries'],
    additionalProperties: false,
  });
  if (!compiled.ok) throw new Error('schema should compile');
  t.same(compiled.schema.validate({ retries: 1, hosts: ['a'] }), []);
  const issues = compiled.schema.validate({ hosts: ['a', 2], extra: true });
  t.ok(issues.some((i) => i.path === 'retries'));
  t.ok(issues.some((i) => i.path === 'hosts[1]'));
  t.ok(issues.some((i) => i.path === 'extra' && i.message === 'unknown field'));
});

t.test('secrets', async (t) => {
  rejectsAt(t, { secrets: [{ name: 'A' }, { name: 'A' }] }, 'secrets[1].name', /duplicate/);
  rejectsAt(t, { secrets: [{ name: 'has-dash' }] }, 'secrets[0].name');
  rejectsAt(t, { secrets: [{ name: '1ABC' }] }, 'secrets[0].name');
  rejectsAt(t, { secrets: [{ name: 'A', required: 'yes' }] }, 'secrets[0].required');
});

t.test('limits', async (t) => {
  rejectsAt(t, { limits: { timeoutMs: 0 } }, 'limits.timeoutMs');
  rejectsAt(t, { limits: { timeoutMs: 1.5 } }, 'limits.timeoutMs');
  rejectsAt(t, { limits: { memoryMb: -1 } }, 'limits.memoryMb');
  rejectsAt(t, { limits: { cpu: 2 } }, 'limits.cpu', /unknown field/);
  accepts(t, { limits: { memoryMb: 64 } });
});

t.test('sbom', async (t) => {
  rejectsAt(t, { sbom: '../sbom.json' }, 'sbom');
  rejectsAt(t, { sbom: 7 }, 'sbom');
});

t.test('checkBundleFiles cross-checks the manifest against the archive', async (t) => {
  const valid = (overrides: Record<string, unknown>) => {
    const result = validateManifest(scaffoldManifest(overrides));
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    return result.manifest;
  };
  t.same(checkBundleFiles(valid({}), ['manifest.json', 'dist/main.wasm']), []);
  t.match(checkBundleFiles(valid({}), ['manifest.json']), [{ path: 'entry', message: /dist\/main\.wasm/ }]);
  t.match(checkBundleFiles(valid({ api: undefined, events: [{ topic: 'a' }] }), ['manifest.json']), [
    { path: 'entry' },
  ]);
  t.same(
    checkBundleFiles(valid({ api: undefined }), ['manifest.json']),
    [],
    'no component needed without endpoints or events',
  );
  const withUi = valid({ api: undefined, ui: { type: 'iframe', entry: 'ui/index.html' } });
  t.match(checkBundleFiles(withUi, ['manifest.json']), [{ path: 'ui.entry' }]);
  t.same(checkBundleFiles(withUi, ['manifest.json', 'ui/index.html']), []);
  const withSbom = valid({ api: undefined, sbom: 'sbom.spdx.json' });
  t.match(checkBundleFiles(withSbom, ['manifest.json']), [{ path: 'sbom' }]);
});
