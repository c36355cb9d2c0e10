import t from 'tap';
import {
  deliveryRequestId,
  judgeOutcome,
  MAX_RETRY_DELAY_MS,
  retryDelay,
} from '../src/events/event-dispatcher.js';
import {
  filterMatches,
  jsonEqual,
  parseFilter,
  subscriptionMatches,
  topicMatches,
  valueAt,
} from '../src/events/event-match.js';

t.test('topicMatches: `*` matches any run of characters', async (t) => {
  t.ok(topicMatches('ticket.created', 'ticket.created'));
  t.notOk(topicMatches('ticket.created', 'ticket.created.v2'));
  t.notOk(topicMatches('ticket.created', 'Ticket.created'), 'case sensitive');
  t.ok(topicMatches('ticket.*', 'ticket.created'));
  t.ok(topicMatches('ticket.*', 'ticket.comment.added'), 'across dots');
  t.ok(topicMatches('ticket.*', 'ticket.'), 'an empty run too');
  t.notOk(topicMatches('ticket.*', 'ticket'));
  t.ok(topicMatches('*', 'anything/at:all'));
  t.ok(topicMatches('*.created', 'ticket.created'));
  t.ok(topicMatches('a*b*c', 'aXXbYYbZZc'));
  t.notOk(topicMatches('a*b*c', 'aXXbYYcZZ'));
  t.ok(topicMatches('a**b', 'ab'));
  t.notOk(topicMatches('a*b', 'axbxc'));
  t.ok(topicMatches('a*b', 'axbxb'), 'backtracks to the last b');
});

t.test('valueAt walks dotted paths through objects and arrays', async (t) => {
  const payload = { ticket: { priority: 'high', tags: ['a', 'b'], 'x.y': 1 }, n: null };
  t.same(valueAt(payload, 'ticket.priority'), { found: true, value: 'high' });
  t.same(valueAt(payload, 'ticket.tags.1'), { found: true, value: 'b' });
  t.same(valueAt(payload, 'n'), { found: true, value: null });
  t.same(valueAt(payload, 'ticket.tags.2'), { found: false });
  t.same(valueAt(payload, 'ticket.tags.01'), { found: false });
  t.same(valueAt(payload, 'ticket.missing'), { found: false });
  t.same(valueAt(payload, 'ticket.priority.length'), { found: false }, 'no properties of strings');
  t.same(valueAt(payload, 'toString'), { found: false }, 'no inherited properties');
  t.same(valueAt('scalar', 'a'), { found: false });
});

t.test('filterMatches: every key must match; arrays list allowed values', async (t) => {
  const payload = { ticket: { priority: 'high', board: 7, tags: ['x'] }, urgent: true };
  t.ok(filterMatches(undefined, payload), 'no filter: everything');
  t.ok(filterMatches(null, payload));
  t.ok(filterMatches({}, payload), 'an empty filter: everything');
  t.ok(filterMatches({ 'ticket.priority': 'high' }, payload));
  t.notOk(filterMatches({ 'ticket.priority': 'low' }, payload));
  t.ok(filterMatches({ 'ticket.priority': ['low', 'high'] }, payload), 'one of the allowed values');
  t.notOk(filterMatches({ 'ticket.priority': ['low', 'medium'] }, payload));
  t.ok(filterMatches({ 'ticket.priority': 'high', urgent: true }, payload), 'all keys');
  t.notOk(filterMatches({ 'ticket.priority': 'high', urgent: false }, payload));
  t.notOk(filterMatches({ 'ticket.board': '7' }, payload), 'JSON types are compared exactly');
  t.notOk(filterMatches({ 'ticket.missing': null }, payload), 'a missing path never matches');
  t.ok(filterMatches({ 'ticket.tags': [['x']] }, payload), 'an array value is wrapped');
  t.notOk(filterMatches({ 'ticket.tags': ['x'] }, payload), 'unwrapped, it lists allowed values');
  t.ok(filterMatches({ ticket: [{ priority: 'high', board: 7, tags: ['x'] }] }, payload), 'objects deep');
});

