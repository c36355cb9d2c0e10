import { HttpError } from './http-error.js';
import { header, readJson } from './read-request.js';
import type { ExecuteRequest, HttpRequest } from './wit-types.js';

/**
 * An event delivered to the extension (docs/events.md): the registry posts it to the guest as
 * `POST /events/<topic, URL-encoded>` with a JSON body of this shape and the `x-annex-event-*`
 * headers. Delivery is at least once: the same `id` may arrive again (`attempt` counts the tries).
 */
export interface AnnexEvent<T = unknown> {
  /** The event id, unique per tenant: deduplicate on it. */
  id: string;
  topic: string;
  payload: T;
  tenantId: string;
  /** When the registry received the event (ISO 8601). */
  occurredAt: string;
  /** 1 for the first delivery attempt, 2 for the first retry, … */
  attempt: number;
  /** The `events[].handler` the manifest names for the matching subscription, when it names one. */
  handler?: string;
}

/** The headers of an event delivery. The gateway never forwards `x-annex-*` from clients. */
export const EVENT_HEADERS = {
  id: 'x-annex-event-id',
  topic: 'x-annex-event-topic',
  attempt: 'x-annex-event-attempt',
  handler: 'x-annex-event-handler',
} as const;

type AnyRequest = ExecuteRequest | HttpRequest;

/** Whether the request is an event delivery (it carries `x-annex-event-id`). */
export function isEvent(req: AnyRequest): boolean {
  return header(req, EVENT_HEADERS.id) !== undefined;
}

/**
 * The event a delivery carries; undefined when the request is not an event delivery. Throws
 * HttpError 400 when it claims to be one but its body is not an event.
 */
export function readEvent<T = unknown>(req: AnyRequest): AnnexEvent<T> | undefined {
  const id = header(req, EVENT_HEADERS.id);
  if (id === undefined) return undefined;
  const body = readJson<Partial<AnnexEvent<T>>>(req);
  if (
    !body ||
    typeof body !== 'object' ||
    typeof body.topic !== 'string' ||
    typeof body.tenantId !== 'string' ||
    typeof body.occurredAt !== 'string' ||
    !('payload' in body)
  ) {
    throw new HttpError(400, 'BAD_REQUEST', 'The event delivery has no event body');
  }
  const attempt =
    typeof body.attempt === 'number' ? body.attempt : Number(header(req, EVENT_HEADERS.attempt) ?? 1);
  const handler = header(req, EVENT_HEADERS.handler);
  return {
    id: typeof body.id === 'string' ? body.id : id,
    topic: body.topic,
    payload: body.payload as T,
    tenantId: body.tenantId,
    occurredAt: body.occurredAt,
    attempt: Number.isInteger(attempt) && attempt > 0 ? attempt : 1,
    ...(handler === undefined ? {} : { handler }),
  };
}
