// The hub process of "Host a jam": Electron's utilityProcess in the app, child_process.fork
// without Electron. Settings arrive in env (the same variables as the headless hub); the
// parent hears {type:'ready'} or {type:'failed'} and sends {type:'stop'} to end it.
import { loadConfig } from '../../hub-core/src/config.js';
import { ConfigError } from '../../hub-core/src/errors.js';
import { Hub } from '../../hub-core/src/Hub.js';

export type HubToParent =
  | { type: 'ready'; url: string; port: number; fingerprint: string | null }
  | { type: 'failed'; code: 'config' | 'listen' | 'start'; message: string };
export type ParentToHub = { type: 'stop' };

interface MessagePortLike {
  on(event: 'message', cb: (e: { data: unknown }) => void): void;
  postMessage(m: unknown): void;
}
const parentPort = (process as unknown as { parentPort?: MessagePortLike }).parentPort;

function send(m: HubToParent): void {
  if (parentPort) parentPort.postMessage(m);
  else process.send?.(m);
}

function onParent(cb: (m: unknown) => void): void {
  if (parentPort) parentPort.on('message', (e) => cb(e.data));
  else process.on('message', cb);
}

async function run(): Promise<void> {
  let hub: Hub;
  try {
    hub = await Hub.create({ config: loadConfig(process.env) });
  } catch (err) {
    send({
      type: 'failed',
      code: err instanceof ConfigError ? 'config' : 'start',
      message: (err as Error).message,
    });
    process.exit(2);
  }
  let closing: Promise<void> | undefined;
  const stop = () => {
    closing ??= hub.close().then(
      () => process.exit(0),
      (err: unknown) => {
        hub.logger.error({ err }, 'hub shutdown failed');
        process.exit(1);
      },
    );
  };
  onParent((m) => {
    if (typeof m === 'object' && m !== null && (m as ParentToHub).type === 'stop') stop();
  });
  // Without Electron: the parent went away (crashed or was killed), so stop too.
  if (!parentPort) process.on('disconnect', stop);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  try {
    const url = await hub.listen();
    const addr = hub.app.server.address();
    const port = addr && typeof addr === 'object' ? addr.port : hub.config.port;
    send({ type: 'ready', url, port, fingerprint: hub.fingerprint256 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    send({
      type: 'failed',
      code: 'listen',
      message: `cannot listen on port ${hub.config.port} (${code ?? (err as Error).message})`,
    });
    await hub.close().catch(() => undefined);
    process.exit(2);
  }
}

void run();
