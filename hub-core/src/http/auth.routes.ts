import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AuthService, Authenticated, ClientInfo } from '../auth/AuthService.js';
import { toUser } from '../auth/AuthService.js';
import type { UserRow } from '../db/users.js';
import { NotFound, Unauthorized } from '../errors.js';
import {
  AuthResponse,
  DeleteAccountBody,
  LoginBody,
  RegisterBody,
  SessionIdParams,
  SessionList,
  User,
  WsTicket,
  ErrorBody,
} from '../../../protocol/api.js';
import { checkSameOrigin, clearedSessionCookie, cookieToken, setSessionCookie } from './cookies.js';
import { bearerSecurity, errorResponses } from './responses.js';

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

const errors = errorResponses(400, 401, 429);
const bearer = bearerSecurity;

/**
 * The caller's session token: the Authorization header first, else the web UI's session
 * cookie. A cookie-borne request that changes state must come from the hub's own origin.
 */
export function sessionToken(request: FastifyRequest): string | undefined {
  const bearer = bearerToken(request);
  if (bearer !== undefined) return bearer;
  const cookie = cookieToken(request);
  if (cookie !== undefined && request.method !== 'GET' && request.method !== 'HEAD')
    checkSameOrigin(request);
  return cookie;
}

/**
 * Who opens a WebSocket: the Authorization header, a single-use `?ticket=` from
 * POST /auth/ws-ticket, the seed's `?token=` (kept for API clients; the hub never logs a
 * query string), or the web UI's cookie, which is accepted only from the hub's own origin.
 */
export function upgradeAuth(auth: AuthService, request: FastifyRequest): Authenticated {
  const bearer = bearerToken(request);
  if (bearer !== undefined) return auth.authenticate(bearer);
  const q = request.query as Record<string, unknown>;
  if (typeof q.ticket === 'string') return auth.redeemTicket(q.ticket);
  if (typeof q.token === 'string') return auth.authenticate(q.token);
  const cookie = cookieToken(request);
  if (cookie !== undefined) checkSameOrigin(request);
  return auth.authenticate(cookie);
}

/** An onRequest hook that rejects requests without a valid session (401) before parsing bodies. */
export function requireAuthHook(auth: AuthService): (request: FastifyRequest) => Promise<void> {
  return (request) => {
    request.auth = auth.authenticate(sessionToken(request));
    return Promise.resolve();
  };
}

/**
 * `secureCookies`: mark the web UI's session cookie Secure (the hub speaks HTTPS).
 * `beforeAccountRemoval`: what the rest of the hub undoes for a user before their account is
 * deleted (their rooms), while it still exists.
 */
export function authRoutes(
  app: FastifyInstance,
  auth: AuthService,
  secureCookies: boolean,
  beforeAccountRemoval: (user: UserRow) => Promise<void>,
): void {
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
    async (request, reply) => {
      const answer = await auth.register(request.body, client(request));
      setSessionCookie(reply, answer.token, answer.expires_at, secureCookies);
      return reply.status(201).send(answer);
    },
  );

  r.post(
    '/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: "Sign in; returns a bearer token (and sets the web UI's HttpOnly session cookie)",
        body: LoginBody,
        response: { 200: AuthResponse, ...errors },
      },
    },
    async (request, reply) => {
      const answer = await auth.login(
        request.body.username,
        request.body.password,
        client(request),
      );
      setSessionCookie(reply, answer.token, answer.expires_at, secureCookies);
      return answer;
    },
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
      return reply.header('set-cookie', clearedSessionCookie(secureCookies)).status(204).send(null);
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

  r.delete(
    '/auth/me',
    {
      onRequest: requireAuth,
      schema: {
        tags: ['auth'],
        summary:
          'Delete your account (re-enter the password): your rooms close, you leave the others, every session ends',
        security: bearer,
        body: DeleteAccountBody,
        response: { 204: z.null(), 403: ErrorBody, 503: ErrorBody, ...errors },
      },
    },
    async (request, reply) => {
      await auth.removeAccount(
        authOf(request),
        request.body.password,
        client(request),
        beforeAccountRemoval,
      );
      return reply.header('set-cookie', clearedSessionCookie(secureCookies)).status(204).send(null);
    },
  );

  r.post(
    '/auth/ws-ticket',
    {
      onRequest: requireAuth,
      schema: {
        tags: ['auth'],
        summary:
          'A single-use ticket (30 s) for opening a WebSocket: /ws?ticket=, /ws/patchbay?ticket=, /ws/voice?ticket=',
        security: bearer,
        response: { 200: WsTicket, 401: ErrorBody, 429: ErrorBody },
      },
    },
    async (request) => auth.wsTicket(authOf(request)),
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
