// The hub process of "Host a jam": Electron's utilityProcess in the app, child_process.fork
// without Electron. Settings arrive in env (the same variables as the headless hub); the
// parent hears {type:'ready'} or {type:'failed'}, then {type:'reach'} on every change of the
// router's port mapping; it sends {type:'stop'} to end the hub and {type:'upnp'} to switch the
// mapping on or off.
import { loadConfig, ConfigError, Hub } from '../../hub-core/src/index.js';
import type { ReachStatus } from '../../protocol/api.js';

export type HubToParent =
  | { type: 'ready'; url: string; port: number; fingerprint: string | null; reach: ReachStatus }
  | { type: 'failed'; code: 'config' | 'listen' | 'start'; message: string }
  | { type: 'reach'; status: ReachStatus };
export type ParentToHub = { type: 'stop' } | { type: 'upnp'; enabled: boolean };

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
    if (typeof m !== 'object' || m === null) return;
    const msg = m as ParentToHub;
    if (msg.type === 'stop') stop();
    else if (msg.type === 'upnp' && typeof msg.enabled === 'boolean')
      void hub.reach.setEnabled(msg.enabled).catch(() => undefined);
  });
  hub.reach.on('change', (status) => send({ type: 'reach', status }));
  // Without Electron: the parent went away (crashed or was killed), so stop too.
  if (!parentPort) process.on('disconnect', stop);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  try {
    const url = await hub.listen();
    const addr = hub.app.server.address();
    const port = addr && typeof addr === 'object' ? addr.port : hub.config.port;
    send({ type: 'ready', url, port, fingerprint: hub.fingerprint256, reach: hub.reach.status });
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
