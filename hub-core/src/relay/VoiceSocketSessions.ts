import type { WebSocket } from 'ws';
import { MAX_PACKET_BYTES } from '../../../protocol/relay.js';
import type { Relay } from './Relay.js';

/** A fallback client's queued bytes beyond which its datagrams are dropped, like UDP's. */
const MAX_BUFFERED_BYTES = 256 * 1024;

/**
 * The voice relay's WebSocket fallback, for a client whose UDP is blocked: each binary frame is
 * one relay datagram, both ways. Every open socket gets a connection id the relay worker knows
 * it by; what the socket sends goes to the relay as if it came over UDP, and what the relay
 * sends to that id goes back over the socket. Authentication is the route's job.
 */
export class VoiceSocketSessions {
  private readonly sockets = new Map<number, WebSocket>();
  private nextId = 1;

  constructor(private readonly relay: Relay) {
    relay.on('wsout', (id, data) => this.deliver(id, data));
  }

  /** Open fallback sessions. */
  get size(): number {
    return this.sockets.size;
  }

  /** Carries an admitted socket's datagrams until it closes; returns its connection id. */
  attach(ws: WebSocket): number {
    const id = this.nextId++;
    this.sockets.set(id, ws);
    ws.on('close', () => {
      this.sockets.delete(id);
      this.relay.wsClosed(id);
    });
    ws.on('error', () => undefined);
    ws.on('message', (data, isBinary) => {
      const buf = data as Buffer;
      if (ws.readyState !== 1 || !isBinary || buf.length > MAX_PACKET_BYTES) return;
      this.relay.wsIn(id, new Uint8Array(buf));
    });
    return id;
  }

  private deliver(id: number, data: Uint8Array): void {
    const ws = this.sockets.get(id);
    if (ws && ws.readyState === 1 && ws.bufferedAmount < MAX_BUFFERED_BYTES) ws.send(data);
  }
}
