// The router's port mappings this hub holds (its leases), and the calls that make and remove them.
import type { PortBlock } from '../jacktrip/PortPool.js';
import type { Logger } from '../log.js';
import type { MappedPort } from '../../../protocol/api.js';
import { MappingRefused, type Gateway, type MapProtocol } from './gateway.js';
import { mappingDescription } from './state.js';

interface Lease extends MappedPort {
  roomId?: string;
}

const keyOf = (p: MapProtocol, internalPort: number) => `${p}:${internalPort}`;
/** How many other external ports are tried when the wanted HTTPS or relay port is taken. */
const ALTERNATIVES = 20;

export interface RouterLeasesOptions {
  /** The router, while one is known. */
  gateway: () => Gateway | undefined;
  /** The machine's name and the hub's tag, in every mapping's description. */
  machine: string;
  tag: string;
  /** Lease asked of the router, in seconds. */
  leaseSeconds: number;
  logger: Logger;
}

/**
 * The hub's mappings on the router, by protocol and internal port: the HTTPS and relay ports,
 * and each live room's JackTrip block (1:1). Its callers run one router call at a time.
 */
export class RouterLeases {
  private readonly leases = new Map<string, Lease>();
  private shortestGrant = Infinity;

  constructor(private readonly options: RouterLeasesOptions) {}

  /** Every mapping held, for the status. */
  all(): Lease[] {
    return [...this.leases.values()];
  }

  /** The external port mapped to an internal one, if any. */
  externalPort(protocol: MapProtocol, internalPort: number): number | undefined {
    return this.leases.get(keyOf(protocol, internalPort))?.external_port;
  }

  /** Forgets every mapping without asking the router (it is gone, or was replaced). */
  forget(): void {
    this.leases.clear();
  }

  /** The shortest lease the router granted since the last call (seconds), or undefined. */
  takeShortestGrant(): number | undefined {
    const s = this.shortestGrant;
    this.shortestGrant = Infinity;
    return Number.isFinite(s) ? s : undefined;
  }

  /** The HTTPS or relay port: the same external port if free, else the next free one. */
  async mapService(what: 'https' | 'relay', protocol: MapProtocol, port: number) {
    const gw = this.options.gateway()!;
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
          leaseSeconds: this.options.leaseSeconds,
          description: mappingDescription(this.options.machine, this.options.tag, what),
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

  async mapRoom(roomId: string, b: PortBlock): Promise<void> {
    const gw = this.options.gateway()!;
    const want: [MapProtocol, number][] = [['TCP', b.tcpPort]];
    for (let p = b.udpBase; p < b.tcpPort + b.size; p++) want.push(['UDP', p]);
    for (const [protocol, port] of want) {
      const g = await gw.map({
        protocol,
        internalPort: port,
        externalPort: port,
        leaseSeconds: this.options.leaseSeconds,
        description: mappingDescription(this.options.machine, this.options.tag, 'room'),
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

  async unmapRoom(roomId: string): Promise<void> {
    for (const [k, l] of [...this.leases]) {
      if (l.roomId !== roomId) continue;
      this.leases.delete(k);
      await this.unmapOne(l);
    }
  }

  async unmapAll(): Promise<void> {
    const all = [...this.leases.values()];
    this.leases.clear();
    for (const l of all) await this.unmapOne(l);
  }

  private async unmapOne(l: Lease): Promise<void> {
    try {
      await this.options.gateway()?.unmap(l.protocol, l.external_port, l.internal_port);
    } catch (err) {
      // It lapses with its lease anyway.
      this.options.logger.warn(
        { mapping: l, err: (err as Error).message },
        'could not remove a mapping',
      );
    }
  }

  private grant(seconds: number): void {
    if (seconds > 0) this.shortestGrant = Math.min(this.shortestGrant, seconds);
  }
}
