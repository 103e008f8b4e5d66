import { hostname, networkInterfaces } from 'node:os';
import { SafeEmitter } from '../events.js';
import type { PortBlock } from '../jacktrip/PortPool.js';
import type { Logger } from '../log.js';
import type { MappedPort, ReachState, ReachStatus, ReachSummary } from '../../../protocol/api.js';
import { MappingRefused, type Gateway, type GatewayFinder, type MapProtocol } from './gateway.js';
import { findGateway } from './natApi.js';
import {
  buildStatus,
  classifyRouter,
  isOwnMapping,
  lanIPv4,
  mappingDescription,
  ownPublicAddress,
  type RouterFacts,
} from './state.js';

export interface ReachabilityOptions {
  /** Map ports at all (HUB_UPNP). Can be changed later with setEnabled. */
  enabled: boolean;
  logger: Logger;
  /** Tells this hub's mappings from other hubs' on the same machine (from its data folder). */
  tag: string;
  /** The JackTrip pool, for the ports to forward by hand. */
  pool: { from: number; to: number };
  /** Lease asked of the router, in seconds; renewed at half of what it grants. Default 1800. */
  leaseSeconds?: number;
  /** How long UPnP and NAT-PMP get to answer. Default 3000 ms. */
  discoveryMs?: number;
  /** How often the router's address and connection are re-read. Default min(60 s, lease / 4). */
  checkEveryMs?: number;
  /** The machine's name in mapping descriptions. Default os.hostname(). */
  machine?: string;
  /** Finds the router. Default: UPnP IGD and NAT-PMP through natApi.ts. */
  finder?: GatewayFinder;
}

export type ReachabilityEvents = { change: [ReachStatus] };

interface Lease extends MappedPort {
  roomId?: string;
}

const keyOf = (p: MapProtocol, internalPort: number) => `${p}:${internalPort}`;
/** How many other external ports are tried when the wanted HTTPS or relay port is taken. */
const ALTERNATIVES = 20;

/**
 * Opens the home router's ports for the hub (UPnP IGD or NAT-PMP) and says whether friends on
 * the internet can reach it. The HTTPS (TCP) and relay (UDP) ports are mapped while hosting,
 * each room's JackTrip block 1:1 while the room lives. Leases are short and renewed; close()
 * removes every mapping; a start removes this hub's mappings left by a crash (UPnP lists them
 * with their description). Every router call runs one at a time, in order.
 */
export class Reachability extends SafeEmitter<ReachabilityEvents> {
  private enabled: boolean;
  private ports: { https: number; relay: number } | undefined;
  private gateway: Gateway | undefined;
  private staleChecked = false;
  private readonly leases = new Map<string, Lease>();
  private readonly rooms = new Map<string, PortBlock>();
  private st: ReachStatus;
  private queue: Promise<unknown> = Promise.resolve();
  private renewTimer: NodeJS.Timeout | undefined;
  private checkTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private closing: Promise<void> | undefined;
  private readonly machine: string;
  private readonly lease: number;

  constructor(private readonly options: ReachabilityOptions) {
    super();
    this.onListenerError = (event, err) =>
      options.logger.error({ err, event }, 'reachability listener threw');
    this.enabled = options.enabled;
    this.machine = options.machine ?? hostname();
    this.lease = options.leaseSeconds ?? 1800;
    this.last = { state: options.enabled ? 'checking' : 'off', facts: {} };
    this.st = this.make(this.last.state, {});
  }

  get status(): ReachStatus {
    return this.st;
  }

  summary(): ReachSummary {
    return {
      state: this.st.state,
      public_address: this.st.public_address,
      mapped: this.st.mapped.length,
    };
  }

  /**
   * Looks for the router while the hub is still starting (the UPnP search alone takes up to a
   * second: routers delay their answer at random), so start() can map at once.
   */
  prepare(): void {
    void this.serial(async () => {
      if (!this.enabled || ownPublicAddress(networkInterfaces())) return;
      this.gateway ??= await (this.options.finder ?? findGateway)(this.options.discoveryMs ?? 3000);
    }).catch(() => undefined);
  }

  /** The router's external port for one of the hub's own ports, while it is mapped. */
  externalPort(protocol: MapProtocol, internalPort: number): number | undefined {
    return this.leases.get(keyOf(protocol, internalPort))?.external_port;
  }

  /** Begins with the hub's listening ports; resolves once the router has answered (or not). */
  start(ports: { https: number; relay: number }): Promise<ReachStatus> {
    this.ports = ports;
    return this.serial(() => this.refresh());
  }

  /** The "Open my router's ports automatically" switch. */
  setEnabled(on: boolean): Promise<ReachStatus> {
    this.enabled = on;
    return this.serial(() => this.refresh());
  }

