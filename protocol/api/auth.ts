import { z } from 'zod';

/** bcrypt only reads the first 72 bytes of a password; longer ones are refused, not truncated. */
export const PASSWORD_MAX_BYTES = 72;
export const PASSWORD_MIN_CHARS = 8;

const utf8 = new TextEncoder();

export const Username = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]{2,31}$/,
    'username must be 3 to 32 characters: letters, digits, "_", "." or "-", starting with a letter or digit',
  );

export const NewPassword = z
  .string()
  .min(PASSWORD_MIN_CHARS, `password must be at least ${PASSWORD_MIN_CHARS} characters`)
  .refine((p) => utf8.encode(p).length <= PASSWORD_MAX_BYTES, {
    message: `password must be at most ${PASSWORD_MAX_BYTES} bytes (UTF-8)`,
  });

export const RegisterBody = z
  .object({
    username: Username,
    password: NewPassword,
    email: z.email('email must be a valid address').max(254).optional(),
  })
  .meta({ id: 'RegisterBody' });
export type RegisterBody = z.infer<typeof RegisterBody>;

// Login does not re-state the registration rules: a malformed username is simply a failed login.
export const LoginBody = z
  .object({
    username: z.string().min(1, 'username is required').max(64, 'username is too long'),
    password: z
      .string()
      .min(1, 'password is required')
      .refine((p) => utf8.encode(p).length <= PASSWORD_MAX_BYTES, {
        message: `password must be at most ${PASSWORD_MAX_BYTES} bytes (UTF-8)`,
      }),
  })
  .meta({ id: 'LoginBody' });
export type LoginBody = z.infer<typeof LoginBody>;

export const User = z
  .object({
    id: z.number().int(),
    username: z.string(),
    email: z.string().nullable(),
    created_at: z.iso.datetime(),
  })
  .meta({ id: 'User' });
export type User = z.infer<typeof User>;

export const AuthResponse = z
  .object({
    token: z.string().describe('Bearer token for the Authorization header'),
    token_type: z.literal('bearer'),
    expires_at: z.iso.datetime(),
    session_id: z.string(),
    user_id: z.string().describe("The user's id (as the seed hub returned it)"),
    user: User,
  })
  .meta({ id: 'AuthResponse' });
export type AuthResponse = z.infer<typeof AuthResponse>;

export const SessionInfo = z
  .object({
    id: z.string(),
    created_at: z.iso.datetime(),
    last_used_at: z.iso.datetime(),
    expires_at: z.iso.datetime(),
    user_agent: z.string().nullable(),
    ip: z.string().nullable(),
    current: z.boolean(),
  })
  .meta({ id: 'Session' });
export type SessionInfo = z.infer<typeof SessionInfo>;

export const SessionList = z.object({ sessions: z.array(SessionInfo) }).meta({ id: 'SessionList' });

export const SessionIdParams = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'session id is malformed'),
});

export const DeleteAccountBody = z
  .object({
    password: z
      .string()
      .min(1, 'password is required')
      .refine((p) => utf8.encode(p).length <= PASSWORD_MAX_BYTES, {
        message: `password must be at most ${PASSWORD_MAX_BYTES} bytes (UTF-8)`,
      }),
  })
  .meta({ id: 'DeleteAccountBody' });

export const WsTicket = z
  .object({
    ticket: z.string().describe('Pass as ?ticket= when opening a WebSocket; works once'),
    expires_at: z.iso.datetime(),
  })
  .meta({ id: 'WsTicket' });
export type WsTicket = z.infer<typeof WsTicket>;
