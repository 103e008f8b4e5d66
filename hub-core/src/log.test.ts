import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger, pathOnly } from './log.js';

describe('log', () => {
  it('pathOnly keeps the path and drops the query and fragment', () => {
    assert.equal(pathOnly('/ws?token=abc'), '/ws');
    assert.equal(pathOnly('/ws/voice?ticket=x&y=1'), '/ws/voice');
    assert.equal(pathOnly('/rooms#frag?x'), '/rooms');
    assert.equal(pathOnly('/health'), '/health');
    assert.equal(pathOnly('?token=x'), '');
  });

  it('a logged request shows its path only; secrets in fields are censored', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString('utf8'));
        cb();
      },
    });
    const log = createLogger('info', sink);
    log.info(
      { req: { method: 'GET', url: '/ws?token=SECRET1', ip: '1.2.3.4', socket: null } },
      'incoming request',
    );
    log.info({ ticket: 'SECRET2', body: { token: 'SECRET3', ticket: 'SECRET4' } }, 'x');
    const text = lines.join('');
    assert.doesNotMatch(text, /SECRET/);
    const first = JSON.parse(lines[0]!) as { req: { url: string; method: string } };
    assert.deepEqual([first.req.method, first.req.url], ['GET', '/ws']);
  });
});
