import type { ErrorCode } from '../../protocol/api.js';

/**
 * Domain errors. Services throw these; the HTTP layer maps them to
 * `{"error":{"code","message"}}` and a status code in one place (http/errors.ts).
 */
export class HubError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadRequest extends HubError {
  constructor(message: string) {
    super('bad_request', 400, message);
  }
}
export class Unauthorized extends HubError {
  constructor(message = 'Authentication required') {
    super('unauthorized', 401, message);
  }
}
export class Forbidden extends HubError {
  constructor(message = 'Not allowed') {
    super('forbidden', 403, message);
  }
}
export class NotFound extends HubError {
  constructor(message = 'Not found') {
    super('not_found', 404, message);
  }
}
export class Conflict extends HubError {
  constructor(message: string) {
    super('conflict', 409, message);
  }
}
export class RateLimited extends HubError {
  constructor(
    readonly retryAfterSeconds: number,
    message = 'Too many attempts, try again later',
  ) {
    super('rate_limited', 429, message);
  }
}

export class Unavailable extends HubError {
  constructor(message: string) {
    super('unavailable', 503, message);
  }
}

/** Too much work is waiting (the password-hashing queue is full): 503 with Retry-After. */
export class Overloaded extends HubError {
  constructor(
    readonly retryAfterSeconds: number,
    message = 'The hub is busy, try again in a moment',
  ) {
    super('unavailable', 503, message);
  }
}

/** A setting from env or argv is invalid. The CLI turns this into exit code 2. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

/** The database on disk was written by a newer Backline; opening it could corrupt it. */
export class DatabaseTooNewError extends Error {
  constructor(
    readonly found: number,
    readonly supported: number,
  ) {
    super(
      `database schema version ${found} is newer than this hub supports (${supported}); upgrade Backline or restore a backup`,
    );
    this.name = 'DatabaseTooNewError';
  }
}
