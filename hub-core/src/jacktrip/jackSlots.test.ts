// The registry logic on registry images written here (the real-JACK proof is in
// hub-core/test/jackslots.test.ts): parsing, which entries count as dead, what is written.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { deadBacklineServers, parseRegistry, reclaimJackSlots } from './jackSlots.js';

const HDR = 2136;
const ENTRY = 268;

/** A registry image as jackd 1.9 writes it: servers [pid, name] and segments [pid, id]. */
function image(servers: [number, string][], segments: [number, string][] = []): Buffer {
  const b = Buffer.alloc(HDR + 256 * ENTRY);
  b.writeUInt32LE(0x4a41434b, 0);
  b.writeInt32LE(1, 8);
  b.writeInt32LE(b.length, 12);
  b.writeInt32LE(HDR, 16);
  b.writeInt32LE(ENTRY, 20);
  servers.forEach(([pid, name], i) => {
    b.writeInt32LE(pid, 24 + i * 264);
    b.write(name, 24 + i * 264 + 4, 'latin1');
  });
  for (let i = 0; i < 256; i++) b.writeInt16LE(i, HDR + i * ENTRY);
  segments.forEach(([pid, id], i) => {
    b.writeInt32LE(pid, HDR + i * ENTRY + 4);
    b.writeInt32LE(4096, HDR + i * ENTRY + 8);
    b.write(id, HDR + i * ENTRY + 12, 'latin1');
  });
  return b;
}

describe('the JACK registry', () => {
  it('is parsed: servers with their uid and name, segments with their allocator', () => {
    const r = parseRegistry(
      image(
        [
          [101, 'jack-1000:backline-4464:'],
          [102, 'jack-0:default:'],
        ],
        [
          [101, '/jack-1000-0'],
          [101, '/jack-1000-1'],
          [102, '/jack-0-2'],
        ],
      ),
    );
    assert.deepEqual(r.servers, [
      { slot: 0, pid: 101, uid: 1000, name: 'backline-4464' },
      { slot: 1, pid: 102, uid: 0, name: 'default' },
    ]);
    assert.deepEqual(
      r.segments.map((s) => [s.entry, s.allocator, s.id]),
      [
        [0, 101, '/jack-1000-0'],
        [1, 101, '/jack-1000-1'],
        [2, 102, '/jack-0-2'],
      ],
    );
  });

  it('of another layout or no registry at all is refused, never guessed at', () => {
    assert.throws(() => parseRegistry(Buffer.alloc(100)), /not a JACK/);
    const other = image([]);
    other.writeInt32LE(272, 20);
    assert.throws(() => parseRegistry(other), /unknown JACK registry layout/);
  });

  it('dead servers are only our own Backline ones whose process is gone', () => {
    const r = parseRegistry(
      image([
        [11, 'jack-1000:backline-4464:'], // ours, dead
        [12, 'jack-1000:backline-5000:'], // ours, running
        [13, 'jack-1001:backline-4464:'], // another user's
        [14, 'jack-1000:default:'], // not a Backline room server
        [15, 'jack-1000:backline-extra:'], // not a room server name
      ]),
    );
    const dead = deadBacklineServers(r, 1000, (pid) => pid !== 12);
    assert.deepEqual(
      dead.map((s) => s.name),
      ['backline-4464'],
    );
  });

  it('reclaiming clears dead entries (name, then pid), their segments and files, and nothing else', () => {
    const dir = mkdtempSync(join(tmpdir(), 'backline-jackslots-'));
    try {
      const reg = join(dir, 'jack-shm-registry');
      writeFileSync(
        reg,
        image(
          [
            [21, 'jack-1000:backline-4464:'],
            [22, 'jack-1000:backline-5000:'],
            [23, 'jack-1000:default:'],
          ],
          [
            [21, '/jack-1000-0'],
            [22, '/jack-1000-1'],
            [21, '/jack-1000-2'],
            [23, '/jack-1000-3'],
          ],
        ),
      );
      const files = [
        'jack-1000-0',
        'jack-1000-1',
        'jack-1000-2',
        'jack_backline-4464_1000_0',
        'jack_sem.1000_backline-4464_system',
        'jack_backline-5000_1000_0',
        'jack_backline-44640_1000_0',
      ];
      for (const f of files) writeFileSync(join(dir, f), 'x');
      const names = reclaimJackSlots({
        registryPath: reg,
        shmDir: dir,
        uid: 1000,
        gone: (pid) => pid === 21 || pid === 23,
      });
      assert.deepEqual(names, ['backline-4464']);
      const after = parseRegistry(readFileSync(reg));
      assert.deepEqual(
        after.servers.map((s) => s.name),
        ['backline-5000', 'default'],
      );
      assert.deepEqual(
        after.segments.map((s) => s.id),
        ['/jack-1000-1', '/jack-1000-3'],
      );
      // A cleared entry is all zeros but its own index, as JACK leaves a free one.
      const raw = readFileSync(reg);
      assert.ok(raw.subarray(24, 24 + 264).every((x) => x === 0));
      assert.equal(raw.readInt16LE(HDR), 0);
      assert.ok(raw.subarray(HDR + 4, HDR + ENTRY).every((x) => x === 0));
      const left = files.filter((f) => existsSync(join(dir, f)));
      assert.deepEqual(left, [
        'jack-1000-1',
        'jack_backline-5000_1000_0',
        'jack_backline-44640_1000_0',
      ]);
      // Nothing registered, nothing to do; no registry at all is not an error.
      const none = () => false;
      assert.deepEqual(
        reclaimJackSlots({ registryPath: reg, shmDir: dir, uid: 1000, gone: none }),
        [],
      );
      assert.deepEqual(reclaimJackSlots({ registryPath: join(dir, 'none'), uid: 1000 }), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
