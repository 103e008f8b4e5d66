// Where the hub's start-up time goes. Each step marks its end on Node's performance timeline
// (`performance.mark`, no cost worth counting); the command line logs the phases at debug
// level once the hub listens (LOG_LEVEL=debug), and `npm run bench -- hub-startup` prints them.

/** The steps of a start, in order. */
export type StartupPhase =
  'modules' | 'tls' | 'database' | 'migrations' | 'services' | 'relay' | 'http' | 'listen';

const PREFIX = 'backline:startup:';

/** Marks the end of a phase: its duration runs from the previous mark. */
export function markStartup(phase: StartupPhase): void {
  performance.mark(PREFIX + phase);
}

/**
 * Milliseconds per phase since the process started: `node` is the runtime's own start (up to
 * the end of its bootstrap), then each marked phase from the end of the one before. A phase
 * marked twice (a second hub in one process) counts from its latest mark.
 */
export function startupPhases(): Record<string, number> {
  const out: Record<string, number> = {};
  let last = performance.nodeTiming.bootstrapComplete;
  out.node = round(last);
  const marks = performance
    .getEntriesByType('mark')
    .filter((m) => m.name.startsWith(PREFIX))
    .sort((a, b) => a.startTime - b.startTime);
  for (const m of marks) {
    out[m.name.slice(PREFIX.length)] = round(m.startTime - last);
    last = m.startTime;
  }
  out.total = round(last);
  return out;
}

const round = (ms: number) => Math.round(ms * 10) / 10;
