// Host capabilities through the probe guest: config (always granted), secrets with and without the
// grant, logging stamped with the request id, and a capability outside `providers` answering denied.
import t from 'tap';
import { buildProbeComponent } from './components.js';
import { answerBody, b64, runnerHarness } from './harness.js';

const h = await runnerHarness(t);
const hash = await h.publish(await buildProbeComponent());
const install = await h.install(hash);

const SECRETS_ERRORS = ['denied', 'not-found', 'unavailable'];
const LOG_ERRORS = ['denied', 'rate-limited'];

t.test('config.get answers the install config as JSON, with no grant needed', async (t) => {
  const config = { greeting: 'Grüezi', nested: { list: [1, 2, 3] } };
  const res = await h.execute(
    h.envelope(install, { http: { path: '/config' }, context: { config }, providers: [] }),
  );
  t.equal(res.statusCode, 200);
  t.same(JSON.parse(answerBody(res).toString()), config);
  const none = await h.execute(h.envelope(install, { http: { path: '/config' }, context: { config: null } }));
  t.equal(answerBody(none).toString(), '{}');
});

t.test('secrets.get with cap:secrets.get decrypts the envelope for this install', async (t) => {
  const secrets = { API_TOKEN: 'sk_live_ünï 🎉', OTHER: 'x' };
  const res = await h.execute(
    h.envelope(install, {
      http: { path: '/secret', method: 'POST', body_b64: b64('API_TOKEN') },
      providers: ['cap:secrets.get'],
      secrets,
    }),
  );
  t.equal(res.json().status, 200);
  t.equal(answerBody(res).toString(), secrets.API_TOKEN);

  const missing = await h.execute(
    h.envelope(install, {
      http: { path: '/secret', method: 'POST', body_b64: b64('NOPE') },
      providers: ['cap:secrets.get'],
      secrets,
    }),
  );
  t.equal(missing.json().status, 403);
  t.equal(SECRETS_ERRORS[answerBody(missing)[0]!], 'not-found');
});

t.test('secrets.get without the grant answers denied, even with an envelope', async (t) => {
  const res = await h.execute(
    h.envelope(install, {
      http: { path: '/secret', method: 'POST', body_b64: b64('API_TOKEN') },
      providers: ['cap:storage.kv', 'cap:http.fetch'],
      secrets: { API_TOKEN: 'never-seen' },
    }),
  );
  t.equal(res.json().status, 403);
  t.equal(SECRETS_ERRORS[answerBody(res)[0]!], 'denied');
  t.notMatch(res.body, /never-seen/);
});

t.test('an envelope sealed for another install is unavailable, not decrypted', async (t) => {
  const other = await h.install(hash);
  const sealedForOther = h.envelope(other, { secrets: { API_TOKEN: 'other-install' } }).secret_envelope;
  const res = await h.execute(
    h.envelope(install, {
      http: { path: '/secret', method: 'POST', body_b64: b64('API_TOKEN') },
      providers: ['cap:secrets.get'],
      secret_envelope: sealedForOther,
    }),
  );
  t.equal(SECRETS_ERRORS[answerBody(res)[0]!], 'unavailable');
  t.notMatch(res.body, /other-install/);
});

t.test('a log line carries the request id, tenant and extension', async (t) => {
  const envelope = h.envelope(install, {
    http: { path: '/greet', method: 'POST', body_b64: b64('hello from the guest ✓') },
    providers: ['cap:log.emit'],
  });
  const res = await h.execute(envelope);
  t.equal(res.json().status, 204);
  const requestId = (envelope.context as { request_id: string }).request_id;
  const line = h.logs().find((l) => l.msg === 'hello from the guest ✓');
  t.ok(line, 'the line reached the runner log');
  t.match(line, {
    guest: true,
    level: 30,
    reqId: requestId,
    tenantId: 't1',
    extensionId: install.extensionId,
    installId: install.installId,
  });
});

t.test('logging without cap:log.emit is denied and writes nothing', async (t) => {
  const res = await h.execute(
    h.envelope(install, {
      http: { path: '/greet', method: 'POST', body_b64: b64('unseen line') },
      providers: [],
    }),
  );
  t.equal(res.json().status, 429);
  t.equal(LOG_ERRORS[answerBody(res)[0]!], 'denied');
  t.notOk(h.logs().some((l) => l.msg === 'unseen line'));
});

t.test('long lines are cut and a call past its line budget is rate-limited', async (t) => {
  const limited = await runnerHarness(t, { limits: { log: { maxLineBytes: 64, maxLinesPerCall: 1 } } });
  const probe = await limited.publish(await buildProbeComponent());
  const inst = await limited.install(probe);
  const res = await limited.execute(
    limited.envelope(inst, {
      http: { path: '/greet', method: 'POST', body_b64: b64('x'.repeat(1000)) },
      providers: ['cap:log.emit'],
    }),
  );
  t.equal(res.json().status, 204);
  const line = limited.logs().find((l) => l.guest === true);
  t.equal(line?.msg, `${'x'.repeat(64)}…`);
});
