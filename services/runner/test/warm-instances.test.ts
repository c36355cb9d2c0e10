// RUNNER_WARM_INSTANCES bounds the warm instances a worker keeps, one per (install, content hash),
// least recently used out first: with one worker and one slot, two installs of the same component
// called in turn evict each other, and a repeated call of one stays warm.
import t from 'tap';
import { loadConfig } from '@annex/config';
import { buildEchoComponent } from './components.js';
import { runnerHarness } from './harness.js';

t.test('one warm slot: installs of the same hash evict each other', async (t) => {
  const h = await runnerHarness(t, { env: { RUNNER_WORKERS: '1', RUNNER_WARM_INSTANCES: '1' } });
  const hash = await h.publish(await buildEchoComponent());
  const a = await h.install(hash);
  const b = await h.install(hash);
  const cold = async (install: typeof a) => {
    const res = await h.execute(h.envelope(install));
    t.equal(res.statusCode, 200);
    return res.json().metrics.cold as boolean;
  };
  t.equal(await cold(a), true, 'first call of a loads an instance');
  t.equal(await cold(a), false, 'a again: its instance is warm');
  t.equal(await cold(b), true, 'b has no instance of its own (instances are never shared across installs)');
  t.equal(await cold(a), true, "b's instance took the only slot");
  const stats = await h.stats();
  t.equal(stats.pool.warmInstances, 1);
});

t.test('a bad value stops start-up with a clear message', async (t) => {
  t.throws(() => loadConfig('runner', { RUNNER_WARM_INSTANCES: '0' }), /RUNNER_WARM_INSTANCES/);
});
