import { hostname, networkInterfaces } from 'node:os';
import { SafeEmitter } from '../events.js';
import type { PortBlock } from '../jacktrip/PortPool.js';
import type { Logger } from '../log.js';
import type { ReachState, ReachStatus, ReachSummary } from '../../../protocol/api.js';
import { MappingRefused, type Gateway, type GatewayFinder, type MapProtocol } from './gateway.js';
import { RouterLeases } from './leases.js';
import {
  buildStatus,
  classifyRouter,
  isOwnMapping,
  lanIPv4,
  ownPublicAddress,
  type RouterFacts,
} from './state.js';

/**
 * The port-mapping library (natApi.ts), loaded on first use: a hub with mapping off never
 * needs it, and loading it costs every start some 90 ms.
 */
const findGateway: GatewayFinder = async (timeoutMs) =>
  (await import('./natApi.js')).findGateway(timeoutMs);

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
  private readonly leases: RouterLeases;
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
    this.leases = new RouterLeases({
      gateway: () => this.gateway,
      machine: this.machine,
      tag: options.tag,
      leaseSeconds: this.lease,
      logger: options.logger,
    });
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
    return this.leases.externalPort(protocol, internalPort);
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
      if (before && before.tcpPort !== block.tcpPort) await this.leases.unmapRoom(roomId);
      this.rooms.set(roomId, block);
      if (this.st.state !== 'mapped' || !this.gateway) return true;
      try {
        await this.leases.mapRoom(roomId, block);
        this.publish();
        return true;
      } catch (err) {
        await this.leases.unmapRoom(roomId);
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
      await this.leases.unmapRoom(roomId);
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
      await this.leases.unmapAll();
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
      await this.leases.unmapAll();
      await this.dropGateway();
      return this.set('off', {});
    }
    const own = ownPublicAddress(networkInterfaces());
    if (own) {
      await this.leases.unmapAll();
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
      await this.leases.unmapAll();
      return this.set(cls, { routerAddress });
    }
    try {
      await this.removeStale(gw);
      const https = await this.leases.mapService('https', 'TCP', this.ports.https);
      await this.leases.mapService('relay', 'UDP', this.ports.relay);
      for (const [roomId, block] of [...this.rooms]) {
        try {
          await this.leases.mapRoom(roomId, block);
        } catch (err) {
          if (!(err instanceof MappingRefused)) throw err;
          // A block that was fine before and is refused now: the room stays on the LAN.
          await this.leases.unmapRoom(roomId);
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
    this.leases.forget();
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
    const mine = new Set(this.leases.all().map((l) => `${l.protocol}:${l.external_port}`));
    for (const m of await gw.list()) {
      if (!isOwnMapping(m.description, this.machine, this.options.tag)) continue;
      if (mine.has(`${m.protocol}:${m.externalPort}`)) continue;
      await gw.unmap(m.protocol, m.externalPort, m.internalPort);
      this.options.logger.info({ mapping: m }, 'removed a stale mapping of this hub');
    }
    this.staleChecked = true;
  }

  /** Renew at half the shortest lease granted; re-read the router's address in between. */
  private scheduleRenewal(): void {
    clearTimeout(this.renewTimer);
    clearInterval(this.checkTimer);
    if (this.closed) return;
    const lease = this.leases.takeShortestGrant() ?? this.lease;
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
      mapped: this.leases.all(),
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
