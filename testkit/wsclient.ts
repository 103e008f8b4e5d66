// A real WebSocket client (the `ws` package) that collects what the hub sends.
import WebSocket from 'ws';

export interface WsMsg {
  type: string;
  [k: string]: unknown;
}

export class TestSocket {
  readonly received: WsMsg[] = [];
  private waiters: { pred: (m: WsMsg) => boolean; resolve: (m: WsMsg) => void }[] = [];
  closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const m = JSON.parse((data as Buffer).toString('utf8')) as WsMsg;
      this.received.push(m);
      this.waiters = this.waiters.filter((w) => {
        if (!w.pred(m)) return true;
        w.resolve(m);
        return false;
      });
    });
    this.closed = new Promise((r) =>
      ws.on('close', (code, reason) => r({ code, reason: reason.toString() })),
    );
  }

  static open(url: string, ca: string, headers?: Record<string, string>): Promise<TestSocket> {
    const ws = new WebSocket(url, { ca, headers });
    const s = new TestSocket(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(s));
      ws.once('error', reject);
    });
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  /** The first message (already received or still to come) that matches, within `ms`. */
  next(pred: (m: WsMsg) => boolean, ms = 10_000, fromIndex = 0): Promise<WsMsg> {
    const seen = this.received.slice(fromIndex).find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(
        () =>
          reject(
            new Error(
              `no matching message within ${ms} ms; got ${JSON.stringify(this.received.slice(-5))}`,
            ),
          ),
        ms,
      );
      this.waiters.push({ pred, resolve: (m) => (clearTimeout(t), resolve(m)) });
    });
  }

  /** Index to pass to `next` so only messages after now count. */
  get mark(): number {
    return this.received.length;
  }

  close(): void {
    this.ws.close();
  }
}
