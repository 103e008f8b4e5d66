import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHub, type TestHub } from '../../../testkit/fixtures.js';

describe('API docs at /docs (Swagger UI loaded on first use)', () => {
  let t: TestHub;
  before(async () => {
    t = await startHub();
  });
  after(() => t.close());
  const get = (url: string, headers: Record<string, string> = {}) =>
    t.hub.app.inject({ method: 'GET', url, headers });

  it('serves the OpenAPI document as JSON and YAML, without the docs routes in it', async () => {
    const json = await get('/docs/json');
    assert.equal(json.statusCode, 200);
    const spec = json.json<{ openapi: string; paths: Record<string, unknown> }>();
    assert.match(spec.openapi, /^3\./);
    assert.ok('/rooms/{id}/join' in spec.paths);
    assert.ok(!Object.keys(spec.paths).some((p) => p.startsWith('/docs')), 'docs routes hidden');
    const yaml = await get('/docs/yaml');
    assert.equal(yaml.statusCode, 200);
    assert.match(String(yaml.headers['content-type']), /yaml/);
    assert.match(yaml.body, /^openapi: /m);
  });

  it("serves Swagger UI's page and files, with the hub's security headers", async () => {
    const page = await get('/docs/');
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /text\/html/);
    assert.match(page.body, /swagger-ui/);
    assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
    assert.equal(page.headers['x-frame-options'], 'DENY');
    const css = await get('/docs/static/swagger-ui.css');
    assert.equal(css.statusCode, 200);
    assert.match(String(css.headers['content-type']), /text\/css/);
    assert.ok(css.rawPayload.length > 10_000, `swagger-ui.css is ${css.rawPayload.length} bytes`);
    const etag = css.headers.etag;
    assert.equal(typeof etag, 'string', 'an ETag is passed on');
    const again = await get('/docs/static/swagger-ui.css', { 'if-none-match': String(etag) });
    assert.equal(again.statusCode, 304);
    const init = await get('/docs/static/swagger-initializer.js');
    assert.equal(init.statusCode, 200);
    assert.match(init.body, /\.\/json|docs\/json/);
    assert.equal((await get('/docs/static/no-such-file.js')).statusCode, 404);
  });
});
