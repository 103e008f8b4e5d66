// Our small interface to the home router. Only natApi.ts talks to the port-mapping library;
// the rest of the hub sees these types.

export type MapProtocol = 'TCP' | 'UDP';

export interface MapRequest {
  protocol: MapProtocol;
  internalPort: number;
  /** The external port wanted. */
  externalPort: number;
  leaseSeconds: number;
  description: string;
}

export interface RouterMapping {
  protocol: MapProtocol;
  externalPort: number;
  internalPort: number;
  internalClient: string;
  description: string;
  leaseSeconds: number;
}

/** The router said no to a mapping (a conflict, a policy, no resources). */
export class MappingRefused extends Error {
  constructor(
    message: string,
    /** Another mapping holds the external port: another external port may work. */
    readonly conflict: boolean,
  ) {
    super(message);
    this.name = 'MappingRefused';
  }
}

/** The router did not answer in time, or the answer made no sense. */
export class GatewayUnreachable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GatewayUnreachable';
  }
}

export interface Gateway {
  readonly kind: 'upnp' | 'natpmp';
  /** Where the router is (for logs). */
  readonly address: string;
  /** The router's external address and, for UPnP, whether it says it is connected. */
  status(): Promise<{ externalAddress: string | undefined; connected: boolean | undefined }>;
  /** Maps a port; resolves with what the router granted. Throws MappingRefused or GatewayUnreachable. */
  map(r: MapRequest): Promise<{ externalPort: number; leaseSeconds: number }>;
  unmap(protocol: MapProtocol, externalPort: number, internalPort: number): Promise<void>;
  /** The router's mappings, where it can list them (UPnP); NAT-PMP lists none. */
  list(): Promise<RouterMapping[]>;
  close(): Promise<void>;
}

/** Looks for the router on the LAN: UPnP IGD first (it lists mappings), then NAT-PMP. */
export type GatewayFinder = (timeoutMs: number) => Promise<Gateway | undefined>;
