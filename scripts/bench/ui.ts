// The web UI's benches: the patchbay's reaction to a JACK change, and the first render of a
// busy room. Real hub process, real room jackd, real Chromium.
import { Agent, type Agent as AgentT } from 'node:https';
import type { BrowserContext, Page } from '@playwright/test';
import { launch } from '../../e2e/browser.js';
import type { JackScope } from '../../hub-core/src/index.js';
import { Procs, roomScope } from '../../testkit/jack.js';
import { hubApi, percentile, sortNum, spawnHub, type HubProcess, type Results } from './lib.js';
import { benchHubEnv } from './rooms.js';

interface Setup {
  hub: HubProcess;
  agent: AgentT;
  roomId: string;
  /** The room's own JACK server (in the room's namespace, when it has one). */
  server: JackScope;
}

/** A hub process with one live room (manual patch mode) whose host is signed in to a browser. */
async function withRoom(
  fn: (s: Setup, ctx: BrowserContext) => Promise<void>,
  maxPlayers = 4,
): Promise<void> {
  const hub = await spawnHub(benchHubEnv());
  const agent = new Agent({ ca: hub.ca, keepAlive: true });
  const browser = await launch();
  try {
    const reg = await hubApi(hub, agent, 'POST', '/auth/register', {
      username: 'benchhost',
      password: 'benchhost-password',
    });
    const token = String(reg.token);
    const room = await hubApi(
      hub,
      agent,
      'POST',
      '/rooms',
      { name: 'bench', patch_mode: 5, max_participants: maxPlayers },
      token,
    );
    const roomId = String(room.id);
    // Joining starts the room's jackd and jacktrip -S.
    const join = (await hubApi(hub, agent, 'POST', `/rooms/${roomId}/join`, {}, token)) as {
      jacktrip: { port: number };
    };
    const server = roomScope(`backline-${join.jacktrip.port}`);
    const lsp = await server.run('jack_lsp', [], 5000);
    if (!lsp.stdout.includes('system:capture_1'))
      throw new Error(`room JACK server ${server.server} not found`);
    const ctx = await browser.newContext({
      ignoreHTTPSErrors: true,
      viewport: { width: 1280, height: 800 },
    });
    // The browser's session: the hub's HttpOnly cookie, from a real login.
    const login = await ctx.request.post(`${hub.url}/auth/login`, {
      data: { username: 'benchhost', password: 'benchhost-password' },
    });
    if (login.status() !== 200) throw new Error(`login: ${login.status()}`);
    await fn({ hub, agent, roomId, server }, ctx);
  } finally {
    await browser.close();
    agent.destroy();
    await hub.stop();
  }
}

/** Wall-clock ms with sub-ms resolution, comparable between Node and the page. */
const wallNow = () => performance.timeOrigin + performance.now();

function jackTool(
  bin: string,
  args: string[],
  server: JackScope,
  mustSucceed = true,
): Promise<number> {
  return server.run(bin, args, 10_000).then(({ code }) => {
    if (code === 0 || !mustSucceed) return wallNow();
    throw new Error(`${bin} exited ${code}`);
  });
}

/**
 * Records, in the page, when each React Flow edge element appears or goes. Passed as source
 * text: tsx would wrap named functions in a helper the page doesn't have.
 */
const WATCH_EDGES = `(() => {
  window.__edgeEvents = [];
  const now = () => performance.timeOrigin + performance.now();
  const note = (n, added) => {
    if (!(n instanceof Element)) return;
    const at = now();
    const els = [n, ...n.querySelectorAll('[data-testid^="rf__edge-"]')];
    for (const el of els) {
      const id = el.getAttribute('data-testid');
      if (id && id.startsWith('rf__edge-')) window.__edgeEvents.push({ id, added, at });
    }
  };
  new MutationObserver((records) => {
    for (const r of records) {
      r.addedNodes.forEach((n) => note(n, true));
      r.removedNodes.forEach((n) => note(n, false));
    }
  }).observe(document.body, { subtree: true, childList: true });
})()`;

async function waitEdgeEvent(
  page: Page,
  id: string,
  added: boolean,
  after: number,
): Promise<number> {
  const h = await page.waitForFunction(
    ({ id, added, after }) =>
      (
        window as unknown as { __edgeEvents: { id: string; added: boolean; at: number }[] }
      ).__edgeEvents.find((e) => e.id === id && e.added === added && e.at >= after)?.at,
    { id, added, after },
    { timeout: 10_000, polling: 'raf' },
  );
  return (await h.jsonValue()) as number;
}

/** p50/p95 over 20 changes: jack_connect/jack_disconnect on the room's server → edge drawn/removed. */
export async function patchbayReaction(results: Results): Promise<void> {
  await withRoom(async (s, ctx) => {
    const page = await ctx.newPage();
    await page.goto(`${s.hub.url}/patchbay/${s.roomId}`);
    await page.locator('.react-flow__handle[data-handleid="system:capture_1"]').waitFor();
    await page.evaluate(WATCH_EDGES);
    const src = 'system:capture_1';
    const dst = 'system:playback_1';
    const id = `rf__edge-${src}=>${dst}`;
    const total: number[] = [];
    const tool: number[] = [];
    for (let i = 0; i < 20; i++) {
      const connect = i % 2 === 0;
      const t0 = wallNow();
      const done = await jackTool(
        connect ? 'jack_connect' : 'jack_disconnect',
        [src, dst],
        s.server,
      );
      const at = await waitEdgeEvent(page, id, connect, t0);
      total.push(at - t0);
      tool.push(done - t0);
    }
    const t = sortNum(total);
    const j = sortNum(tool);
    console.log(
      `  jack_${'{connect,disconnect}'} alone (process start to exit): p50 ${percentile(j, 50).toFixed(1)} ms; ` +
        `reaction samples: ${total.map((x) => x.toFixed(0)).join(' ')} ms`,
    );
    results.add({
      name: 'patchbay-reaction.p50',
      value: percentile(t, 50),
      unit: 'ms',
      goal: '(reference)',
    });
    results.add({
      name: 'patchbay-reaction.p95',
      value: percentile(t, 95),
      unit: 'ms',
      goal: '<= 150',
    });
    results.add({
      name: 'patchbay-reaction.jack_tool_p50',
      value: percentile(j, 50),
      unit: 'ms',
      goal: '(reference)',
    });
  });
}

