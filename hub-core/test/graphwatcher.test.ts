// The graph watcher against a real jackd: jack_evmon's real lines are read (the parser is
// checked on lines captured here, not written by hand), connections are applied straight from
// them without a jack_lsp re-read, and the graph it keeps never drifts from JACK's.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { delay, jackEnv, runTool, stopChild } from '../src/process/child.js';
import { sharedScope } from '../src/process/jackScope.js';
import { parseEvmonLine } from '../src/patchbay/evmon.js';
import { GraphWatcher, type GraphChange, type GraphEvent } from '../src/patchbay/GraphWatcher.js';
import { readJackLsp } from '../src/patchbay/jackGraph.js';
import type { JackServer } from '../src/jacktrip/JackServer.js';
import { Procs } from '../../testkit/jack.js';

async function lsp(server: string) {
  const r = await runTool('jack_lsp', ['-c', '-p', '-t', '-U'], jackEnv(server), 5000);
  assert.equal(r.code, 0, r.stderr);
  return readJackLsp(r.stdout);
}

async function tool(server: string, bin: string, ...args: string[]): Promise<void> {
  const r = await runTool(bin, args, jackEnv(server), 5000);
  assert.equal(r.code, 0, `${bin} ${args.join(' ')}: ${r.stderr}`);
}

async function until(what: string, pred: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await delay(10);
  }
}

describe('jack_evmon lines, captured from a real jackd', () => {
  const procs = new Procs();
  let jack: JackServer;
  before(async () => {
    jack = await procs.server('evmon');
  });
  after(() => procs.stopAll());

  it('every line is read, and connections name the ports jack_lsp -U gives ids to', async () => {
    const lines: string[] = [];
    const evmon = procs.spawn('jack_evmon', [], jack.name, (l) => lines.push(l));
    await delay(300);
    await tool(jack.name, 'jack_connect', 'system:capture_1', 'system:playback_1');
    const thru = procs.spawn('jack_thru', ['gwthru'], jack.name);
    await until(
      'jack_thru ports',
      () => lines.filter((l) => /^Port \d+ registered$/.test(l)).length >= 4,
    );
    const ids = (await lsp(jack.name)).ids;
    await tool(jack.name, 'jack_disconnect', 'system:capture_1', 'system:playback_1');
    await stopChild(thru, 2000);
    await until('jack_thru gone', () => lines.some((l) => l === 'Client gwthru unregistered'));
    await delay(100);
    await stopChild(evmon, 2000);

    const events = lines.map((l) => ({ l, ev: parseEvmonLine(l) }));
    const unread = events.filter((e) => e.ev === undefined).map((e) => e.l);
    assert.deepEqual(unread, [], 'every line jack_evmon printed is understood');
    const name = (id: number) => ids.get(id) ?? `?${id}`;
    const cords = events.flatMap(({ ev }) =>
      ev?.kind === 'connection'
        ? [`${ev.connected ? '+' : '-'} ${[name(ev.a), name(ev.b)].sort().join(' ')}`]
        : [],
    );
    assert.ok(cords.includes('+ system:capture_1 system:playback_1'), cords.join('\n'));
    assert.ok(cords.includes('- system:capture_1 system:playback_1'), cords.join('\n'));
    // jack_thru connects itself to the sound card, and its cords go when it leaves.
    assert.ok(cords.includes('+ gwthru:input_1 system:capture_1'), cords.join('\n'));
    assert.ok(cords.includes('- gwthru:input_1 system:capture_1'), cords.join('\n'));
    const ports = events.flatMap(({ ev }) => (ev?.kind === 'port' ? [ev] : []));
    assert.equal(ports.filter((p) => p.registered).length, 4);
    assert.deepEqual(
      ports
        .filter((p) => !p.registered)
        .map((p) => name(p.id))
        .sort(),
      ['gwthru:input_1', 'gwthru:input_2', 'gwthru:output_1', 'gwthru:output_2'],
    );
    assert.ok(
      events.some(({ ev }) => ev?.kind === 'client' && ev.name === 'gwthru' && ev.registered),
    );
  });

  it('rejects what is not jack_evmon’s', () => {
    for (const l of ['Ports 1 and x connected', 'Port 99999999999 registered', 'Cannot connect'])
      assert.equal(parseEvmonLine(l), undefined, l);
    assert.deepEqual(parseEvmonLine('Graph reordered'), { kind: 'none' });
  });
});

