import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AuthService, Authenticated, ClientInfo } from '../auth/AuthService.js';
import { toUser } from '../auth/AuthService.js';
import { NotFound, Unauthorized } from '../errors.js';
import {
  AuthResponse,
  LoginBody,
  RegisterBody,
  SessionIdParams,
  SessionList,
  User,
} from '../protocol/auth.js';
import { ErrorBody } from '../protocol/errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by requireAuth on routes that need a logged-in user. */
    auth: Authenticated | null;
  }
}

const BEARER = /^Bearer ([^\s]+)$/i;

export function bearerToken(request: FastifyRequest): string | undefined {
  const h = request.headers.authorization;
  return typeof h === 'string' ? BEARER.exec(h)?.[1] : undefined;
}

function client(request: FastifyRequest): ClientInfo {
  return { ip: request.ip, userAgent: request.headers['user-agent'] };
}

/** The caller's identity; routes behind requireAuth always have one. */
export function authOf(request: FastifyRequest): Authenticated {
  if (!request.auth) throw new Unauthorized();
  return request.auth;
}

const errors = { 400: ErrorBody, 401: ErrorBody, 429: ErrorBody } as const;
const bearer = [{ bearer: [] }];

/** An onRequest hook that rejects requests without a valid session (401) before parsing bodies. */
export function requireAuthHook(auth: AuthService): (request: FastifyRequest) => Promise<void> {
  return (request) => {
    request.auth = auth.authenticate(bearerToken(request));
    return Promise.resolve();
  };
}

export function authRoutes(app: FastifyInstance, auth: AuthService): void {
  const requireAuth = requireAuthHook(auth);

  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/auth/register',
    {
      schema: {
        tags: ['auth'],
        summary: 'Create an account and sign in',
        body: RegisterBody,
        response: { 201: AuthResponse, 409: ErrorBody, ...errors },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await auth.register(request.body, client(request))),
  );

  r.post(
    '/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign in; returns a bearer token',
        body: LoginBody,
        response: { 200: AuthResponse, ...errors },
      },
    },
    async (request) => auth.login(request.body.username, request.body.password, client(request)),
  );

  r.post(
    '/auth/logout',
    {
      onRequest: requireAuth,
      schema: {
        tags: ['auth'],
        summary: 'Revoke the current session',
        security: bearer,
        response: { 204: z.null(), 401: ErrorBody },
      },
    },
    async (request, reply) => {
      auth.logout(authOf(request));
      return reply.status(204).send(null);
    },
  );

  r.get(
    '/auth/me',
    {
      onRequest: requireAuth,
      schema: {
        tags: ['auth'],
        summary: 'The signed-in user',
        security: bearer,
        response: { 200: User, 401: ErrorBody },
      },
    },
    async (request) => toUser(authOf(request).user),
  );

  r.get(
    '/auth/sessions',
    {
      onRequest: requireAuth,
      schema: {
        tags: ['auth'],
        summary: "The signed-in user's active sessions",
        security: bearer,
        response: { 200: SessionList, 401: ErrorBody },
      },
    },
    async (request) => ({ sessions: auth.listSessions(authOf(request)) }),
  );

  r.delete(
    '/auth/sessions/:id',
    {
      onRequest: requireAuth,
      schema: {
        tags: ['auth'],
        summary: 'Revoke one of your sessions (sign out another device)',
        security: bearer,
        params: SessionIdParams,
        response: { 204: z.null(), 404: ErrorBody, ...errors },
      },
    },
    async (request, reply) => {
      if (!auth.revokeSession(authOf(request), request.params.id))
        throw new NotFound('No such session');
      return reply.status(204).send(null);
    },
  );
}
