import { statSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { json } from '@annex/db';
import { startTestPlatform, TEST_ADMIN_TOKEN, tempDir, testDatabaseKind } from '@annex/test-support';
import { annex } from './cli-harness.js';

t.test(`network verbs against a running registry (${testDatabaseKind()})`, async (t) => {
  const platform = await startTestPlatform();
  t.teardown(() => platform.stop());
  const config = tempDir();
  t.teardown(config.remove);
  const env = { ANNEX_CONFIG_DIR: config.path };
  const registry = platform.registryUrl;

  t.test('without a login: exit 2 and what to do', async (t) => {
    const res = await annex(['ls'], env);
    t.equal(res.code, 2);
    t.match(res.stderr, /not logged in: run `annex login --registry <url> --key <apiKey>`/);
  });

  t.test('login checks the key, then saves it privately', async (t) => {
    const bad = await annex(['login', '--registry', registry, '--key', 'annex_wrong'], env);
    t.equal(bad.code, 1);
    t.match(
      bad.stderr,
      /the API key is not valid or was revoked \(check the API key, or run `annex login` again\)/,
    );
    const down = await annex(['login', '--registry', 'http://127.0.0.1:9', '--key', 'x'], env);
    t.equal(down.code, 1);
    t.match(down.stderr, /could not reach http:\/\/127\.0\.0\.1:9.*is the registry running/);
    const ok = await annex(['login', '--registry', registry, '--key', TEST_ADMIN_TOKEN], env);
    t.equal(ok.code, 0, ok.stderr);
    t.equal(statSync(join(config.path, 'credentials.json')).mode & 0o777, 0o600);
  });

  let publisherKey = '';
  t.test('keys create, ls and revoke', async (t) => {
    const created = await annex(
      ['--json', 'keys', 'create', '--role', 'publisher', '--publisher', 'acme', '--name', 'ci'],
      env,
    );
    t.equal(created.code, 0, created.stderr);
    const key = JSON.parse(created.stdout);
    t.match(key, { role: 'publisher', publishers: ['acme'], name: 'ci', key: /^annex_/ });
    publisherKey = key.key;
    const throwaway = JSON.parse(
      (await annex(['--json', 'keys', 'create', '--role', 'tenant', '--tenant', 't1'], env)).stdout,
    );
    const ls = await annex(['keys', 'ls'], env);
    t.match(ls.stdout, new RegExp(`${key.id}\\s+publisher\\s+acme\\s+ci`));
    t.notMatch(ls.stdout, key.key);
    const revoked = await annex(['keys', 'revoke', throwaway.id], env);
    t.equal(revoked.code, 0);
    t.match((await annex(['keys', 'ls'], env)).stdout, new RegExp(`${throwaway.id}.*\\(revoked\\)`));
    const badRole = await annex(['keys', 'create', '--role', 'root'], env);
    t.equal(badRole.code, 2);
    const forbidden = await annex(['keys', 'ls', '--key', publisherKey], env);
    t.equal(forbidden.code, 1);
    t.match(forbidden.stderr, /this route needs an admin key \(this key lacks the role for it\)/);
  });

  t.test('ls, info, versions, deprecate, yank', async (t) => {
    const create = await fetch(`${registry}/v1/extensions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${publisherKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ publisher: 'acme', name: 'hello', description: 'Says hello' }),
    });
    const ext = (await create.json()) as { id: string };
    const db = platform.resources.database.db;
    for (const [i, v] of ['1.0.0', '1.1.0'].entries()) {
      const hash = `sha256:${String(i + 1).padStart(64, '0')}`;
      await db
        .insertInto('extension_bundle')
        .values({
          content_hash: hash,
          storage_url: 'x',
          size: 1,
          runtime: 'wasm-component@1',
          sdk_version: null,
        })
        .execute();
      await db
        .insertInto('extension_version')
        .values({
          registry_id: ext.id,
          semver: v,
          content_hash: hash,
          signature: null,
          signature_status: 'unsigned',
          signer: null,
          sbom_ref: null,
          manifest: json({ capabilities: ['cap:log.emit'] }),
          yank_reason: null,
        })
        .execute();
    }
    await db
      .updateTable('extension_registry')
      .set({ latest_version: '1.1.0' })
      .where('id', '=', ext.id)
      .execute();

    const ls = await annex(['ls', '--key', publisherKey], env);
    t.equal(ls.code, 0, ls.stderr);
    t.match(ls.stdout, /acme\.hello\s+1\.1\.0\s+Says hello/);
    const lsJson = JSON.parse((await annex(['--json', 'ls', '-q', 'hello'], env)).stdout);
    t.equal(lsJson.items[0].slug, 'acme.hello');

    const info = await annex(['info', 'acme.hello'], env);
    t.match(info.stdout, /acme\.hello/);
    t.match(info.stdout, /latest: 1\.1\.0/);
    t.match(info.stdout, /capabilities: cap:log\.emit/);

    const versions = await annex(['versions', 'acme.hello'], env);
    t.match(versions.stdout, /1\.1\.0\s+unsigned[\s\S]*1\.0\.0\s+unsigned/);

    const yank = await annex(
      ['yank', 'acme.hello', '1.1.0', '--reason', 'bad build', '--key', publisherKey],
      env,
    );
    t.equal(yank.code, 0, yank.stderr);
    t.match((await annex(['info', 'acme.hello'], env)).stdout, /latest: 1\.0\.0/);
    t.equal((await annex(['yank', 'acme.hello', '1.1.0', '--undo'], env)).code, 0);

    const dep = await annex(['deprecate', 'acme.hello', '--reason', 'superseded'], env);
    t.equal(dep.code, 0, dep.stderr);
    t.match((await annex(['info', 'acme.hello'], env)).stdout, /DEPRECATED: superseded/);
    t.equal((await annex(['deprecate', 'acme.hello', '--undo'], env)).code, 0);

    const missing = await annex(['--json', 'info', 'acme.nope'], env);
    t.equal(missing.code, 1);
    t.same(JSON.parse(missing.stdout), {
      error: { code: 'EXTENSION_NOT_FOUND', message: 'no extension "acme.nope"' },
    });
  });
});
