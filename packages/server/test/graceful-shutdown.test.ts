import { fileURLToPath } from 'node:url';
import t from 'tap';
import { startNode } from '@annex/test-support';

const fixture = fileURLToPath(new URL('./fixtures/slow-server.mjs', import.meta.url));

t.test('SIGTERM lets the in-flight request finish, then closes resources and exits 0', async (t) => {
  const proc = startNode(fixture, {});
  t.teardown(() => proc.kill('SIGKILL'));
  const port = (await proc.waitForOutput(/LISTENING (\d+)/))[1];
  const inflight = fetch(`http://127.0.0.1:${port}/slow`);
  await proc.waitForOutput(/SLOW_REQUEST_STARTED/);
  proc.kill('SIGTERM');
  const res = await inflight;
  t.equal(res.status, 200);
  t.same(await res.json(), { finished: true });
  t.equal(await proc.exited, 0);
  t.match(proc.stdout(), /shutting down: finishing in-flight requests/);
  t.match(proc.stdout(), /RESOURCES_CLOSED/);
  t.match(proc.stdout(), /shut down cleanly/);
  await t.rejects(fetch(`http://127.0.0.1:${port}/slow`), 'no longer listening');
});