describe('GraphWatcher on a real jackd', () => {
  const procs = new Procs();
  let jack: JackServer;
  let w: GraphWatcher;
  const changes: GraphChange[] = [];
  const timings: GraphEvent[] = [];
  before(async () => {
    jack = await procs.server('watch');
    w = await GraphWatcher.create(sharedScope(jack.name), {
      onGraphEvent: (e) => timings.push(e),
      resyncMs: 60_000,
    });
    w.on('graph', (_g, c) => changes.push(c));
  });
  after(async () => {
    await w.close();
    await procs.stopAll();
  });

  /** The watcher's graph is JACK's, as a fresh jack_lsp reads it. */
  async function matchesJack(): Promise<void> {
    assert.deepEqual(w.graph, (await lsp(jack.name)).graph);
  }

  it('applies a connect and a disconnect straight from jack_evmon, without re-reading', async () => {
    const reads = w.snapshots;
    const seq = w.seq;
    await tool(jack.name, 'jack_connect', 'system:capture_2', 'system:playback_2');
    const g = await w.waitFor((x) =>
      x.connections.some(([s, d]) => s === 'system:capture_2' && d === 'system:playback_2'),
    );
    assert.ok(g, 'the cord is seen');
    assert.equal(w.snapshots, reads, 'no jack_lsp was run for it');
    const c = changes.at(-1)!;
    assert.equal(c.prev, seq);
    assert.equal(c.seq, w.seq);
    assert.deepEqual(c.delta, { connect: [['system:capture_2', 'system:playback_2']] });
    assert.equal(timings.at(-1)!.source, 'evmon');
    await tool(jack.name, 'jack_disconnect', 'system:capture_2', 'system:playback_2');
    await w.waitFor((x) => x.connections.length === 0);
    assert.deepEqual(changes.at(-1)!.delta, {
      disconnect: [['system:capture_2', 'system:playback_2']],
    });
    assert.equal(w.snapshots, reads);
    await matchesJack();
  });

  it('a new client is read once per burst; its leaving is applied from the lines alone', async () => {
    const reads = w.snapshots;
    const thru = procs.spawn('jack_thru', ['wthru'], jack.name);
    await w.waitFor((x) => x.clients.wthru?.length === 4 && x.connections.length === 4, 5000);
    await delay(200);
    assert.ok(w.snapshots - reads <= 2, `${w.snapshots - reads} reads for one client`);
    await matchesJack();
    const before = w.snapshots;
    await stopChild(thru, 2000);
    await w.waitFor((x) => !x.clients.wthru, 5000);
    assert.equal(w.snapshots, before, 'no jack_lsp for a client that leaves');
    const last = changes.at(-1)!.delta;
    assert.equal(last.clients?.wthru, null);
    await matchesJack();
  });

  it('versions chain: each change names the one before it', () => {
    for (let i = 1; i < changes.length; i++)
      assert.equal(changes[i]!.prev, changes[i - 1]!.seq, `change ${i}`);
  });

  it('many cords at once end as JACK has them', async () => {
    await Promise.all([
      tool(jack.name, 'jack_connect', 'system:capture_1', 'system:playback_1'),
      tool(jack.name, 'jack_connect', 'system:capture_1', 'system:playback_2'),
      tool(jack.name, 'jack_connect', 'system:capture_2', 'system:playback_1'),
      tool(jack.name, 'jack_connect', 'system:capture_2', 'system:playback_2'),
    ]);
    await w.waitFor((x) => x.connections.length === 4);
    await matchesJack();
    w.refresh();
    await delay(300);
    await matchesJack();
  });
});
