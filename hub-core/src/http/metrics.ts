// GET /metrics: Prometheus' text format through prom-client. The process's own figures (CPU,
// memory, event loop, prefix `backline_`), the counts of /health, the voice relay's counters,
// and three latency histograms (latency.ts says where each is observed). docs/metrics.md
// explains each metric; docs/grafana-dashboard.json draws them.
//
// prom-client is loaded at the first scrape, not at start (loading it costs some 40 ms, and
// blocks the event loop meanwhile): observations made until then wait in a list, and a list
// half full loads it too.
import type { FastifyInstance } from 'fastify';
import type * as PromClient from 'prom-client';
import type { Histogram, Registry } from 'prom-client';
import type { Member } from '../../../protocol/api.js';
import { onLatency, type LatencyName } from '../latency.js';

export interface MetricsSources {
  version: string;
  startedAt: number;
  /** The counts of /health: one gauge each, `backline_<name>`. */
  counts: () => Record<string, number>;
  /** The relay's counters: `backline_relay_<name>_total`, and `sessions` a gauge. */
  relayCounters: () => Record<string, number>;
}

/** The histograms' names, help and buckets (seconds). */
const HISTOGRAMS: Record<LatencyName, { name: string; help: string; buckets: number[] }> = {
  join_to_connected: {
    name: 'backline_join_to_connected_seconds',
    help: "A room join answered to the player's jacktrip client connected (its JACK ports in the room's graph).",
    buckets: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1, 1.5, 2, 3, 5, 10],
  },
  patchbay_reaction: {
    name: 'backline_patchbay_reaction_seconds',
    help: "A JACK change seen by the room's graph watcher to the graph sent to the room's WebSockets.",
    buckets: [0.01, 0.025, 0.05, 0.075, 0.1, 0.125, 0.15, 0.2, 0.3, 0.5, 1],
  },
  relay_delay: {
    name: 'backline_relay_delay_seconds',
    help: 'A voice packet through the relay, arrival to its first copy sent (one packet in 64).',
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05],
  },
};

/** Observations kept until prom-client is loaded; beyond this many they are dropped. */
const MAX_EARLY = 10_000;
/** A join not followed by a connection within this long is forgotten. */
const JOIN_WAIT_MS = 60_000;

interface Loaded {
  registry: Registry;
  histograms: Record<LatencyName, Histogram>;
  prom: typeof PromClient;
  /** The count and relay metrics made so far (their names come with the figures). */
  named: Set<string>;
}

export class HubMetrics {
  private loading: Promise<Loaded> | undefined;
  private loaded: Loaded | undefined;
  private early: [LatencyName, number][] = [];
  private readonly stopListening: () => void;
  /** Joins answered, by `room:user`, waiting for the player's connection: when (performance.now). */
  private readonly joins = new Map<string, number>();

  constructor(private readonly sources: MetricsSources) {
    this.stopListening = onLatency((name, seconds) => this.observe(name, seconds));
  }

  observe(name: LatencyName, seconds: number): void {
    if (this.loaded) {
      this.loaded.histograms[name].observe(seconds);
      return;
    }
    if (this.early.length < MAX_EARLY) this.early.push([name, seconds]);
    // Nobody scraped yet, but the list fills up: load now, while it still has room.
    if (this.early.length >= MAX_EARLY / 2) void this.load().catch(() => undefined);
  }

  /** A join answered (200) at `at`: timed until the player's client shows in the room's graph. */
  joinAnswered(roomId: string, userId: number, at: number): void {
    for (const [k, t] of this.joins) if (at - t > JOIN_WAIT_MS) this.joins.delete(k);
    this.joins.set(`${roomId}:${userId}`, at);
  }

  /** The room's members changed (RoomService's `participants`): the newly connected are timed. */
  participants(roomId: string, members: readonly Member[]): void {
    for (const m of members) {
      if (!m.connected) continue;
      const key = `${roomId}:${m.user_id}`;
      const at = this.joins.get(key);
      if (at === undefined) continue;
      this.joins.delete(key);
      this.observe('join_to_connected', (performance.now() - at) / 1000);
    }
  }

  /** Loads prom-client and builds the registry (once). */
  load(): Promise<Loaded> {
    this.loading ??= this.build();
    return this.loading;
  }

  /** The /metrics route, and the join timing (a hook on POST /rooms/:id/join). */
  install(app: FastifyInstance): void {
    app.addHook('onResponse', (req, reply, done) => {
      if (
        req.method === 'POST' &&
        req.routeOptions.url === '/rooms/:id/join' &&
        reply.statusCode === 200 &&
        req.auth
      ) {
        const id = (req.params as { id?: unknown }).id;
        if (typeof id === 'string')
          this.joinAnswered(id, req.auth.user.id, performance.now() - reply.elapsedTime);
      }
      done();
    });
    app.get(
      '/metrics',
      { schema: { tags: ['hub'], summary: 'Prometheus metrics; no auth' } },
      async (_req, reply) => {
        const loaded = await this.load();
        this.nameFigures(loaded);
        return reply.type(loaded.registry.contentType).send(await loaded.registry.metrics());
      },
    );
  }

  close(): void {
    this.stopListening();
    this.joins.clear();
  }

  /** A gauge per /health count and a metric per relay counter, made as their names appear. */
  private nameFigures({ prom, registry, named }: Loaded): void {
    const s = this.sources;
    for (const k of Object.keys(s.counts())) {
      if (named.has(`count:${k}`)) continue;
      named.add(`count:${k}`);
      new prom.Gauge({
        name: `backline_${k}`,
        help: `The hub's ${k} now (as in /health's counts).`,
        registers: [registry],
        collect() {
          this.set(s.counts()[k] ?? 0);
        },
      });
    }
    for (const k of Object.keys(s.relayCounters())) {
      if (named.has(`relay:${k}`) || !/^[a-z_]+$/.test(k)) continue;
      named.add(`relay:${k}`);
      if (k === 'sessions') {
        new prom.Gauge({
          name: 'backline_relay_sessions',
          help: 'Voice relay sessions open now.',
          registers: [registry],
          collect() {
            this.set(s.relayCounters()[k] ?? 0);
          },
        });
      } else {
        // A counter kept by the relay: each scrape reports its total.
        new prom.Counter({
          name: `backline_relay_${k}_total`,
          help: `The voice relay's ${k} counter.`,
          registers: [registry],
          collect() {
            this.reset();
            this.inc(s.relayCounters()[k] ?? 0);
          },
        });
      }
    }
  }

  private async build(): Promise<Loaded> {
    const prom = await import('prom-client');
    const registry = new prom.Registry();
    prom.collectDefaultMetrics({ register: registry, prefix: 'backline_' });
    const s = this.sources;
    new prom.Gauge({
      name: 'backline_info',
      help: 'Hub version.',
      labelNames: ['version'],
      registers: [registry],
      collect() {
        this.set({ version: s.version }, 1);
      },
    });
    new prom.Gauge({
      name: 'backline_uptime_seconds',
      help: 'Seconds since the hub started.',
      registers: [registry],
      collect() {
        this.set((Date.now() - s.startedAt) / 1000);
      },
    });
    const histograms = Object.fromEntries(
      Object.entries(HISTOGRAMS).map(([key, h]) => [
        key,
        new prom.Histogram({ ...h, registers: [registry] }),
      ]),
    ) as Record<LatencyName, Histogram>;
    const loaded = { registry, histograms, prom, named: new Set<string>() };
    this.loaded = loaded;
    for (const [name, seconds] of this.early) histograms[name].observe(seconds);
    this.early = [];
    return loaded;
  }
}