  /**
   * A room's block, before its processes start: mapped 1:1 (JackTrip tells clients the UDP
   * port number itself). False when the router refused it, so the caller leases another block.
   */
  claimBlock(roomId: string, block: PortBlock): Promise<boolean> {
    return this.serial(async () => {
      const before = this.rooms.get(roomId);
      if (before && before.tcpPort !== block.tcpPort) await this.unmapRoom(roomId);
      this.rooms.set(roomId, block);
      if (this.st.state !== 'mapped' || !this.gateway) return true;
      try {
        await this.mapRoom(roomId, block);
        this.publish();
        return true;
      } catch (err) {
        await this.unmapRoom(roomId);
        this.rooms.delete(roomId);
        if (err instanceof MappingRefused) {
          this.options.logger.warn(
            { roomId, block, err: err.message },
            'router refused a room block',
          );
          return false;
        }
        this.options.logger.warn({ err: (err as Error).message }, 'router stopped answering');
        this.rooms.set(roomId, block);
        await this.lost();
        return true;
      }
    });
  }

  /** The room stopped: its block is unmapped. */
  releaseBlock(roomId: string): Promise<void> {
    return this.serial(async () => {
      this.rooms.delete(roomId);
      await this.unmapRoom(roomId);
      this.publish();
    });
  }

  /** Removes every mapping and stops; safe to call twice. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      clearTimeout(this.renewTimer);
      clearInterval(this.checkTimer);
      await this.queue.catch(() => undefined);
      await this.unmapAll();
      await this.gateway?.close().catch(() => undefined);
      this.gateway = undefined;
    })();
    return this.closing;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = () => (this.closed ? Promise.reject(new Error('reachability closed')) : fn());
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  /** Works out the state from scratch, makes the mappings match it, and plans the next look. */
  private async refresh(): Promise<ReachStatus> {
    clearTimeout(this.renewTimer);
    clearInterval(this.checkTimer);
    const s = await this.decide();
    if (this.enabled && s.state !== 'public') this.scheduleRenewal();
    return s;
  }

  private async decide(): Promise<ReachStatus> {
    if (!this.ports) return this.st;
    if (!this.enabled) {
      await this.unmapAll();
      await this.dropGateway();
      return this.set('off', {});
    }
    const own = ownPublicAddress(networkInterfaces());
    if (own) {
      await this.unmapAll();
      return this.set('public', { publicAddress: own, publicPort: this.ports.https });
    }
    if (this.st.state === 'off') this.set('checking', {});
    this.gateway ??= await (this.options.finder ?? findGateway)(this.options.discoveryMs ?? 3000);
    const gw = this.gateway;
    if (!gw) return this.set('no_gateway', {});
    let view;
    try {
      view = await gw.status();
    } catch (err) {
      this.options.logger.warn({ err: (err as Error).message }, 'router stopped answering');
      return this.lost();
    }
    const cls = classifyRouter(view);
    const routerAddress = view.externalAddress;
    if (cls !== 'mapped') {
      await this.unmapAll();
      return this.set(cls, { routerAddress });
    }
    try {
      await this.removeStale(gw);
      const https = await this.mapService('https', 'TCP', this.ports.https);
      await this.mapService('relay', 'UDP', this.ports.relay);
      for (const [roomId, block] of [...this.rooms]) {
        try {
          await this.mapRoom(roomId, block);
        } catch (err) {
          if (!(err instanceof MappingRefused)) throw err;
          // A block that was fine before and is refused now: the room stays on the LAN.
          await this.unmapRoom(roomId);
          throw err;
        }
      }
      return this.set('mapped', { publicAddress: routerAddress, publicPort: https, routerAddress });
    } catch (err) {
      if (err instanceof MappingRefused) {
        this.options.logger.warn({ err: err.message }, 'router refused a mapping');
        return this.set('refused', { routerAddress });
      }
      this.options.logger.warn({ err: (err as Error).message }, 'router stopped answering');
      return this.lost();
    }
  }

  /** The router went away: forget it (its mappings lapse on their own) and look again later. */
  private async lost(): Promise<ReachStatus> {
    await this.dropGateway();
    this.leases.clear();
    return this.set('no_gateway', {});
  }

  private async dropGateway(): Promise<void> {
    await this.gateway?.close().catch(() => undefined);
    this.gateway = undefined;
    this.staleChecked = false;
  }

  /** This hub's mappings the router still lists but this run never made: left by a crash. */
  private async removeStale(gw: Gateway): Promise<void> {
    if (this.staleChecked) return;
    const mine = new Set([...this.leases.values()].map((l) => `${l.protocol}:${l.external_port}`));
    for (const m of await gw.list()) {
      if (!isOwnMapping(m.description, this.machine, this.options.tag)) continue;
      if (mine.has(`${m.protocol}:${m.externalPort}`)) continue;
      await gw.unmap(m.protocol, m.externalPort, m.internalPort);
      this.options.logger.info({ mapping: m }, 'removed a stale mapping of this hub');
    }
    this.staleChecked = true;
  }

