import { BadRequest, Conflict } from '../errors.js';
import type { JackGraph } from '../../../protocol/api.js';
import type { GraphWatcher } from './GraphWatcher.js';
import { findPort, isConnected } from './jackGraph.js';

export interface PatchOutcome {
  changed: boolean;
  graph: JackGraph;
}

/**
 * Connects or disconnects two ports on a room's JACK server. The engine is the truth: the
 * answer comes only once the graph watcher sees the change. An existing connection (or a
 * missing one, for disconnect) is a no-op.
 */
export async function patch(
  watcher: GraphWatcher,
  op: 'connect' | 'disconnect',
  source: string,
  dest: string,
): Promise<PatchOutcome> {
  const g = watcher.graph;
  const src = findPort(g, source);
  const dst = findPort(g, dest);
  if (!src) throw new BadRequest(`unknown port "${source}"`);
  if (!dst) throw new BadRequest(`unknown port "${dest}"`);
  if (src.direction !== 'output') throw new BadRequest(`"${source}" is not an output port`);
  if (dst.direction !== 'input') throw new BadRequest(`"${dest}" is not an input port`);
  if (src.type !== dst.type)
    throw new BadRequest(`cannot connect a ${src.type} port to a ${dst.type} port`);
  const want = op === 'connect';
  if (isConnected(g, source, dest) === want) return { changed: false, graph: g };

  const r = await watcher.scope.run(
    op === 'connect' ? 'jack_connect' : 'jack_disconnect',
    [source, dest],
    5000,
  );
  const confirmed = await watcher.settle(
    (graph) => isConnected(graph, source, dest) === want,
    3000,
  );
  if (!confirmed) {
    const why = r.timedOut ? 'timed out' : (r.stderr.trim().split('\n').pop() ?? '').slice(0, 200);
    throw new Conflict(`JACK did not ${op} the ports${why ? `: ${why}` : ''}`);
  }
  return { changed: true, graph: confirmed };
}
