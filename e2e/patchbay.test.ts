// The live patchbay against a real hub, a real room jackd and real Chromium: a jack_connect on
// the room's server reaches the WebSocket as a versioned delta and the page as a cord, and the
// cords are drawn where the handles are (the nodes' sizes are known, not measured).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from '@playwright/test';
import { startJamHub, type JamHub } from '../testkit/fixtures.js';
import { Procs, roomScope } from '../testkit/jack.js';
import { TestSocket, type WsMsg } from '../testkit/wsclient.js';
import { launch, person } from './browser.js';

const SRC = 'system:capture_1';
const DST = 'system:playback_1';

/** A JACK tool on a room's server (inside the room's namespace when it has one). */
async function jack(server: string, bin: string, ...args: string[]): Promise<void> {
  const r = await roomScope(server).run(bin, args, 5000);
  assert.equal(r.code, 0, `${bin}: ${r.stderr}`);
}

/**
 * Screen distance between a cord's ends and the centres of its handles' outer edges. Page code
 * as source text: tsx would wrap its inner functions in a helper the page doesn't have.
 */
const CORD_MISFIT = `(({ edgeTestId, src, dst }) => {
  const path = document.querySelector('[data-testid="' + edgeTestId + '"] path.react-flow__edge-path');
  const vp = document.querySelector('.react-flow__viewport');
  const pane = document.querySelector('.react-flow');
  if (!path || !vp || !pane) return { error: 'no cord, viewport or pane' };
  const m = /translate\\(([-\\d.]+)px,\\s*([-\\d.]+)px\\)\\s*scale\\(([\\d.]+)\\)/.exec(vp.style.transform);
  if (!m) return { error: 'transform ' + vp.style.transform };
  const vx = Number(m[1]), vy = Number(m[2]), z = Number(m[3]);
  const nums = (path.getAttribute('d') || '').match(/-?\\d+(\\.\\d+)?(e-?\\d+)?/g).map(Number);
  const o = pane.getBoundingClientRect();
  const sx = o.left + vx + nums[0] * z, sy = o.top + vy + nums[1] * z;
  const ex = o.left + vx + nums[nums.length - 2] * z, ey = o.top + vy + nums[nums.length - 1] * z;
  const s = document.querySelector('.react-flow__handle[data-handleid="' + src + '"]').getBoundingClientRect();
  const d = document.querySelector('.react-flow__handle[data-handleid="' + dst + '"]').getBoundingClientRect();
  return {
    start: Math.hypot(sx - s.right, sy - (s.top + s.height / 2)),
    end: Math.hypot(ex - d.left, ey - (d.top + d.height / 2)),
  };
})`;

async function cordMisfit(
  page: Page,
  edgeTestId: string,
  src: string,
  dst: string,
): Promise<{ start: number; end: number } | { error: string }> {
  return page.evaluate(`${CORD_MISFIT}(${JSON.stringify({ edgeTestId, src, dst })})`);
}

describe('the patchbay follows JACK by deltas', () => {
  let hub: JamHub;
  let browser: Browser;
  let socket: TestSocket | undefined;

  before(async () => {
    hub = await startJamHub(['hana']);
    browser = await launch();
  });
  after(async () => {
    socket?.ws.close();
    await browser?.close();
    await hub?.close();
  });

  it('a jack_connect on the room server is a delta on the WebSocket and a cord in the page', async () => {
    const room = await hub.ok<{ id: string }>('hana', 'POST', '/rooms', {
      name: 'deltas',
      patch_mode: 5,
    });
    const join = await hub.ok<{ jacktrip: { port: number } }>(
      'hana',
      'POST',
      `/rooms/${room.id}/join`,
      {},
    );
    const server = `backline-${join.jacktrip.port}`;

    socket = await TestSocket.open(
      `${hub.url.replace('https', 'wss')}/ws?token=${hub.tokens.hana}`,
      hub.ca,
    );
    socket.send({ type: 'subscribe', room_id: room.id });
    const full = await socket.next((m) => m.type === 'graph');
    assert.equal(typeof full.seq, 'number');

    const { ctx, page, problems } = await person(browser);
    const login = await ctx.request.post(`${hub.url}/auth/login`, {
      data: { username: 'hana', password: 'hana-password' },
    });
    assert.equal(login.status(), 200);
    await page.goto(`${hub.url}/patchbay/${room.id}`);
    const handle = (id: string) => page.locator(`.react-flow__handle[data-handleid="${id}"]`);
    await handle(SRC).waitFor({ timeout: 20_000 });
    await handle(DST).waitFor();
    const edge = page.getByTestId(`rf__edge-${SRC}=>${DST}`);
    assert.equal(await edge.count(), 0);

    // Connect on the room's own JACK server, behind the hub's back.
    let from = socket.received.length;
    await jack(server, 'jack_connect', SRC, DST);
    const made = await socket.next((m) => m.type === 'graph_delta', 5000, from);
    assert.deepEqual((made.delta as WsMsg).connect, [[SRC, DST]]);
    assert.equal(made.prev, full.seq, 'the delta names the version it changes');
    // (Attached, not "visible": this cord runs level, so its box has no height.)
    await edge.waitFor({ state: 'attached', timeout: 5000 });

    // The cord ends on its handles: the nodes' known geometry is the drawn one.
    const fit = await cordMisfit(page, `rf__edge-${SRC}=>${DST}`, SRC, DST);
    if ('error' in fit) assert.fail(fit.error);
    assert.ok(fit.start < 2 && fit.end < 2, `cord ends off its handles: ${JSON.stringify(fit)}`);

    from = socket.received.length;
    await jack(server, 'jack_disconnect', SRC, DST);
    const cut = await socket.next((m) => m.type === 'graph_delta', 5000, from);
    assert.deepEqual((cut.delta as WsMsg).disconnect, [[SRC, DST]]);
    assert.equal(cut.prev, made.seq);
    await edge.waitFor({ state: 'detached', timeout: 5000 });

    // A new client's ports arrive in a delta too, and show as nodes.
    from = socket.received.length;
    const procs = new Procs();
    try {
      procs.spawn('jack_thru', ['e2ethru'], roomScope(server));
      const added = await socket.next(
        (m) => m.type === 'graph_delta' && !!(m.delta as WsMsg).clients,
        10_000,
        from,
      );
      assert.ok(((added.delta as WsMsg).clients as Record<string, unknown>).e2ethru);
      await handle('e2ethru:input_1').waitFor({ timeout: 5000 });
    } finally {
      await procs.stopAll();
    }
    await handle('e2ethru:input_1').waitFor({ state: 'detached', timeout: 5000 });
    assert.deepEqual(problems, [], 'no errors in the page');
    await ctx.close();
  });
});
