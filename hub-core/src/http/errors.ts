import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { HubError, Overloaded, RateLimited } from '../errors.js';
import type { ErrorBody, ErrorCode } from '../../../protocol/api.js';

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  503: 'unavailable',
};

export function errorBody(code: ErrorCode, message: string): ErrorBody {
  return { error: { code, message } };
}

type Issue = { instancePath?: string; message?: string; params?: { issue?: { path?: unknown[] } } };

/** "body.username: username must be ..." from the first validation issue. */
function validationMessage(err: FastifyError): string {
  const first = (err.validation?.[0] ?? {}) as Issue;
  const ctx = err.validationContext ?? 'request';
  const path = (first.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
  const where = path ? `${ctx}.${path}` : ctx;
  const msg = first.message ?? 'is invalid';
  return `${where}: ${msg}`.slice(0, 300);
}

/**
 * The one place errors become HTTP answers: domain errors keep their status, Fastify's own
 * 4xx keep theirs, validation failures are 400, and anything else is a 500 without details.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof HubError) {
      if (err instanceof RateLimited || err instanceof Overloaded)
        void reply.header('retry-after', String(err.retryAfterSeconds));
      return reply.status(err.status).send(errorBody(err.code, err.message));
    }
    if (hasZodFastifySchemaValidationErrors(err) || err.validation) {
      return reply.status(400).send(errorBody('bad_request', validationMessage(err)));
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const code = CODE_BY_STATUS[status] ?? 'bad_request';
      let message: string;
      switch (err.code) {
        case 'FST_ERR_CTP_BODY_TOO_LARGE':
          message = 'Request body is too large';
          break;
        case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
          message = 'Content-Type must be application/json';
          break;
        case 'FST_ERR_CTP_EMPTY_JSON_BODY':
          message = 'Request body is empty; send a JSON object';
          break;
        case 'FST_ERR_CTP_INVALID_JSON_BODY':
          message = 'Request body is not valid JSON';
          break;
        default:
          message =
            err.code === undefined && err instanceof SyntaxError
              ? 'Request body is not valid JSON'
              : err.message;
      }
      return reply.status(CODE_BY_STATUS[status] ? status : 400).send(errorBody(code, message));
    }
    request.log.error({ err }, 'unhandled error');
    return reply.status(500).send(errorBody('internal', 'Internal error'));
  });

  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .send(
        errorBody(
          'not_found',
          `No route for ${request.method} ${(request.url.split('?')[0] ?? '').slice(0, 200)}`,
        ),
      ),
  );
}
