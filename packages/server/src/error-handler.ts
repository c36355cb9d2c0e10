import type { FastifyError, FastifyInstance } from 'fastify';
import { errorBody, HttpError } from './http-error.js';

const CLIENT_CODES: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  408: 'REQUEST_TIMEOUT',
  409: 'CONFLICT',
  411: 'LENGTH_REQUIRED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
};

/** The one place that turns errors into `{error:{code,message,details?}}`; nothing internal leaks. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | HttpError, request, reply) => {
    if (err instanceof HttpError) {
      if (err.headers) void reply.headers(err.headers);
      if (err.statusCode >= 500) request.log.error({ err }, 'request failed');
      return reply.status(err.statusCode).send(errorBody(err.code, err.message, err.details));
    }
    const fe = err as FastifyError;
    if (fe.validation) {
      const issues = fe.validation.map((v) => ({
        path: `${fe.validationContext ?? 'body'}${v.instancePath.replace(/\//g, '.')}`,
        message: v.message ?? 'is invalid',
      }));
      return reply
        .status(400)
        .send(
          errorBody(
            'BAD_REQUEST',
            `invalid ${fe.validationContext ?? 'request'}: ${issues[0]?.path} ${issues[0]?.message}`,
            { issues },
          ),
        );
    }
    const status = fe.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      // Fastify's own client errors (bad JSON, oversize body, bad content type): safe messages.
      const code = CLIENT_CODES[status] ?? 'BAD_REQUEST';
      const message =
        err instanceof SyntaxError || fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY'
          ? 'request body is not valid JSON'
          : fe.message;
      return reply.status(status).send(errorBody(code, message));
    }
    request.log.error({ err }, 'unhandled error');
    return reply
      .status(500)
      .send(errorBody('INTERNAL', 'internal error; the request id identifies it in the logs'));
  });

  app.setNotFoundHandler((request, reply) => {
    void reply
      .status(404)
      .send(errorBody('NOT_FOUND', `no route for ${request.method} ${request.url.split('?')[0]}`));
  });
}
