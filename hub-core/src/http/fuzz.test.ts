import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { startHub, type TestHub } from '../../../testkit/fixtures.js';

const nasty = fc.constantFrom(
  "' OR 1=1 --",
  "admin'); DROP TABLE users; --",
  '<img src=x onerror=alert(1)>',
  '<script>alert(1)</script>',
  '\u0000\u0001\u001b[31m',
  '𝄞🎸'.repeat(40),
  '../../etc/passwd',
  '%00%27',
  '__proto__',
  'constructor',
);
const hugeString = fc.integer({ min: 1_000, max: 80_000 }).map((n) => 'A'.repeat(n));
const deep = fc
  .tuple(fc.integer({ min: 10, max: 20_000 }), fc.boolean())
  .map(([n, arr]) =>
    arr ? '['.repeat(n) + ']'.repeat(n) : '{"a":'.repeat(n) + '1' + '}'.repeat(n),
  );
const value = fc.oneof(fc.jsonValue({ maxDepth: 4 }), nasty, hugeString);
const bodyObject = fc.record(
  {
    username: value,
    password: value,
    email: value,
    __proto__: value,
    extra: value,
  },
  { requiredKeys: [] },
);
const rawBody = fc.oneof(
  bodyObject.map((o) => JSON.stringify(o)),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  deep,
  fc.string({ maxLength: 200 }),
  nasty,
  fc.constant(''),
);
const route = fc.constantFrom(
  { method: 'POST', url: '/auth/register' },
  { method: 'POST', url: '/auth/login' },
  { method: 'POST', url: '/auth/register' },
  { method: 'POST', url: '/auth/login' },
  { method: 'POST', url: '/auth/logout' },
  { method: 'GET', url: '/auth/me' },
  { method: 'GET', url: '/auth/sessions' },
  { method: 'DELETE', url: '/auth/sessions/' },
);
const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  '',
);

describe('fuzzed request bodies', () => {
  let t: TestHub;
  before(async () => {
    t = await startHub();
  });
  after(() => t.close());

  it('200 fuzzed requests produce no 5xx and only the error envelope', async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        route,
        rawBody,
        contentType,
        nasty,
        fc.boolean(),
        async (r, body, ct, idPart, withAuth) => {
          const headers: Record<string, string> = {};
          if (ct) headers['content-type'] = ct;
          if (withAuth) headers.authorization = `Bearer ${idPart}`;
          const res = await t.hub.app.inject({
            method: r.method,
            url: r.url.endsWith('/') ? r.url + encodeURIComponent(idPart) : r.url,
            headers,
            payload: r.method === 'GET' ? undefined : body,
          });
          statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
          assert.ok(
            res.statusCode < 500,
            `${r.method} ${r.url} ${body.slice(0, 80)} -> ${res.statusCode} ${res.body}`,
          );
          if (res.statusCode >= 400) {
            const parsed = JSON.parse(res.body) as { error: { code: string; message: string } };
            assert.equal(typeof parsed.error.code, 'string');
            assert.equal(typeof parsed.error.message, 'string');
            assert.doesNotMatch(res.body, /at .*\.ts:\d+/, 'no stack trace');
          }
        },
      ),
      { numRuns: 200 },
    );
    // The hub is still healthy and the user table intact afterwards.
    assert.equal((await t.hub.app.inject('/health')).statusCode, 200);
    console.log('status counts:', Object.fromEntries([...statuses].sort()));
  });
});
