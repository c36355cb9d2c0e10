import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import t from 'tap';
import { parseKeks } from '@annex/config';
import { withSystem } from '@annex/db';
import { rotateSecretKeks } from '@annex/registry';
import { decryptValue, openSecrets } from '@annex/secrets';
import { testDatabaseKind } from '@annex/test-support';
import { registryHarness, type Harness } from './harness.js';
import { publishVersion } from './publish.js';
import { startRunnerStub } from './runner-stub.js';

const OLD_KEK = `old:${randomBytes(32).toString('base64')}`;
const NEW_KEK = `new:${randomBytes(32).toString('base64')}`;
const PLAINTEXT = `sk_live_${randomBytes(12).toString('hex')}`;
const OTHER = `pw_${randomBytes(12).toString('hex')}`;

/** Every way a value could show: as is, base64, hex. */
function leaks(text: string, value: string): string[] {
  return [value, Buffer.from(value).toString('base64'), Buffer.from(value).toString('hex')].filter((form) =>
    text.includes(form),
  );
}

async function allSecretRows(h: Harness) {
  return withSystem(h.database.db, (trx) => trx.selectFrom('tenant_extension_secret').selectAll().execute());
}

t.test(`secrets are write-only and encrypted (${testDatabaseKind()})`, async (t) => {
  const stub = await startRunnerStub(t);
  let logs = '';
  const logStream = new Writable({
    write(chunk, _encoding, done) {
      logs += chunk.toString();
      done();
    },
  });
  const h = await registryHarness(
    t,
    { RUNNER_BASE_URL: stub.url, SECRETS_KEK: OLD_KEK, LOG_LEVEL: 'trace' },
    { logStream },
  );
  const pub = await h.key('publisher', { publishers: ['acme'] });
  const tenant = await h.key('tenant', { tenantId: 't1' });
  const base = '/v1/tenants/t1/installs';
  await publishVersion(h, pub, {
    name: 'vault',
    version: '1.0.0',
    capabilities: ['cap:secrets.get'],
    secrets: [{ name: 'API_TOKEN', required: true }, { name: 'PASSWORD' }],
  });
  await publishVersion(h, pub, {
    name: 'blind',
    version: '1.0.0',
    capabilities: ['cap:log.emit'],
    secrets: [{ name: 'API_TOKEN' }],
  });
  const install = (await h.call('POST', base, tenant, { extension: 'acme.vault' })).json();
  const answers: string[] = [];

  t.test('set, list, replace, remove', async (t) => {
    const put = await h.call('PUT', `${base}/acme.vault/secrets`, tenant, {
      API_TOKEN: PLAINTEXT,
      PASSWORD: OTHER,
    });
    answers.push(put.body);
    t.equal(put.statusCode, 200, put.body);
    t.match(put.json(), {
      items: [
        { name: 'API_TOKEN', version: 1 },
        { name: 'PASSWORD', version: 1 },
      ],
      missing: [],
    });
    const first = put.json().items[0];

    const again = await h.call('PUT', `${base}/acme.vault/secrets`, tenant, { API_TOKEN: `${PLAINTEXT}-2` });
    answers.push(again.body);
    const replaced = again.json().items[0];
    t.equal(replaced.version, 2, 'a new value is a new version');
    t.equal(replaced.createdAt, first.createdAt);

    const listed = await h.call('GET', `${base}/acme.vault/secrets`, tenant);
    answers.push(listed.body);
    t.same(
      Object.keys(listed.json().items[0]).sort(),
      ['createdAt', 'name', 'updatedAt', 'version'],
      'names, versions and timestamps only',
    );
    answers.push((await h.call('GET', `${base}/acme.vault`, tenant)).body);

    const undeclared = await h.call('PUT', `${base}/acme.vault/secrets`, tenant, { NOT_DECLARED: PLAINTEXT });
    answers.push(undeclared.body);
    t.equal(undeclared.statusCode, 400);
    t.equal(undeclared.json().error.code, 'SECRET_NOT_DECLARED');
    t.match(undeclared.json().error.message, /NOT_DECLARED/);
    const tooLong = await h.call('PUT', `${base}/acme.vault/secrets`, tenant, {
      PASSWORD: 'x'.repeat(70_000),
    });
    t.equal(tooLong.statusCode, 400);
    t.notMatch(tooLong.body, /xxxx/, 'a rejected value is not echoed');
    const badName = await h.call('PUT', `${base}/acme.vault/secrets`, tenant, { 'bad name': PLAINTEXT });
    answers.push(badName.body);
    t.equal(badName.statusCode, 400);

    t.equal(
      (await h.call('PUT', `${base}/acme.vault/secrets`, tenant, { PASSWORD: null })).json().items.length,
      1,
    );
    t.equal((await h.call('PUT', `${base}/acme.vault/secrets`, tenant, { PASSWORD: OTHER })).statusCode, 200);
    t.equal((await h.call('DELETE', `${base}/acme.vault/secrets/PASSWORD`, tenant)).statusCode, 204);
    const missing = await h.call('DELETE', `${base}/acme.vault/secrets/PASSWORD`, tenant);
    t.equal(missing.json().error.code, 'SECRET_NOT_FOUND');
    await h.call('PUT', `${base}/acme.vault/secrets`, tenant, { API_TOKEN: PLAINTEXT, PASSWORD: OTHER });
  });

  t.test('the database holds ciphertext bound to tenant, install and name', async (t) => {
    const rows = await allSecretRows(h);
    t.equal(rows.length, 2);
    for (const value of [PLAINTEXT, OTHER])
      t.same(leaks(JSON.stringify(rows), value), [], 'no plaintext in the table');
    const row = rows.find((r) => r.name === 'API_TOKEN')!;
    t.equal(row.key_id, 'old');
    const keks = parseKeks(OLD_KEK);
    const stored = { ciphertext: row.ciphertext, keyId: row.key_id };
    t.equal(
      decryptValue(stored, keks, { tenantId: 't1', installId: install.id, name: 'API_TOKEN' }),
      PLAINTEXT,
    );
    t.throws(
      () => decryptValue(stored, keks, { tenantId: 't1', installId: install.id, name: 'PASSWORD' }),
      'a ciphertext moved to another name does not open',
    );
  });

  t.test('the runner gets them only inside secret_envelope', async (t) => {
    const res = await h.app.inject({
      url: '/api/ext/acme.vault/hello',
      headers: { authorization: `Bearer ${tenant}` },
    });
    t.equal(res.statusCode, 200, res.body);
    const call = stub.calls.at(-1)!;
    t.same(leaks(JSON.stringify(call), PLAINTEXT), [], 'not in clear anywhere in the execute request');
    const opened = openSecrets(call.envelope.secret_envelope, h.config.keks, {
      tenantId: 't1',
      installId: install.id,
    });
    t.same(opened, { API_TOKEN: PLAINTEXT, PASSWORD: OTHER });

    const resolved = (
      await h.call('GET', `${base}/acme.vault/resolve?method=GET&path=/hello`, tenant)
    ).json();
    answers.push(JSON.stringify(resolved));
    t.same(
      openSecrets(resolved.secretEnvelope, h.config.keks, { tenantId: 't1', installId: install.id }),
      opened,
    );

    const blind = (await h.call('POST', base, tenant, { extension: 'acme.blind' })).json();
    await h.call('PUT', `${base}/acme.blind/secrets`, tenant, { API_TOKEN: PLAINTEXT });
    await h.app.inject({ url: '/api/ext/acme.blind/hello', headers: { authorization: `Bearer ${tenant}` } });
    const envelope = stub.calls.at(-1)!.envelope.secret_envelope;
    t.same(
      openSecrets(envelope, h.config.keks, { tenantId: 't1', installId: blind.id }),
      {},
      'without cap:secrets.get the envelope is empty',
    );
  });

  t.test('rotate-kek re-encrypts under the first key; the old one still opens what it sealed', async (t) => {
    const keks = parseKeks(`${NEW_KEK},${OLD_KEK}`);
    const outcome = await rotateSecretKeks(h.database.db, keks);
    t.same(outcome, { keyId: 'new', reencrypted: 3, current: 3, failed: [] });
    const rows = await allSecretRows(h);
    t.same([...new Set(rows.map((r) => r.key_id))], ['new']);
    for (const value of [PLAINTEXT, OTHER]) t.same(leaks(JSON.stringify(rows), value), []);
    t.same(await rotateSecretKeks(h.database.db, keks), {
      keyId: 'new',
      reencrypted: 0,
      current: 3,
      failed: [],
    });

    const rotated = await registryHarness(
      t,
      { RUNNER_BASE_URL: stub.url, SECRETS_KEK: `${NEW_KEK},${OLD_KEK}` },
      { database: h.database },
    );
    const res = await rotated.app.inject({
      url: '/api/ext/acme.vault/hello',
      headers: { authorization: `Bearer ${tenant}` },
    });
    t.equal(res.statusCode, 200, res.body);
    const envelope = stub.calls.at(-1)!.envelope.secret_envelope;
    t.equal(envelope.key_id, 'new');
    t.same(openSecrets(envelope, keks, { tenantId: 't1', installId: install.id }), {
      API_TOKEN: PLAINTEXT,
      PASSWORD: OTHER,
    });

    const unreadable = await rotateSecretKeks(h.database.db, parseKeks(OLD_KEK));
    t.equal(unreadable.failed.length, 3, 'without the new key nothing opens, and nothing is lost');
    t.same(unreadable.failed[0]!.reason, 'UNKNOWN_KEY');
  });

  t.test('no plaintext in any answer or log line', async (t) => {
    t.ok(logs.length > 1000, 'logs were captured');
    for (const value of [PLAINTEXT, OTHER]) {
      t.same(leaks(logs, value), [], 'logs');
      t.same(leaks(answers.join('\n'), value), [], 'answers');
    }
  });
});