const FIRST_GRAPH_MARK = 'bench:first-graph';

/**
 * Runs in the page before the app (an init script, as source text so that no build helper
 * leaks into it): marks when the first `graph` message arrives on any WebSocket the page
 * opens, so the app itself carries no benchmark switch. The hub writes `type` first, so the
 * graph is not parsed a second time.
 */
const MARK_FIRST_GRAPH = `(() => {
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(url, protocols) {
      super(url, protocols);
      this.addEventListener('message', (ev) => {
        if (performance.getEntriesByName(${JSON.stringify(FIRST_GRAPH_MARK)}).length) return;
        if (typeof ev.data === 'string' && ev.data.startsWith('{"type":"graph",'))
          performance.mark(${JSON.stringify(FIRST_GRAPH_MARK)});
      });
    }
  };
  // Layout passes: a node whose size is set again, or a viewport moved again, after its first.
  window.__relayout = { nodes: 0, viewport: 0 };
  const sizes = new Map();
  let transforms = 0;
  new MutationObserver((records) => {
    for (const r of records) {
      const el = r.target;
      if (!(el instanceof HTMLElement)) continue;
      if (el.classList.contains('react-flow__node')) {
        const size = el.style.width + 'x' + el.style.height;
        const id = el.getAttribute('data-id');
        if (sizes.has(id) && sizes.get(id) !== size) window.__relayout.nodes++;
        sizes.set(id, size);
      } else if (el.classList.contains('react-flow__viewport')) {
        if (transforms++ > 0) window.__relayout.viewport++;
      }
    }
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ['style'] });
})();`;

/** A room with 16 JACK clients of 4 ports each (jack_thru): navigation → every node drawn. */
export async function patchbayFirstRender(results: Results): Promise<void> {
  const procs = new Procs();
  try {
    await withRoom(async (s, ctx) => {
      const names = Array.from({ length: 16 }, (_, i) => `player${String(i + 1).padStart(2, '0')}`);
      for (const n of names) procs.spawn('jack_thru', [n], s.server);
      for (let i = 0; ; i++) {
        const lsp = await s.server.run('jack_lsp', [], 5000);
        if (names.every((n) => lsp.stdout.includes(`${n}:output_2`))) break;
        if (i > 100) throw new Error('jack_thru clients did not appear');
        await new Promise((r) => setTimeout(r, 100));
      }
      // (jack_thru may have connected itself to the sound card already: that's fine.)
      for (const n of names)
        await jackTool('jack_connect', [`${n}:output_1`, 'system:playback_1'], s.server, false);
      // 16 clients × (1 output node + 1 input node) + the sound card's 2.
      const expectNodes = 34;
      const runs: {
        total: number;
        render: number;
        relayout: { nodes: number; viewport: number };
      }[] = [];
      for (let r = 0; r < 5; r++) {
        const page = await ctx.newPage();
        await page.addInitScript({ content: MARK_FIRST_GRAPH });
        await page.goto(`${s.hub.url}/patchbay/${s.roomId}`);
        const total = (await (
          await page.waitForFunction(
            (n) => {
              const drawn =
                document.querySelectorAll('.react-flow__node').length >= n &&
                document.querySelectorAll('.react-flow__edge').length >= 16;
              return drawn ? performance.now() : undefined;
            },
            expectNodes,
            { timeout: 20_000, polling: 'raf' },
          )
        ).jsonValue()) as number;
        const graphAt = await page.evaluate(
          (mark) => performance.getEntriesByName(mark)[0]?.startTime ?? NaN,
          FIRST_GRAPH_MARK,
        );
        await page.waitForTimeout(500);
        const relayout = await page.evaluate<{ nodes: number; viewport: number }>(
          'window.__relayout',
        );
        runs.push({ total, render: total - graphAt, relayout });
        await page.close();
      }
      const totals = sortNum(runs.map((r) => r.total));
      const renders = sortNum(runs.map((r) => r.render));
      console.log(
        `  5 loads, navigation → 34 nodes and 16 cords drawn: ${totals.map((x) => x.toFixed(0)).join(', ')} ms; ` +
          `graph → drawn: ${renders.map((x) => x.toFixed(0)).join(', ')} ms`,
      );
      console.log(
        `  layout passes after the first (node sizes set again / viewport moved again), per load: ` +
          runs.map((r) => `${r.relayout.nodes}/${r.relayout.viewport}`).join(', '),
      );
      results.add({
        name: 'patchbay-first-render.16x4.total',
        value: percentile(totals, 50),
        unit: 'ms',
        goal: '<= 1000',
      });
      results.add({
        name: 'patchbay-first-render.16x4.graph_to_drawn',
        value: percentile(renders, 50),
        unit: 'ms',
        goal: '<= 200',
      });
    }, 16);
  } finally {
    await procs.stopAll();
  }
}
