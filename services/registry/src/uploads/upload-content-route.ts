import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Authenticator } from '../auth/authenticate.js';
import type { UploadService } from './upload-service.js';

/**
 * `PUT /v1/uploads/{uploadId}/content`: the bytes through the registry, for stores without
 * presigned URLs and clients that cannot reach the store. Authorized by the upload's own API key or
 * by the token in the URL initiate handed out. The body is never buffered: it streams into the
 * store with the cap enforced as it goes.
 */
export async function uploadContentRoute(
  app: FastifyInstance,
  opts: { uploads: UploadService; authenticator: Authenticator },
) {
  const { uploads, authenticator } = opts;
  // Any content type: the body stays a stream for the handler.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));

  app.put(
    '/v1/uploads/:uploadId/content',
    {
      bodyLimit: Number.MAX_SAFE_INTEGER,
      schema: {
        tags: ['uploads'],
        summary: 'Upload the bundle bytes through the registry (streamed; the declared size is the cap)',
        params: {
          type: 'object',
          properties: { uploadId: { type: 'string', maxLength: 128 } },
          required: ['uploadId'],
        },
        querystring: { type: 'object', properties: { token: { type: 'string', maxLength: 512 } } },
      },
    },
    async (
      request: FastifyRequest<{ Params: { uploadId: string }; Querystring: { token?: string } }>,
      reply,
    ) => {
      const principal = request.headers.authorization ? await authenticator.authenticate(request) : undefined;
      const upload = await uploads.authorizeContent(request.params.uploadId, principal, request.query.token);
      const length = request.headers['content-length'];
      const result = await uploads.receive(
        upload,
        request.raw,
        length === undefined ? undefined : Number(length),
      );
      return reply.status(200).send(result);
    },
  );
}
