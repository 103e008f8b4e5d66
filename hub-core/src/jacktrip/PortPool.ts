/** A block of the JackTrip pool leased to one room: its handshake port and client UDP ports. */
export interface PortBlock {
  /** TCP port of the room's `jacktrip -S` (`-B`). */
  tcpPort: number;
  /** First UDP port handed to clients (`-U`); client n gets udpBase + n. */
  udpBase: number;
  /** Ports in the block, from tcpPort to tcpPort + size - 1. */
  size: number;
}

export class PoolExhausted extends Error {
  constructor(needed: number, base: number, range: number) {
    super(`no ${needed} free ports left in the JackTrip pool ${base}-${base + range - 1}`);
    this.name = 'PoolExhausted';
  }
}

/**
 * Hands out non-overlapping blocks of [base, base + range) to rooms: one TCP handshake port
 * followed by one UDP port per possible client (plus spare ones for reconnects).
 */
export class PortPool {
  private readonly leases = new Map<string, PortBlock>();

  constructor(
    readonly base: number,
    readonly range: number,
  ) {}

  /** Ports a room of `maxClients` needs: handshake + clients + 2 spare for reconnects. */
  static blockSize(maxClients: number): number {
    return 1 + maxClients + 2;
  }

  lease(owner: string, maxClients: number): PortBlock {
    const existing = this.leases.get(owner);
    if (existing) return existing;
    const size = PortPool.blockSize(maxClients);
    const taken = [...this.leases.values()].sort((a, b) => a.tcpPort - b.tcpPort);
    let start = this.base;
    for (const b of taken) {
      if (start + size <= b.tcpPort) break;
      start = Math.max(start, b.tcpPort + b.size);
    }
    if (start + size > this.base + this.range) throw new PoolExhausted(size, this.base, this.range);
    const block = { tcpPort: start, udpBase: start + 1, size };
    this.leases.set(owner, block);
    return block;
  }

  release(owner: string): void {
    this.leases.delete(owner);
  }

  get leased(): number {
    return this.leases.size;
  }
}
