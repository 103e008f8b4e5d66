// What every JSON route declares alike: its error answers (one ErrorBody per status code) and
// the bearer-token security scheme, for the OpenAPI document and the response serialiser.
import { ErrorBody } from '../../../protocol/api.js';

/** `{ 400: ErrorBody, 401: ErrorBody, ... }` for the given status codes. */
export function errorResponses<const C extends readonly number[]>(
  ...codes: C
): { readonly [K in C[number]]: typeof ErrorBody } {
  return Object.fromEntries(codes.map((c) => [c, ErrorBody])) as {
    readonly [K in C[number]]: typeof ErrorBody;
  };
}

/** The routes that need a session: a bearer token (or the web UI's cookie). */
export const bearerSecurity = [{ bearer: [] }];
