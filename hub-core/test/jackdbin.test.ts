// The jackd binary is a setting like the others (JACKD_BIN, read once by loadConfig): a hub
// configured with a wrapper script starts its room servers through it, and nothing else reads
// the environment behind the config's back.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { JoinAnswer, RoomDetail } from '../../protocol/api.js';
import { startJamHub, tempDir, type JamHub } from '../../testkit/fixtures.js';
import { alive } from '../../testkit/jack.js';

describe('JACKD_BIN', () => {
  const dir = tempDir('backline-jackd-bin-');
  const record = join(dir.path, 'used.txt');
  const wrapper = join(dir.path, 'jackd-wrapper.sh');
  let t: JamHub;

  before(async () => {
    // Records its arguments, then becomes jackd (exec: the PID the hub holds is jackd's).
    writeFileSync(wrapper, `#!/bin/sh\nprintf '%s\\n' "$*" >> '${record}'\nexec jackd "$@"\n`, {
      mode: 0o755,
    });
    t = await startJamHub(['wendy'], { env: { JACKD_BIN: wrapper } });
  });
  after(async () => {
    const pids = t.hub.supervisor.pids;
    await t.close();
    for (const p of pids) assert.equal(alive(p), false, `room process ${p} left running`);
    dir.remove();
  });

  it("a room's JACK server is started with the configured binary", async () => {
    assert.equal(t.hub.config.jackdBin, wrapper);
    const room = await t.ok<RoomDetail>('wendy', 'POST', '/rooms', { name: 'wrapped' });
    await t.ok<JoinAnswer>('wendy', 'POST', `/rooms/${room.id}/join`, {});
    assert.ok(t.hub.supervisor.get(room.id), 'the room runs');
    assert.ok(existsSync(record), 'the wrapper was not used');
    assert.match(readFileSync(record, 'utf8'), /^-n backline-\d+ -d dummy /m);
  });
});
