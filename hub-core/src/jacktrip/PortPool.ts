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

  /** The owner's block, or the first free one; `avoid` blocks are skipped (a router refused them). */
  lease(owner: string, maxClients: number, avoid: readonly PortBlock[] = []): PortBlock {
    const existing = this.leases.get(owner);
    if (existing) return existing;
    const size = PortPool.blockSize(maxClients);
    const taken = [...this.leases.values(), ...avoid].sort((a, b) => a.tcpPort - b.tcpPort);
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

  /** Gives the owner another block than its current one and the `avoid` ones. */
  relet(owner: string, maxClients: number, avoid: readonly PortBlock[]): PortBlock {
    const current = this.leases.get(owner);
    this.leases.delete(owner);
    try {
      return this.lease(owner, maxClients, current ? [...avoid, current] : avoid);
    } catch (err) {
      if (current) this.leases.set(owner, current);
      throw err;
    }
  }

  /**
   * A block the router accepts (`ask` says yes), starting from `current` and reletting up to
   * `tries` blocks in all when it refuses; the last one is kept anyway (it serves the LAN), as
   * is the current one when no other block is free.
   */
  async claim(
    owner: string,
    maxClients: number,
    current: PortBlock,
    ask: (ports: PortBlock) => Promise<boolean>,
    onRefused: (next: PortBlock) => void = () => {},
    tries = 3,
  ): Promise<PortBlock> {
    const refused: PortBlock[] = [];
    let ports = current;
    for (let i = 1; !(await ask(ports)); i++) {
      refused.push(ports);
      if (i >= tries) break;
      try {
        ports = this.relet(owner, maxClients, refused);
      } catch {
        break; // no other block free: this one serves the LAN
      }
      onRefused(ports);
    }
    return ports;
  }

  release(owner: string): void {
    this.leases.delete(owner);
  }

  get leased(): number {
    return this.leases.size;
  }
}
