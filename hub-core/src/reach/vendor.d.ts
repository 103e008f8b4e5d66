// Types for the parts of @silentbot1/nat-api (0.4.9) that natApi.ts uses (its UPnP device
// discovery and SOAP transport, and its NAT-PMP client), and for default-gateway (7.2.2).
declare module '@silentbot1/nat-api/lib/upnp/ssdp.js' {
  import type { EventEmitter } from 'node:events';
  export interface UpnpDevice {
    url: string;
    run(action: string, args: [string, string | number][]): Promise<Record<string, unknown>>;
  }
  export default class Ssdp extends EventEmitter {
    constructor(opts?: { sourcePort?: number });
    search(
      device: string,
      timeoutMs: number,
    ): Promise<{ device: UpnpDevice; address: string } | undefined>;
    destroy(): Promise<void>;
  }
}

declare module '@silentbot1/nat-api/lib/pmp/index.js' {
  import type { EventEmitter } from 'node:events';
  export interface PmpMapping {
    public: number;
    private: number;
    ttl: number;
  }
  export default class PmpClient extends EventEmitter {
    constructor(gateway: string);
    gateway: string;
    socket: unknown;
    portMapping(o: {
      public: number;
      private: number;
      type: 'tcp' | 'udp';
      ttl: number;
    }): Promise<PmpMapping>;
    portUnmapping(o: { public: number; private: number; type: 'tcp' | 'udp' }): Promise<PmpMapping>;
    externalIp(): Promise<string>;
    close(): Promise<void>;
  }
}

declare module 'default-gateway' {
  export function gateway4async(): Promise<{
    gateway: string;
    version: number;
    int: string | null;
  }>;
}
