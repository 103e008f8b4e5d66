// The player's local JACK server: is one running, which sound cards could run one, and a
// one-click start (and, on quit, a stop) of a server this app started itself.
import { readFileSync } from 'node:fs';
import {
  jackdArgs,
  isRunning,
  jackEnv,
  runTool,
  startJackd,
  stopChild,
  type Child,
} from '../../hub-core/src/index.js';
import type { JackStatus } from '../../protocol/ipc.js';

/** ALSA cards from /proc/asound/cards: " 0 [PCH            ]: HDA-Intel - HDA Intel PCH". */
export function parseAsoundCards(text: string): { id: string; label: string }[] {
  const out: { id: string; label: string }[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*\d+\s+\[([^\]\s]+)\s*\]:\s*(.*?)\s*$/.exec(line);
    if (m) out.push({ id: `hw:${m[1]}`, label: m[2]!.split(' - ').pop() || m[1]! });
  }
  return out;
}

function soundCards(): { id: string; label: string }[] {
  try {
    return parseAsoundCards(readFileSync('/proc/asound/cards', 'utf8'));
  } catch {
    return [];
  }
}

/** `jack_bufsize` prints the period alone ("128"); older builds said "buffer size = 128". */
export function parseBufsize(out: string): number | undefined {
  const m = /^\s*(?:buffer size = )?(\d{1,5})\s*$/m.exec(out);
  const n = m ? Number(m[1]) : NaN;
  return n >= 16 && n <= 8192 ? n : undefined;
}

export const DUMMY_DEVICE = { id: 'dummy', label: 'No sound card (silent test device)' };

export interface JackControlOptions {
  /** The JACK server name the app uses (JACK_DEFAULT_SERVER); undefined means "default". */
  server?: string;
  /** Frames per period of a server this app starts. Default 128 (the hub's rooms use 128). */
  period?: number;
}

export class JackControl {
  private owned: Child | undefined;
  /** A start under way (close waits for it, so a jackd started meanwhile is stopped too). */
  private starting: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly options: JackControlOptions = {}) {}

  get serverName(): string {
    return this.options.server ?? 'default';
  }

  get env(): NodeJS.ProcessEnv {
    return jackEnv(this.options.server);
  }

  async status(): Promise<JackStatus> {
    const r = await runTool('jack_lsp', [], this.env, 3000).catch(() => ({
      code: 1,
      stdout: '',
      stderr: 'jack_lsp could not run (is JACK installed?)',
    }));
    const running = r.code === 0;
    const owned = !!this.owned && isRunning(this.owned);
    return {
      running,
      server: this.serverName,
      devices: [...soundCards(), DUMMY_DEVICE],
      owned,
      message: running
        ? `JACK server “${this.serverName}” is running${owned ? ' (started by Backline)' : ''}.`
        : `No JACK server “${this.serverName}” is running. Start one to play: pick your sound card and press Start JACK.`,
    };
  }

  /** The running server's frames per period, if it answers. */
  async period(): Promise<number | undefined> {
    const r = await runTool('jack_bufsize', [], this.env, 3000).catch(() => undefined);
    return r && r.code === 0 ? parseBufsize(r.stdout) : undefined;
  }

  /**
   * Starts a JACK server on `device` (an ALSA hw: name, or `dummy`); resolves once a client can
   * connect to it. A server that exits or never answers is stopped, and the error says why.
   */
  async start(device: string): Promise<JackStatus> {
    const before = await this.status();
    if (before.running) return before;
    const known = before.devices.some((d) => d.id === device);
    if (!known) throw new Error(`unknown sound device "${device}"`);
    const name = this.options.server ?? 'default';
    const period = this.options.period ?? 128;
    const args =
      device === 'dummy'
        ? jackdArgs({ name, period })
        : ['-n', name, '-d', 'alsa', '-d', device, '-r', '48000', '-p', String(period), '-n', '2'];
    const op = this.launch(name, args, device);
    this.starting = op;
    try {
      await op;
    } finally {
      if (this.starting === op) this.starting = undefined;
    }
    return this.status();
  }

  private async launch(name: string, args: string[], device: string): Promise<void> {
    if (this.closed) throw new Error('JACK was not started: the app is closing');
    // The hub's own "start jackd and wait until a client can connect" (its rooms use it too).
    let child: Child;
    try {
      child = await startJackd({ name, args });
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new Error(`JACK did not start on ${device}: ${why}`, { cause: err });
    }
    if (this.closed) {
      await stopChild(child, 3000);
      throw new Error('JACK was stopped: the app closed while it started');
    }
    this.owned = child;
  }

  /** Stops the server this app started (if any), also one still starting; leaves anyone else's alone. */
  async close(): Promise<void> {
    this.closed = true;
    await this.starting?.catch(() => {});
    const c = this.owned;
    this.owned = undefined;
    if (c) await stopChild(c, 3000);
  }
}
