import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { createClient } from '@annex/client';
import { withSystem } from '@annex/db';
import {
  bundleBytes,
  createApiKey,
  publishBundle,
  startTestPlatform,
  TEST_ADMIN_TOKEN,
  tempDir,
  testDatabaseKind,
} from '@annex/test-support';
import { annex, type CliResult } from './cli-harness.js';

const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const SECRET = `sk_${randomBytes(16).toString('hex')}`;

/** Runs `annex` with `input` on standard input (the harness gives children none). */
function annexWithStdin(args: string[], env: Record<string, string>, input: string): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code: code ?? 'signal', stdout, stderr }));
    child.stdin.end(input);
  });
}

/** Publishes a version over HTTP: initiate, upload through the registry URL, finalize. */
async function publish(base: string, key: string, manifest: Record<string, unknown>) {
  await publishBundle(base, key, await bundleBytes(manifest));
}

// Each verb is a node process (about 1 s to start): on a busy machine more than the file timeout of
// .taprc, so this file asks its runner for more (tap honours the root test's setTimeout).
t.setTimeout(300_000);

t.test(`install, config, update, secrets verbs (${testDatabaseKind()})`, async (t) => {
  const platform = await startTestPlatform({ EXT_EGRESS_ALLOWLIST: 'api.example.com' });
  t.teardown(() => platform.stop());
  const configDir = tempDir();
  t.teardown(configDir.remove);
  const base = platform.registryUrl;
  const publisher = await createApiKey(base, TEST_ADMIN_TOKEN, { role: 'publisher', publishers: ['acme'] });
  const tenantKey = await createApiKey(base, TEST_ADMIN_TOKEN, { role: 'tenant', tenantId: 't1' });
  const schema = {
    type: 'object',
    properties: { greeting: { type: 'string' } },
    additionalProperties: false,
  };
  await publish(base, publisher, {
    version: '1.0.0',
    capabilities: ['cap:log.emit', 'cap:secrets.get'],
    config: schema,
    secrets: [{ name: 'API_TOKEN', required: true }, { name: 'OTHER' }],
  });
  await publish(base, publisher, {
    version: '2.0.0',
    capabilities: ['cap:log.emit', 'cap:secrets.get', 'cap:http.fetch'],
    egress: ['api.example.com'],
    config: schema,
    secrets: [{ name: 'API_TOKEN', required: true }, { name: 'OTHER' }],
  });
  const env = {
    ANNEX_CONFIG_DIR: configDir.path,
    ANNEX_REGISTRY_URL: base,
    ANNEX_API_KEY: tenantKey,
    ANNEX_TENANT_ID: 't1',
  };
  const json = async (args: string[], extra: Record<string, string> = {}) => {
    const res = await annex(['--json', ...args], { ...env, ...extra });
    return { ...res, json: res.stdout ? JSON.parse(res.stdout) : undefined };
  };

  t.test('install, list, show and change the config', async (t) => {
    const noTenant = await annex(['install', 'acme.hello'], { ...env, ANNEX_TENANT_ID: '' });
    t.equal(noTenant.code, 2);
    t.match(noTenant.stderr, /--tenant <id> or set ANNEX_TENANT_ID/);

    const bad = await annex(['install', 'acme.hello@1.0.0', '--grant', 'cap:storage.kv'], env);
    t.equal(bad.code, 1);
    t.match(bad.stderr, /capability cap:storage\.kv is not requested/);

    const res = await json([
      'install',
      'acme.hello@1.0.0',
      '--config',
      '{"greeting":"hi"}',
      '--grant',
      'cap:log.emit,cap:secrets.get',
    ]);
    t.equal(res.code, 0, res.stderr);
    t.match(res.json, {
      version: '1.0.0',
      status: 'pending',
      missingSecrets: ['API_TOKEN'],
      config: { greeting: 'hi' },
    });
    const human = await annex(['installs'], env);
    t.match(human.stdout, /acme\.hello\s+1\.0\.0\s+pending/);

    const set = await json(['config', 'acme.hello', '--set', 'greeting=hey there']);
    t.equal(set.code, 0, set.stderr);
    t.same(set.json.config, { greeting: 'hey there' });
    const invalid = await annex(['config', 'acme.hello', '--set', 'colour=red'], env);
    t.equal(invalid.code, 1);
    t.match(invalid.stderr, /config\.colour/);
    const shown = await annex(['config', 'acme.hello'], env);
    t.match(shown.stdout, /config: \{"greeting":"hey there"\}/);
  });

  t.test('secrets: from stdin, the environment or a flag; never printed', async (t) => {
    const piped = await annexWithStdin(['secrets', 'set', 'acme.hello', 'API_TOKEN'], env, `${SECRET}\n`);
    t.equal(piped.code, 0, piped.stderr);
    t.match(piped.stdout, /set API_TOKEN \(version 1\) for acme\.hello/);
    const fromEnv = await json(['secrets', 'set', 'acme.hello', 'OTHER', '--from-env', 'MY_VAR'], {
      MY_VAR: `${SECRET}-2`,
    });
    t.equal(fromEnv.code, 0, fromEnv.stderr);
    const flag = await json(['secrets', 'set', 'acme.hello', 'API_TOKEN', '--value', `${SECRET}-3`]);
    t.equal(flag.json.items.find((i: { name: string }) => i.name === 'API_TOKEN').version, 2);
    const twoSources = await annex(['secrets', 'set', 'acme.hello', 'OTHER', '--value', 'x', '--stdin'], env);
    t.equal(twoSources.code, 2);
    const undeclared = await annex(['secrets', 'set', 'acme.hello', 'NOPE', '--value', SECRET], env);
    t.equal(undeclared.code, 1);
    t.match(undeclared.stderr, /declares no secret NOPE/);
    const ls = await annex(['secrets', 'ls', 'acme.hello'], env);
    t.match(ls.stdout, /API_TOKEN\s+v2/);
    t.match(ls.stdout, /OTHER\s+v1/);
    for (const res of [piped, fromEnv, flag, twoSources, undeclared, ls]) {
      t.notMatch(res.stdout + res.stderr, SECRET, 'the value is never printed');
    }
    const rows = await withSystem(platform.resources.database.db, (trx) =>
      trx.selectFrom('tenant_extension_secret').selectAll().execute(),
    );
    t.equal(rows.length, 2);
    t.notMatch(JSON.stringify(rows), SECRET, 'only ciphertext in the database');
    t.match((await json(['installs'])).json.items[0], { status: 'enabled', missingSecrets: [] });
    t.equal((await annex(['secrets', 'rm', 'acme.hello', 'OTHER'], env)).code, 0);
  });

  t.test('update needs --approve for new grants; rollback; enable and disable', async (t) => {
    const refused = await annex(['update', 'acme.hello', '2.0.0'], env);
    t.equal(refused.code, 1);
    t.match(
      refused.stderr,
      /acme\.hello@2\.0\.0 asks for more than the install holds: capabilities cap:http\.fetch; egress api\.example\.com\. Run again with --approve/,
    );
    t.match((await annex(['installs'], env)).stdout, /update to 2\.0\.0 pending/);
    const approved = await json(['update', 'acme.hello', '2.0.0', '--approve']);
    t.equal(approved.code, 0, approved.stderr);
    t.match(approved.json, { version: '2.0.0', egress: ['api.example.com'] });
    t.equal((await json(['update', 'acme.hello', '^1'])).json.version, '1.0.0', 'rollback to a range');
    t.equal((await json(['disable', 'acme.hello'])).json.status, 'disabled');
    t.equal((await json(['enable', 'acme.hello'])).json.status, 'enabled');
  });

  t.test('the typed client: resolve, gateway calls, executions', async (t) => {
    const tenant = createClient({ baseUrl: base, apiKey: tenantKey }).tenant('t1');
    const resolved = await tenant.resolve('acme.hello', { method: 'GET', path: '/hello' });
    t.match(resolved, {
      version: '1.0.0',
      endpoint: { method: 'GET', path: '/hello' },
      secretEnvelope: { key_id: String },
    });
    await tenant.installs.disable('acme.hello');
    const gateway = createClient({
      baseUrl: base,
      apiKey: await createApiKey(base, TEST_ADMIN_TOKEN, { role: 'gateway' }),
    });
    const refused = await gateway.callExtension('acme.hello', '/hello', { tenantId: 't1' });
    t.equal(refused.status, 404);
    t.equal(JSON.parse(Buffer.from(refused.body).toString()).error.code, 'EXTENSION_NOT_AVAILABLE');
    const { items } = await tenant.executions.list({ extension: 'acme.hello', status: '404' });
    t.same(
      items.map((e) => e.requestId),
      [refused.requestId],
      'the refused call is in the log under its request id',
    );
    await tenant.installs.enable('acme.hello');
  });

  t.test('uninstall', async (t) => {
    const res = await annex(['uninstall', 'acme.hello'], env);
    t.equal(res.code, 0, res.stderr);
    t.match(res.stdout, /uninstalled acme\.hello for t1/);
    const missing = await json(['config', 'acme.hello']);
    t.equal(missing.code, 1);
    t.equal(missing.json.error.code, 'INSTALL_NOT_FOUND');
  });
});
