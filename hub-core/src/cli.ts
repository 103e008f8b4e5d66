// The headless hub: `npm run hub`. Settings come from env (see USAGE); exit 2 on bad settings.
import { fileURLToPath } from 'node:url';
import { loadConfig, USAGE } from './config.js';
import { ConfigError, DatabaseTooNewError } from './errors.js';
import { Hub } from './Hub.js';
import { markStartup, startupPhases } from './startup.js';
import { isReachable, type ReachStatus } from '../../protocol/api.js';

/** Exit codes: 0 clean shutdown, 1 runtime failure, 2 invalid configuration. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  markStartup('modules');
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE);
    return;
  }
  let hub: Hub;
  try {
    hub = await Hub.create({ config: loadConfig(process.env, argv) });
  } catch (err) {
    return fail(err);
  }

  let stopping = 0;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      // Ctrl-C under npm delivers the signal twice at once (to the process group, and
      // forwarded by npm): only a second signal a moment later means "exit now".
      if (Date.now() - stopping < 1000) return;
      hub.logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = Date.now();
    hub.logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      hub.logger.error('shutdown took over 15 s: exiting');
      process.exit(1);
    }, 15_000);
    deadline.unref();
    hub.close().then(
      () => process.exit(0),
      (err: unknown) => {
        hub.logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  try {
    const url = await hub.listen();
    hub.logger.debug({ startup_ms: startupPhases() }, 'startup timings');
    const lines = [`Backline hub listening on ${url}`];
    if (hub.fingerprint256)
      lines.push(`TLS certificate SHA-256 fingerprint: ${hub.fingerprint256}`);
    else
      lines.push(
        'WARNING: plain HTTP (--insecure-http): passwords and tokens cross the network unencrypted',
      );
    lines.push(`API docs: ${url}/docs   data: ${hub.config.dataDir}`);
    process.stdout.write(lines.join('\n') + '\n');
    // The router's answers, as they come: the internet link only while it works.
    const say = (s: ReachStatus) => {
      const link =
        isReachable(s) && s.public_port !== null
          ? ` Internet link: ${url.replace(/\/\/[^/]+$/, `//${s.public_address}:${s.public_port}`)}`
          : '';
      process.stdout.write(`Reachability: ${s.state}: ${s.message}${link}\n`);
    };
    hub.reach.on('change', say);
    if (hub.reach.status.state !== 'checking') say(hub.reach.status);
  } catch (err) {
    await hub.close().catch(() => undefined);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      return fail(
        new ConfigError(
          'HUB_PORT',
          `cannot listen on ${hub.config.host}:${hub.config.port} (${code}); choose another HUB_PORT or HUB_HOST`,
        ),
      );
    }
    return fail(err);
  }
}

function fail(err: unknown): void {
  if (err instanceof ConfigError) {
    process.stderr.write(`backline-hub: invalid configuration: ${err.message}\n`);
    process.exitCode = 2;
  } else if (err instanceof DatabaseTooNewError) {
    process.stderr.write(`backline-hub: ${err.message}\n`);
    process.exitCode = 1;
  } else {
    process.stderr.write(
      `backline-hub: failed to start: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    process.exitCode = 1;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  void main();
}
