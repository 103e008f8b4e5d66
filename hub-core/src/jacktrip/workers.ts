// Which of a room's jacktrip workers serves which JACK client. jacktrip's output never names
// the client, but for every connection it prints the worker's UDP port ("Sending Final UDP Port
// to Client: N"), then spawns the worker, whose JACK client (named after the player's -K)
// registers next. jacktrip spawns one worker at a time (it waits for one to finish spawning,
// then sleeps 100 ms), so the port line and the next player client to register go together.
import type { JackTripLineEvent } from './JackTripServer.js';

interface Worker {
  /** The worker's UDP port on the hub, where its exit packet goes; undefined when unknown. */
  port: number | undefined;
  /** Registration order: the higher, the newer. */
  seq: number;
}

export class WorkerTable {
  /** A port line whose client has not registered yet; a newer line replaces it. */
  private pendingPort: number | undefined;
  /**
   * A client that registered before its port line was read. The line comes ~15 ms earlier, but
   * it arrives through jacktrip's pipe and the registration through jack_evmon's, and a busy
   * event loop may read the two in either order.
   */
  private pendingClient: string | undefined;
  private seq = 0;
  private readonly workers = new Map<string, Worker>();

  onJackTripLine(ev: JackTripLineEvent): void {
    if (ev.kind !== 'worker-port') return;
    const w = this.pendingClient === undefined ? undefined : this.workers.get(this.pendingClient);
    this.pendingClient = undefined;
    if (w && w.port === undefined) w.port = ev.serverPort;
    else this.pendingPort = ev.serverPort;
  }

  /** A JACK client (never one of our tools: the graph watcher leaves those out) came or went. */
  onClient(name: string, registered: boolean): void {
    if (!registered) {
      this.workers.delete(name);
      if (this.pendingClient === name) this.pendingClient = undefined;
      return;
    }
    this.workers.set(name, { port: this.pendingPort, seq: ++this.seq });
    if (this.pendingPort === undefined) this.pendingClient = name;
    this.pendingPort = undefined;
  }

  /**
   * A graph snapshot: a waiting client that turned out not to be a player's (no jacktrip ports)
   * stops waiting for a port line, so it can't take the next worker's.
   */
  onGraph(players: readonly string[], clients: readonly string[]): void {
    const c = this.pendingClient;
    if (c !== undefined && clients.includes(c) && !players.includes(c))
      this.pendingClient = undefined;
  }

  /** Every client registered now (the graph's snapshot may not show the newest yet). */
  clients(): string[] {
    return [...this.workers.keys()];
  }

  has(client: string): boolean {
    return this.workers.has(client);
  }

  portOf(client: string): number | undefined {
    return this.workers.get(client)?.port;
  }

  /** When the client registered, as an order (0: before the table started, or unknown). */
  order(client: string): number {
    return this.workers.get(client)?.seq ?? 0;
  }
}