t.test('string filters hold the same object as JSON; unparseable ones match nothing', async (t) => {
  const payload = { kind: 'a' };
  t.ok(filterMatches('{"kind":"a"}', payload));
  t.notOk(filterMatches('{"kind":"b"}', payload));
  t.notOk(filterMatches('kind=a', payload), 'not JSON');
  t.notOk(filterMatches('["kind"]', payload), 'JSON but not an object');
  t.notOk(filterMatches('', payload));
  t.equal(parseFilter('null'), undefined, 'the text null is not an object either');
  t.equal(parseFilter(null), null);
  t.same(parseFilter('{"a":1}'), { a: 1 });
});

t.test('jsonEqual ignores key order', async (t) => {
  t.ok(jsonEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 }));
  t.notOk(jsonEqual({ a: 1 }, { a: 1, b: undefined }));
  t.notOk(jsonEqual([1, 2], [2, 1]));
  t.notOk(jsonEqual({}, []));
  t.ok(jsonEqual(null, null));
});

t.test('subscriptionMatches needs the topic and the filter', async (t) => {
  const rule = { topic: 'order.*', filter: { total: [100, 200] } };
  t.ok(subscriptionMatches(rule, 'order.paid', { total: 100 }));
  t.notOk(subscriptionMatches(rule, 'order.paid', { total: 300 }));
  t.notOk(subscriptionMatches(rule, 'invoice.paid', { total: 100 }));
});

t.test('judgeOutcome: what is delivered, retried or given up', async (t) => {
  const response = (status: number, headers: Record<string, string> = {}) =>
    judgeOutcome({ kind: 'response', status, headers, body: Buffer.alloc(0), metrics: { duration_ms: 1 } });
  t.match(response(200), { result: 'delivered', status: 200, error: null, metrics: { duration_ms: 1 } });
  t.match(response(204), { result: 'delivered' });
  for (const status of [500, 502, 503, 408, 429]) t.match(response(status), { result: 'retry', status });
  for (const status of [400, 401, 404, 409, 422, 301])
    t.match(response(status), { result: 'failed', status });
  t.match(response(429, { 'retry-after': '7' }), { result: 'retry', retryAfterMs: 7000 });
  const runnerError = (status: number, retryAfterSeconds?: number) =>
    judgeOutcome({
      kind: 'error',
      status,
      code: `C${status}`,
      message: 'm',
      ...(retryAfterSeconds ? { retryAfterSeconds } : {}),
    });
  t.match(runnerError(500), { result: 'retry', status: 500, error: 'C500' });
  t.match(runnerError(504), { result: 'retry' });
  t.match(runnerError(429, 3), { result: 'retry', retryAfterMs: 3000 });
  t.match(runnerError(404), { result: 'failed', error: 'C404' });
  t.match(runnerError(413), { result: 'failed' });
  t.match(judgeOutcome({ kind: 'unreachable', reason: 'ECONNREFUSED' }), {
    result: 'retry',
    status: 502,
    error: 'RUNNER_UNAVAILABLE',
  });
  t.match(judgeOutcome({ kind: 'timeout' }), { result: 'retry', status: 504, error: 'GATEWAY_TIMEOUT' });
  t.match(judgeOutcome({ kind: 'too-large' }), { result: 'failed', status: 502 });
});

t.test('retryDelay doubles from the base, honours Retry-After as a floor, and is capped', async (t) => {
  const settings = { retryDelayMs: 1000 };
  t.equal(retryDelay(settings, 1), 1000);
  t.equal(retryDelay(settings, 2), 2000);
  t.equal(retryDelay(settings, 4), 8000);
  t.equal(retryDelay(settings, 1, 5000), 5000, 'Retry-After above the backoff');
  t.equal(retryDelay(settings, 4, 5000), 8000, 'the backoff above Retry-After');
  t.equal(retryDelay(settings, 49), MAX_RETRY_DELAY_MS);
  t.equal(retryDelay(settings, 1, 10 * MAX_RETRY_DELAY_MS), MAX_RETRY_DELAY_MS);
});

t.test('deliveryRequestId fits the request id pattern', async (t) => {
  const id = deliveryRequestId('a'.repeat(128), '0f8fad5b-d9cb-469f-a165-70867728950e', 50);
  t.match(id, /^[A-Za-z0-9._:-]{1,128}$/);
  t.equal(deliveryRequestId('e1', '0f8fad5b-d9cb-469f-a165-70867728950e', 2), 'evt-e1-0f8fad5bd9cb-2');
});
