import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { ErrorResponse, errorResponses, Nullable, TENANT_PATTERN } from '../http/schemas.js';
import { scopeOf, tenantHook } from '../http/tenant-route.js';
import type { EventService } from './event-service.js';

/** The manifest's topic pattern without `*`: a posted event names one topic. */
const TOPIC_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:/-]{0,255}$';
const EVENT_ID_PATTERN = '^[A-Za-z0-9._:-]{1,128}$';
/** Largest `POST …/events` body (413 above). */
const EVENT_BODY_LIMIT = 256 * 1024;

const tags = ['events'];
const call = tenantHook('call');
const EventId = Type.String({
  pattern: EVENT_ID_PATTERN,
  description: 'the event id, unique per tenant; replaying it delivers nothing new',
});

const Published = Type.Object({
  id: Type.String(),
  topic: Type.String(),
  deliveries: Type.Integer({ description: 'deliveries queued (for a duplicate: by its first posting)' }),
  duplicate: Type.Boolean(),
});

const Delivery = Type.Object({
  id: Type.String(),
  installId: Type.String(),
  extension: Type.Object({ id: Type.String(), slug: Type.String() }),
  handler: Nullable(Type.String()),
  status: Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')]),
  attempts: Type.Integer(),
  nextAttemptAt: Nullable(Type.String()),
  lastStatus: Nullable(Type.Integer()),
  lastError: Nullable(Type.String()),
  updatedAt: Type.String(),
});

/** Events (docs/events.md), under `/v1/tenants/{tenantId}`: tenant keys, or gateway and admin keys. */
export const eventRoutes: FastifyPluginAsyncTypebox<{ events: EventService }> = async (app, { events }) => {
  app.post(
    '/v1/tenants/:tenantId/events',
    {
      onRequest: call,
      bodyLimit: EVENT_BODY_LIMIT,
      schema: {
        tags,
        summary:
          'Post an event: delivered at least once to every enabled install subscribed to its topic whose filter matches',
        params: Type.Object({ tenantId: Type.String({ pattern: TENANT_PATTERN }) }),
        body: Type.Object(
          {
            topic: Type.String({ pattern: TOPIC_PATTERN, description: 'e.g. `ticket.created`' }),
            payload: Type.Unknown({ description: 'any JSON value' }),
            id: Type.Optional(EventId),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object(Published.properties, { description: 'a replay of a known id: nothing queued' }),
          202: Type.Object(Published.properties, { description: 'recorded; deliveries queued' }),
          ...errorResponses,
          413: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      const result = await events.publish(scopeOf(request), request.body);
      return reply.status(result.duplicate ? 200 : 202).send(result);
    },
  );

  app.get(
    '/v1/tenants/:tenantId/events/:id',
    {
      onRequest: call,
      schema: {
        tags,
        summary: 'An event and where it went: one delivery per install and handler, with its status',
        params: Type.Object({ tenantId: Type.String({ pattern: TENANT_PATTERN }), id: EventId }),
        response: {
          200: Type.Object({
            id: Type.String(),
            topic: Type.String(),
            payload: Type.Unknown(),
            receivedAt: Type.String(),
            deliveries: Type.Array(Delivery),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => events.get(scopeOf(request), request.params.id),
  );
};
