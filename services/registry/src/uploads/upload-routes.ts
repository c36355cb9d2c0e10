import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { principalOf } from '../http/require-role.js';
import { errorResponses, Nullable } from '../http/schemas.js';
import type { createFinalizer } from './finalize-upload.js';
import type { UploadService } from './upload-service.js';

const tags = ['uploads'];
const UploadParams = Type.Object({ uploadId: Type.String({ minLength: 1, maxLength: 128 }) });
const Sha256 = Type.String({ pattern: '^(sha256:)?[0-9a-fA-F]{64}$' });

/** Where clients reach this registry (for upload URLs on stores without presigning). */
function baseUrlOf(request: { protocol: string; host: string }): string {
  return `${request.protocol}://${request.host}`;
}

/** Upload routes that need an API key (SPEC section 5, Uploads). */
export const uploadRoutes: FastifyPluginAsyncTypebox<{
  uploads: UploadService;
  finalize: ReturnType<typeof createFinalizer>;
}> = async (app, { uploads, finalize }) => {
  app.post(
    '/v1/uploads',
    {
      schema: {
        tags,
        summary: 'Start an upload: a presigned PUT, multipart part URLs, or the registry upload URL',
        body: Type.Object(
          {
            size: Type.Integer({ minimum: 1 }),
            sha256: Type.Optional(Sha256),
            filename: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Record(Type.String(), Type.Unknown()),
          413: errorResponses[400],
          ...errorResponses,
        },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await uploads.initiate(principalOf(request), request.body, baseUrlOf(request))),
  );

  app.post(
    '/v1/uploads/:uploadId/complete',
    {
      schema: {
        tags,
        summary: 'Complete a multipart upload',
        params: UploadParams,
        body: Type.Object(
          {
            parts: Type.Array(
              Type.Object({
                partNumber: Type.Integer({ minimum: 1, maximum: 10000 }),
                etag: Type.String({ minLength: 1, maxLength: 200 }),
              }),
              { minItems: 1, maxItems: 10000 },
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ uploadId: Type.String(), size: Type.Integer() }), ...errorResponses },
      },
    },
    async (request) => uploads.complete(principalOf(request), request.params.uploadId, request.body.parts),
  );

  app.post(
    '/v1/uploads/:uploadId/finalize',
    {
      schema: {
        tags,
        summary: 'Verify the staged bundle and publish its version (idempotent)',
        params: UploadParams,
        body: Type.Optional(
          Type.Object(
            { signature: Type.Optional(Nullable(Type.Record(Type.String(), Type.Unknown()))) },
            { additionalProperties: false },
          ),
        ),
        response: {
          201: Type.Object({
            extension: Type.Object({ id: Type.String(), slug: Type.String() }),
            version: Type.String(),
            versionId: Type.String(),
            contentHash: Type.String(),
            size: Type.Integer(),
            signature: Type.Object({
              status: Type.String(),
              keyId: Nullable(Type.String()),
              signer: Nullable(Type.String()),
            }),
          }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const { result } = await finalize(
        principalOf(request),
        request.params.uploadId,
        request.body?.signature ?? undefined,
      );
      return reply.status(201).send(result as never);
    },
  );

  app.delete(
    '/v1/uploads/:uploadId',
    {
      schema: {
        tags,
        summary: 'Abort an upload (staging objects go; published bundles never)',
        params: UploadParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await uploads.abort(principalOf(request), request.params.uploadId);
      return reply.status(204).send(null);
    },
  );
};
