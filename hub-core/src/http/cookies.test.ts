import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sameOrigin } from './cookies.js';

describe('sameOrigin', () => {
  it('compares scheme, host and port', () => {
    assert.equal(sameOrigin('https://hub.example:8000', 'https', 'hub.example:8000'), true);
    assert.equal(sameOrigin('https://hub.example', 'https', 'hub.example:443'), true);
    assert.equal(sameOrigin('https://HUB.example:8000', 'https', 'hub.example:8000'), true);
    assert.equal(sameOrigin('http://hub.example:8000', 'https', 'hub.example:8000'), false);
    assert.equal(sameOrigin('https://hub.example:8000', 'http', 'hub.example:8000'), false);
    assert.equal(sameOrigin('https://hub.example:8001', 'https', 'hub.example:8000'), false);
    assert.equal(sameOrigin('https://evil.example:8000', 'https', 'hub.example:8000'), false);
    assert.equal(sameOrigin('https://[::1]:8000', 'https', '[::1]:8000'), true);
  });

  it('refuses what is not an origin, and a request without a Host', () => {
    for (const origin of ['null', '', 'hub.example:8000', 'https://', 'javascript:alert(1)'])
      assert.equal(sameOrigin(origin, 'https', 'hub.example:8000'), false, origin);
    assert.equal(sameOrigin('https://hub.example', 'https', undefined), false);
    assert.equal(sameOrigin('https://hub.example', 'https', 'bad host'), false);
  });
});