  /** The HTTPS or relay port: the same external port if free, else the next free one. */
  private async mapService(what: 'https' | 'relay', protocol: MapProtocol, port: number) {
    const gw = this.gateway!;
    const had = this.leases.get(keyOf(protocol, port));
    const wanted = had ? [had.external_port] : [];
    for (let i = 0; i <= ALTERNATIVES; i++) if (port + i <= 65535) wanted.push(port + i);
    let last: unknown;
    for (const ext of new Set(wanted)) {
      try {
        const g = await gw.map({
          protocol,
          internalPort: port,
          externalPort: ext,
          leaseSeconds: this.lease,
          description: mappingDescription(this.machine, this.options.tag, what),
        });
        this.grant(g.leaseSeconds);
        this.leases.set(keyOf(protocol, port), {
          what,
          protocol,
          internal_port: port,
          external_port: g.externalPort,
        });
        return g.externalPort;
      } catch (err) {
        last = err;
        if (!(err instanceof MappingRefused && err.conflict)) throw err;
      }
    }
    throw last instanceof Error
      ? last
      : new MappingRefused(`no free external port for ${what}`, true);
  }

  private async mapRoom(roomId: string, b: PortBlock): Promise<void> {
    const gw = this.gateway!;
    const want: [MapProtocol, number][] = [['TCP', b.tcpPort]];
    for (let p = b.udpBase; p < b.tcpPort + b.size; p++) want.push(['UDP', p]);
    for (const [protocol, port] of want) {
      const g = await gw.map({
        protocol,
        internalPort: port,
        externalPort: port,
        leaseSeconds: this.lease,
        description: mappingDescription(this.machine, this.options.tag, 'room'),
      });
      this.leases.set(keyOf(protocol, port), {
        what: 'room',
        protocol,
        internal_port: port,
        external_port: g.externalPort,
        roomId,
      });
      if (g.externalPort !== port) {
        throw new MappingRefused(
          `${protocol} ${port} was granted as ${g.externalPort}, not 1:1`,
          true,
        );
      }
      this.grant(g.leaseSeconds);
    }
  }

  private async unmapRoom(roomId: string): Promise<void> {
    for (const [k, l] of [...this.leases]) {
      if (l.roomId !== roomId) continue;
      this.leases.delete(k);
      await this.unmapOne(l);
    }
  }

  private async unmapAll(): Promise<void> {
    const all = [...this.leases.values()];
    this.leases.clear();
    for (const l of all) await this.unmapOne(l);
  }

  private async unmapOne(l: Lease): Promise<void> {
    try {
      await this.gateway?.unmap(l.protocol, l.external_port, l.internal_port);
    } catch (err) {
      // It lapses with its lease anyway.
      this.options.logger.warn(
        { mapping: l, err: (err as Error).message },
        'could not remove a mapping',
      );
    }
  }

  private shortestGrant = Infinity;
  private grant(seconds: number): void {
    if (seconds > 0) this.shortestGrant = Math.min(this.shortestGrant, seconds);
  }

  /** Renew at half the shortest lease granted; re-read the router's address in between. */
  private scheduleRenewal(): void {
    clearTimeout(this.renewTimer);
    clearInterval(this.checkTimer);
    if (this.closed) return;
    const lease = Number.isFinite(this.shortestGrant) ? this.shortestGrant : this.lease;
    this.shortestGrant = Infinity;
    this.renewTimer = setTimeout(
      () => void this.serial(() => this.refresh()).catch(() => undefined),
      (lease * 1000) / 2,
    );
    this.renewTimer.unref();
    const every = this.options.checkEveryMs ?? Math.min(60_000, (this.lease * 1000) / 4);
    this.checkTimer = setInterval(() => void this.check().catch(() => undefined), every);
    this.checkTimer.unref();
  }

  /** A cheap look at the router: a changed address or a silent router means a full refresh. */
  private check(): Promise<unknown> {
    return this.serial(async () => {
      const gw = this.gateway;
      if (!gw) return this.refresh();
      try {
        const v = await gw.status();
        const moved = v.externalAddress !== (this.st.router_address ?? undefined);
        if (moved || classifyRouter(v) !== 'mapped') return this.refresh();
      } catch {
        return this.refresh();
      }
      return this.st;
    });
  }

  private make(state: ReachState, facts: RouterFacts): ReachStatus {
    return buildStatus(state, facts, {
      ports: this.ports,
      pool: this.options.pool,
      gateway: this.gateway?.kind ?? null,
      mapped: [...this.leases.values()],
      lanAddress: lanIPv4(networkInterfaces()),
    });
  }

  private last: { state: ReachState; facts: RouterFacts } = {
    state: 'off',
    facts: {},
  };

  private set(state: ReachState, facts: RouterFacts): ReachStatus {
    this.last = { state, facts: facts };
    return this.publish();
  }

  /** Emits the status when anything in it changed. */
  private publish(): ReachStatus {
    const next = this.make(this.last.state, this.last.facts);
    const changed = JSON.stringify(next) !== JSON.stringify(this.st);
    this.st = next;
    if (changed) {
      this.options.logger.info(
        { reach: { ...next, message: undefined } },
        `reachability: ${next.state}`,
      );
      this.safeEmit('change', next);
    }
    return next;
  }
}
