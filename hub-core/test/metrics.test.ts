// GET /metrics on a real hub: a player joins with a real jacktrip client (the room's real jackd
// and jacktrip -S), two players talk over the real voice relay, then the scrape is parsed as
// Prometheus text and each latency histogram has observations.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { JoinAnswer } from '../../protocol/api.js';
import { RelayClient } from '../src/relay/RelayClient.js';
import { startJamHub, type JamHub } from '../../testkit/fixtures.js';
import { Procs, startJackTripClient } from '../../testkit/jack.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus' text format (0.0.4): every sample line, and each metric's TYPE. */
function parseProm(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      types.set(type[1]!, type[2]!);
      continue;
    }
    if (line.startsWith('# HELP ')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[k!] = v!;
    // Go's ParseFloat, which Prometheus uses, takes NaN and Inf in any case (prom-client: "Nan").
    const value = /^nan$/i.test(m[3]!) ? NaN : Number(m[3]!.replace(/inf$/i, 'Infinity'));
    assert.ok(!Number.isNaN(value) || /^nan$/i.test(m[3]!), `bad value in: ${line}`);
    samples.push({ name: m[1]!, labels, value });
  }
  return { samples, types };
}

const opus = (n: number) => new Uint8Array(60).fill(n & 0xff);

describe('/metrics (prom-client) on a real hub', () => {
  let t: JamHub;
  const procs = new Procs();
  const clients: RelayClient[] = [];
  before(async () => {
    t = await startJamHub(['ana', 'ben']);
  });
  after(async () => {
    for (const c of clients) await c.close();
    await procs.stopAll();
    await t.close();
  });

  const scrape = async () => {
    const r = await t.hub.app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(r.statusCode, 200);
    assert.match(String(r.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    return parseProm(r.body);
  };
  const count = (samples: Sample[], name: string) =>
    samples.find((s) => s.name === `${name}_count`)?.value ?? 0;

  it('serves process metrics, the /health counts and the relay counters under their names', async () => {
    const { samples, types } = await scrape();
    const names = new Set(samples.map((s) => s.name));
    for (const n of [
      'backline_process_cpu_seconds_total',
      'backline_process_resident_memory_bytes',
      'backline_nodejs_eventloop_lag_seconds',
      'backline_uptime_seconds',
      'backline_users',
      'backline_live_rooms',
      'backline_websockets',
    ])
      assert.ok(names.has(n), `${n} in /metrics`);
    assert.equal(samples.find((s) => s.name === 'backline_users')?.value, 2);
    const info = samples.find((s) => s.name === 'backline_info');
    assert.match(info?.labels.version ?? '', /^\d+\.\d+\.\d+/);
    for (const h of [
      'backline_join_to_connected_seconds',
      'backline_patchbay_reaction_seconds',
      'backline_relay_delay_seconds',
    ])
      assert.equal(types.get(h), 'histogram', `${h} is a histogram`);
  });

  it('a join, its jacktrip connection and voice through the relay fill the three histograms', async () => {
    const before = (await scrape()).samples;
    const room = await t.ok<{ id: string }>('ana', 'POST', '/rooms', {
      name: 'metrics',
      max_participants: 4,
    });
    const cli = (await procs.server('metrics-cli')).name;
    const join = await t.ok<JoinAnswer>('ana', 'POST', `/rooms/${room.id}/join`, {});
    const jt = startJackTripClient(procs, cli, {
      host: join.jacktrip.host,
      port: join.jacktrip.port,
      remoteName: join.jacktrip.remote_name,
      username: join.jacktrip.username,
      password: join.jacktrip.password,
    });
    assert.equal(await jt.outcome, 'connected', jt.lines.join('\n'));

    // Voice: ben's packets reach ana through the relay; one in 64 is timed.
    await t.ok('ben', 'POST', `/rooms/${room.id}/join`, {});
    const voice = async (user: string) => {
      const c = await RelayClient.connect({
        host: '127.0.0.1',
        port: t.hub.relay.port,
        channel: room.id,
        getToken: async () =>
          (await t.ok<{ token: string }>(user, 'POST', `/rooms/${room.id}/voice-token`)).token,
      });
      clients.push(c);
      return c;
    };
    const ana = await voice('ana');
    const ben = await voice('ben');
    let heard = 0;
    ana.on('audio', () => heard++);
    for (let i = 0; i < 256; i++) {
      ben.sendAudio(opus(i), i * 960);
      if (i % 32 === 31) await new Promise((r) => setTimeout(r, 20));
    }

    // The relay's worker sends its observations every second; the join is timed once the
    // player's ports show in the room's graph.
    const want = [
      'backline_join_to_connected_seconds',
      'backline_patchbay_reaction_seconds',
      'backline_relay_delay_seconds',
    ];
    const end = Date.now() + 15_000;
    let samples = (await scrape()).samples;
    while (Date.now() < end && want.some((h) => count(samples, h) <= count(before, h))) {
      await new Promise((r) => setTimeout(r, 250));
      samples = (await scrape()).samples;
    }
    assert.ok(heard > 0, 'ana heard ben through the relay');
    for (const h of want) {
      assert.ok(
        count(samples, h) > count(before, h),
        `${h}_count grew: ${count(before, h)} -> ${count(samples, h)}`,
      );
      const sum = samples.find((s) => s.name === `${h}_sum`)?.value ?? NaN;
      assert.ok(sum > 0 && sum < 60 * count(samples, h), `${h}_sum is a plausible time: ${sum}`);
      const inf = samples.find((s) => s.name === `${h}_bucket` && s.labels.le === '+Inf');
      assert.equal(inf?.value, count(samples, h), `${h}: the +Inf bucket holds every observation`);
    }
    // A join is timed once: its connection is not counted again by later graph changes.
    assert.equal(count(samples, 'backline_join_to_connected_seconds'), 1);
    const join_s = samples.find((s) => s.name === 'backline_join_to_connected_seconds_sum')!;
    assert.ok(join_s.value < 20, `join to connected took ${join_s.value} s`);
    // The relay's counters, published by its worker every second.
    const forwarded = () =>
      samples.find((s) => s.name === 'backline_relay_forwarded_total')?.value ?? 0;
    const until = Date.now() + 5000;
    while (Date.now() < until && forwarded() < heard) {
      await new Promise((r) => setTimeout(r, 250));
      samples = (await scrape()).samples;
    }
    assert.ok(forwarded() >= heard, `backline_relay_forwarded_total ${forwarded()} >= ${heard}`);
    assert.equal(samples.find((s) => s.name === 'backline_relay_sessions')?.value, 2);
  });
});
