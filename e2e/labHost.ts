// "Host a jam" with the hub inside a NAT-lab namespace (testkit/lab/natLab.ts): a forker
// that starts the hub process under `ip netns exec`, and a loopback bridge so the host's own
// app (outside the lab) still reaches its hub at https://127.0.0.1:<port>, as it would at home.
import { spawn } from 'node:child_process';
import { createConnection, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { spawnChild, stopChild, type Child } from '../hub-core/src/index.js';
import type { HubForker } from '../electron/main/hostedHub.js';

/** Forks the hub entry inside network namespace `ns`, with the same IPC channel as fork(). */
export function netnsForker(ns: string): HubForker {
  return (entry, env) => {
    const execArgv = entry.endsWith('.ts') ? ['--import', 'tsx'] : [];
    // ip netns exec execs the command: the PID is node's own, and the IPC fd passes through.
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, ...execArgv, entry], {
      env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    return {
      pid: child.pid,
      postMessage: (m) => {
        if (child.connected) child.send(m as object);
      },
      onMessage: (cb) => child.on('message', cb),
      onOutput: (cb) => {
        child.stdout?.on('data', (d: Buffer) => cb(d.toString()));
        child.stderr?.on('data', (d: Buffer) => cb(d.toString()));
      },
      onExit: (cb) => child.once('exit', (code) => cb(code)),
      kill: () => child.kill('SIGKILL'),
    };
  };
}

export interface LoopbackBridge {
  close(): Promise<void>;
  pids: number[];
}

/** 127.0.0.1:<port> here carried to 127.0.0.1:<port> inside namespace `ns`. */
export async function loopbackBridge(
  ns: string,
  port: number,
  dir: string,
): Promise<LoopbackBridge> {
  const sock = join(dir, `bridge-${port}.sock`);
  let ready: () => void = () => {};
  const up = new Promise<void>((r) => (ready = r));
  const agent: Child = spawnChild(
    'ip',
    [
      'netns',
      'exec',
      ns,
      process.execPath,
      '--import',
      'tsx',
      join(import.meta.dirname, 'labBridge.ts'),
      sock,
      String(port),
    ],
    process.env,
    (l) => {
      if (l.includes('bridging')) ready();
    },
  );
  await Promise.race([
    up,
    agent.exited.then(() =>
      Promise.reject(new Error(`bridge exited: ${agent.tail().join(' | ')}`)),
    ),
  ]);
  const open = new Set<{ destroy(): void }>();
  const server: Server = createServer((c) => {
    const u = createConnection(sock);
    open.add(c);
    c.on('close', () => open.delete(c));
    c.pipe(u).pipe(c);
    c.on('error', () => u.destroy());
    u.on('error', () => c.destroy());
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    pids: [agent.pid],
    close: async () => {
      const closed = new Promise<void>((r) => server.close(() => r()));
      for (const c of open) c.destroy();
      await closed;
      await stopChild(agent, 2000);
    },
  };
}
