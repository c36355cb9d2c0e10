import t from 'tap';
import { EVENT_HEADERS, HttpError, isEvent, readEvent, type AnnexEvent, type HttpRequest } from '@annex/sdk';

const encoder = new TextEncoder();

function delivery(body: unknown, headers: Array<[string, string]> = []): HttpRequest {
  return {
    method: 'POST',
    path: '/events/ticket.created',
    query: [],
    headers: [['content-type', 'application/json'], ...headers],
    body: encoder.encode(typeof body === 'string' ? body : JSON.stringify(body)),
  };
}

const event: AnnexEvent<{ n: number }> = {
  id: 'evt-1',
  topic: 'ticket.created',
  payload: { n: 1 },
  tenantId: 't1',
  occurredAt: '2026-01-01T00:00:00.000Z',
  attempt: 2,
};

t.test('readEvent gives the delivered event', async (t) => {
  const req = delivery(event, [
    [EVENT_HEADERS.id, 'evt-1'],
    [EVENT_HEADERS.topic, 'ticket.created'],
    [EVENT_HEADERS.attempt, '2'],
    [EVENT_HEADERS.handler, 'onTicket'],
  ]);
  t.ok(isEvent(req));
  t.same(readEvent<{ n: number }>(req), { ...event, handler: 'onTicket' });
  t.same(
    readEvent({ context: {} as never, http: req }),
    { ...event, handler: 'onTicket' },
    'an execute-request too',
  );
});

t.test('a request without x-annex-event-id is not an event', async (t) => {
  const req = delivery(event);
  t.notOk(isEvent(req));
  t.equal(readEvent(req), undefined);
});

t.test('an event delivery without an event body is a 400', async (t) => {
  const headers: Array<[string, string]> = [[EVENT_HEADERS.id, 'evt-1']];
  t.throws(() => readEvent(delivery('not json', headers)), HttpError);
  t.throws(
    () => readEvent(delivery({ id: 'evt-1' }, headers)),
    new HttpError(400, 'BAD_REQUEST', 'The event delivery has no event body'),
  );
});

t.test('the attempt falls back to the header, then to 1', async (t) => {
  const { attempt: _attempt, ...withoutAttempt } = event;
  void _attempt;
  const headers: Array<[string, string]> = [[EVENT_HEADERS.id, 'evt-1']];
  t.equal(readEvent(delivery(withoutAttempt, [...headers, [EVENT_HEADERS.attempt, '3']]))?.attempt, 3);
  t.equal(readEvent(delivery(withoutAttempt, headers))?.attempt, 1);
});
