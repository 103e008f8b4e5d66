// The one file that uses the port-mapping library, @silentbot1/nat-api (pinned, 0.4.9): its
// SSDP discovery and SOAP transport for UPnP IGD (v1 and v2 services), and its NAT-PMP codec.
// Its high-level NatAPI class is not used: tested against miniupnpd, it never renews NAT-PMP
// leases (the refresh timer binds the function without calling it), its mapping list always
// comes back empty (index 0 is sent as an empty element), and it hides the external port a
// NAT-PMP router grants. Renewals, listing and port choice are ours (Reachability.ts).
import PmpClient from '@silentbot1/nat-api/lib/pmp/index.js';
import Ssdp, { type UpnpDevice } from '@silentbot1/nat-api/lib/upnp/ssdp.js';
import { gateway4async } from 'default-gateway';
import {
  GatewayUnreachable,
  MappingRefused,
  type Gateway,
  type GatewayFinder,
  type MapProtocol,
  type MapRequest,
  type RouterMapping,
} from './gateway.js';

/** Each request to the router gets this long before it counts as unanswered. */
const CALL_TIMEOUT_MS = 5000;

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new GatewayUnreachable(`${what}: no answer in ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

const IGD = 'urn:schemas-upnp-org:device:InternetGatewayDevice:1';

/** A SOAP answer's fields: the library returns `{ "u:<Action>Response": { Field: "value" } }`. */
function fields(body: Record<string, unknown>, action: string): Record<string, unknown> {
  const key = Object.keys(body).find((k) => k.endsWith(`${action}Response`));
  const v = key ? body[key] : undefined;
  if (!v || typeof v !== 'object') throw new GatewayUnreachable(`UPnP ${action}: no answer body`);
  return v as Record<string, unknown>;
}
const text = (v: unknown) => (typeof v === 'string' ? v : '');

/** The library throws UPnP faults as Errors whose message comes from its own table. */
function upnpError(action: string, err: unknown): Error {
  const m = err instanceof Error ? err.message : String(err);
  if (err instanceof GatewayUnreachable) return err;
  if (/conflicts with a mapping/i.test(m)) return new MappingRefused(`UPnP ${action}: ${m}`, true);
  if (
    /^Request failed, status code: 500|not authorized|not allowed|not enough free|MUST|cannot be wild-carded|permanent lease/i.test(
      m,
    )
  )
    return new MappingRefused(`UPnP ${action}: ${m}`, false);
  return new GatewayUnreachable(`UPnP ${action}: ${m}`);
}

class UpnpGateway implements Gateway {
  readonly kind = 'upnp' as const;
  constructor(
    private readonly device: UpnpDevice,
    /** This machine's address on the router's LAN (the mappings' internal client). */
    private readonly localAddress: string,
    private readonly ssdp: Ssdp,
  ) {}

  get address(): string {
    return new URL(this.device.url).hostname;
  }

  private async call(action: string, args: [string, string | number][]) {
    try {
      return fields(
        await within(this.device.run(action, args), CALL_TIMEOUT_MS, `UPnP ${action}`),
        action,
      );
    } catch (err) {
      throw upnpError(action, err);
    }
  }

  async status() {
    const ip = await this.call('GetExternalIPAddress', []);
    let connected: boolean | undefined;
    try {
      const s = await this.call('GetStatusInfo', []);
      connected = text(s.NewConnectionStatus) === 'Connected';
    } catch {
      connected = undefined; // optional action: some routers don't have it
    }
    const a = text(ip.NewExternalIPAddress).trim();
    return { externalAddress: a && a !== '0.0.0.0' ? a : undefined, connected };
  }

  async map(r: MapRequest) {
    await this.call('AddPortMapping', [
      ['NewRemoteHost', ''],
      ['NewExternalPort', r.externalPort],
      ['NewProtocol', r.protocol],
      ['NewInternalPort', r.internalPort],
      ['NewInternalClient', this.localAddress],
      ['NewEnabled', 1],
      ['NewPortMappingDescription', r.description],
      ['NewLeaseDuration', r.leaseSeconds],
    ]);
    return { externalPort: r.externalPort, leaseSeconds: r.leaseSeconds };
  }

  async unmap(protocol: MapProtocol, externalPort: number) {
    await this.call('DeletePortMapping', [
      ['NewRemoteHost', ''],
      ['NewExternalPort', externalPort],
      ['NewProtocol', protocol],
    ]);
  }

  async list(): Promise<RouterMapping[]> {
    const out: RouterMapping[] = [];
    // The index goes as text: the library drops a bare 0 (falsy) from the request.
    for (let i = 0; i < 1024; i++) {
      let f: Record<string, unknown>;
      try {
        f = await this.call('GetGenericPortMappingEntry', [['NewPortMappingIndex', String(i)]]);
      } catch (err) {
        if (err instanceof MappingRefused) break; // 713: past the last entry
        throw err;
      }
      const protocol = text(f.NewProtocol).toUpperCase();
      if (protocol !== 'TCP' && protocol !== 'UDP') continue;
      out.push({
        protocol,
        externalPort: Number(text(f.NewExternalPort)),
        internalPort: Number(text(f.NewInternalPort)),
        internalClient: text(f.NewInternalClient),
        description: text(f.NewPortMappingDescription),
        leaseSeconds: Number(text(f.NewLeaseDuration)),
      });
    }
    return out;
  }

  async close() {
    await this.ssdp.destroy();
  }
}

const PMP_RESULTS_REFUSED = /Not Authorized|Refused|Out of Resources|Unsupported/i;

class PmpGateway implements Gateway {
  readonly kind = 'natpmp' as const;
  private client: PmpClient;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly address: string) {
    this.client = this.fresh();
  }

  private fresh(): PmpClient {
    const c = new PmpClient(this.address);
    // A socket error must never become an unhandled 'error' event (it would end the hub).
    c.on('error', () => undefined);
    return c;
  }

  /** One request at a time; an unanswered one leaves the client stuck, so it is replaced. */
  private call<T>(what: string, fn: (c: PmpClient) => Promise<T>): Promise<T> {
    const run = async () => {
      try {
        return await within(fn(this.client), 1500, `NAT-PMP ${what}`);
      } catch (err) {
        if (err instanceof GatewayUnreachable) {
          await this.client.close().catch(() => undefined);
          this.client = this.fresh();
          throw err;
        }
        const m = err instanceof Error ? err.message : String(err);
        if (PMP_RESULTS_REFUSED.test(m)) throw new MappingRefused(`NAT-PMP ${what}: ${m}`, false);
        throw new GatewayUnreachable(`NAT-PMP ${what}: ${m}`);
      }
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  async status() {
    const ip = await this.call('external address', (c) => c.externalIp());
    return { externalAddress: ip && ip !== '0.0.0.0' ? ip : undefined, connected: undefined };
  }

  async map(r: MapRequest) {
    const type = r.protocol === 'TCP' ? 'tcp' : 'udp';
    const m = await this.call('map', (c) =>
      c.portMapping({ public: r.externalPort, private: r.internalPort, type, ttl: r.leaseSeconds }),
    );
    return { externalPort: m.public, leaseSeconds: m.ttl };
  }

  async unmap(protocol: MapProtocol, externalPort: number, internalPort: number) {
    const type = protocol === 'TCP' ? 'tcp' : 'udp';
    await this.call('unmap', (c) =>
      c.portUnmapping({ public: externalPort, private: internalPort, type }),
    );
  }

  async list(): Promise<RouterMapping[]> {
    return [];
  }

  async close() {
    await this.queue;
    await this.client.close().catch(() => undefined);
  }
}

async function findUpnp(timeoutMs: number): Promise<Gateway | undefined> {
  const deadline = Date.now() + timeoutMs;
  const ssdp = new Ssdp();
  try {
    const searchMs = Math.max(300, Math.floor(timeoutMs * 0.7));
    const found = await within(ssdp.search(IGD, searchMs), searchMs + 200, 'UPnP search');
    if (!found) throw new GatewayUnreachable('UPnP: no gateway');
    const gw = new UpnpGateway(found.device, found.address, ssdp);
    // A device that answers the search but has no WAN connection service is no gateway.
    await within(gw.status(), Math.max(200, deadline - Date.now()), 'UPnP status');
    return gw;
  } catch {
    await ssdp.destroy().catch(() => undefined);
    return undefined;
  }
}

async function findPmp(timeoutMs: number): Promise<Gateway | undefined> {
  let gw: PmpGateway | undefined;
  try {
    const { gateway } = await within(gateway4async(), timeoutMs, 'default route');
    gw = new PmpGateway(gateway);
    await within(gw.status(), timeoutMs, 'NAT-PMP');
    return gw;
  } catch {
    await gw?.close().catch(() => undefined);
    return undefined;
  }
}

/**
 * Asks UPnP and NAT-PMP at once and prefers UPnP: its mappings carry our description and can be
 * listed, which is how stale ones are found after a crash. Resolves within `timeoutMs` (plus a
 * moment), undefined when neither answered.
 */
export const findGateway: GatewayFinder = async (timeoutMs) => {
  const [upnp, pmp] = await Promise.all([findUpnp(timeoutMs), findPmp(timeoutMs)]);
  if (upnp) {
    await pmp?.close();
    return upnp;
  }
  return pmp;
};
