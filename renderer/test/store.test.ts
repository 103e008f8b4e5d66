import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JackGraph, JackPort, ChatMessage, Member, RoomDetail } from '../../protocol/api.js';
import { CHAT_KEEP, mergeChat } from '../src/store/chatModel.js';
import {
  autoLayout,
  canConnect,
  clientNodes,
  edgeId,
  graphToFlow,
  nodeId,
} from '../src/store/graphModel.js';
import { emptyRoomView, reduceRoom } from '../src/store/roomModel.js';
import { formatDuration, timeLeft } from '../src/store/rooms.js';
import { ApiError, normaliseHubUrl } from '../src/transport/http.js';
import { parseServerMessage } from '../src/transport/socket.js';

function port(
  name: string,
  direction: JackPort['direction'],
  type: JackPort['type'] = 'audio',
): JackPort {
  return {
    name,
    client: name.split(':')[0]!,
    type,
    direction,
    physical: name.startsWith('system:'),
    connections: [],
  };
}

/** A room's graph as the hub reports it: the dummy sound card and two players' jacktrip clients. */
function roomGraph(connections: [string, string][] = []): JackGraph {
  return {
    clients: {
      system: [
        port('system:capture_1', 'output'),
        port('system:capture_2', 'output'),
        port('system:playback_1', 'input'),
        port('system:playback_2', 'input'),
      ],
      alice: [
        port('alice:receive_1', 'output'),
        port('alice:receive_2', 'output'),
        port('alice:send_1', 'input'),
        port('alice:send_2', 'input'),
      ],
      bob_1: [port('bob_1:receive_1', 'output'), port('bob_1:send_1', 'input')],
      synth: [port('synth:midi_out', 'output', 'midi'), port('synth:midi_in', 'input', 'midi')],
    },
    connections,
  };
}

const msg = (id: number, body = `m${id}`): ChatMessage => ({
  id,
  room_id: 'r1',
  user_id: 1,
  username: 'alice',
  body,
  created_at: new Date(1_700_000_000_000 + id * 1000).toISOString(),
});

describe('graph → nodes and edges', () => {
  it('makes an output node on the left and an input node on the right per client, players first', () => {
    const nodes = clientNodes(roomGraph(), ['alice', 'bob']);
    assert.deepEqual(
      nodes.map((n) => n.id),
      [
        'out:alice',
        'in:alice',
        'out:bob_1',
        'in:bob_1',
        'out:synth',
        'in:synth',
        'out:system',
        'in:system',
      ],
    );
    const alice = nodes.find((n) => n.id === 'out:alice')!;
    assert.equal(alice.data.role, 'player');
    assert.equal(alice.data.player, 'alice');
    assert.deepEqual(
      alice.data.ports.map((p) => p.name),
      ['alice:receive_1', 'alice:receive_2'],
    );
    assert.equal(nodes.find((n) => n.id === 'out:bob_1')!.data.player, 'bob');
    assert.equal(nodes.find((n) => n.id === 'in:system')!.data.role, 'system');
    assert.equal(nodes.find((n) => n.id === 'in:synth')!.data.ports[0]!.kind, 'midi');
  });

  it('lays sources out in the left column and destinations in the right, without overlap', () => {
    const nodes = clientNodes(roomGraph(), ['alice', 'bob']);
    const pos = autoLayout(nodes);
    const left = nodes.filter((n) => n.data.side === 'out').map((n) => pos[n.id]!);
    const right = nodes.filter((n) => n.data.side === 'in').map((n) => pos[n.id]!);
    assert.ok(left.every((p) => p.x === left[0]!.x));
    assert.ok(right.every((p) => p.x > left[0]!.x));
    for (let i = 1; i < left.length; i++) assert.ok(left[i]!.y > left[i - 1]!.y);
  });

  it('draws exactly the connections the hub reports, once each, coloured by port type', () => {
    const g = roomGraph([
      ['alice:receive_1', 'bob_1:send_1'],
      ['alice:receive_1', 'bob_1:send_1'],
      ['synth:midi_out', 'synth:midi_in'],
      ['ghost:out', 'alice:send_1'],
    ]);
    const { edges } = graphToFlow(g, { usernames: ['alice', 'bob'] });
    assert.equal(edges.length, 2, 'duplicates and edges to unknown ports are dropped');
    const e = edges[0]!;
    assert.equal(e.id, edgeId('alice:receive_1', 'bob_1:send_1'));
    assert.equal(e.source, nodeId('out', 'alice'));
    assert.equal(e.sourceHandle, 'alice:receive_1');
    assert.equal(e.target, nodeId('in', 'bob_1'));
    assert.equal(e.targetHandle, 'bob_1:send_1');
    assert.match(e.className!, /cord-audio/);
    assert.match(edges[1]!.className!, /cord-midi/);
  });

  it('a graph event without the connection removes the edge; positions and selection survive', () => {
    const before = graphToFlow(roomGraph([['alice:receive_1', 'bob_1:send_1']]), {
      positions: { 'out:alice': { x: 5, y: 7 } },
      selected: new Set([edgeId('alice:receive_1', 'bob_1:send_1')]),
    });
    assert.equal(before.edges[0]!.selected, true);
    const after = graphToFlow(roomGraph([]), { positions: { 'out:alice': { x: 5, y: 7 } } });
    assert.equal(after.edges.length, 0);
    assert.deepEqual(after.nodes.find((n) => n.id === 'out:alice')!.position, { x: 5, y: 7 });
  });

  it('a delta redraws only what it touched: other nodes and cords stay the same objects', () => {
    const usernames = ['alice', 'bob'];
    let v = reduceRoom(emptyRoomView('r1'), {
      type: 'graph',
      room_id: 'r1',
      data: roomGraph([['alice:receive_1', 'bob_1:send_1']]),
      seq: 1,
    });
    const before = graphToFlow(v.graph, { usernames });
    // A cord is made: one new edge, every node kept.
    v = reduceRoom(v, {
      type: 'graph_delta',
      room_id: 'r1',
      seq: 2,
      prev: 1,
      delta: { connect: [['alice:receive_2', 'bob_1:send_1']] },
    });
    const after = graphToFlow(v.graph, { usernames, previous: before });
    assert.equal(after.nodes, before.nodes, 'the same node list');
    assert.equal(after.edges.length, 2);
    assert.equal(after.edges[0], before.edges[0], 'the old cord is the same object');
    // A player's client appears: its nodes are new, the others are kept.
    const carol = [port('carol:receive_1', 'output'), port('carol:send_1', 'input')];
    v = reduceRoom(v, {
      type: 'graph_delta',
      room_id: 'r1',
      seq: 3,
      prev: 2,
      delta: { clients: { carol }, connect: [['carol:receive_1', 'alice:send_1']] },
    });
    const third = graphToFlow(v.graph, { usernames: [...usernames, 'carol'], previous: after });
    const byId = new Map(after.nodes.map((n) => [n.id, n]));
    const kept = third.nodes.filter((n) => byId.get(n.id) === n).map((n) => n.id);
    // Nodes above the new player keep their place and object; the ones below it move down.
    assert.deepEqual(kept, ['out:alice', 'in:alice', 'out:bob_1', 'in:bob_1']);
    assert.ok(third.nodes.some((n) => n.id === 'out:carol'));
    assert.equal(third.edges.length, 3);
    // The client leaves: its nodes and cords go, the rest stay.
    v = reduceRoom(v, {
      type: 'graph_delta',
      room_id: 'r1',
      seq: 4,
      prev: 3,
      delta: { clients: { carol: null } },
    });
    const fourth = graphToFlow(v.graph, { usernames, previous: third });
    assert.ok(!fourth.nodes.some((n) => n.data.client === 'carol'));
    assert.deepEqual(
      fourth.edges.map((e) => e.id),
      after.edges.map((e) => e.id),
    );
    assert.equal(fourth.edges[0], before.edges[0]);
  });

  it('a delta for another version is not applied: the view asks for the whole graph', () => {
    let v = reduceRoom(emptyRoomView('r1'), {
      type: 'graph',
      room_id: 'r1',
      data: roomGraph([]),
      seq: 5,
    });
    const missed = reduceRoom(v, {
      type: 'graph_delta',
      room_id: 'r1',
      seq: 7,
      prev: 6,
      delta: { connect: [['alice:receive_1', 'bob_1:send_1']] },
    });
    assert.equal(missed.graphStale, true);
    assert.equal(missed.graph, v.graph, 'the graph is left as it was');
    // Later deltas wait for the whole graph too.
    const later = reduceRoom(missed, {
      type: 'graph_delta',
      room_id: 'r1',
      seq: 8,
      prev: 7,
      delta: { disconnect: [['alice:receive_1', 'bob_1:send_1']] },
    });
    assert.equal(later, missed);
    v = reduceRoom(later, {
      type: 'graph',
      room_id: 'r1',
      data: roomGraph([['alice:receive_1', 'bob_1:send_1']]),
      seq: 8,
    });
    assert.equal(v.graphStale, false);
    assert.equal(v.graph.connections.length, 1);
    assert.deepEqual(v.graph.clients.alice![0]!.connections, ['bob_1:send_1']);
  });

  it('allows output → input of the same type only, and not twice', () => {
    const g = roomGraph([['alice:receive_1', 'bob_1:send_1']]);
    assert.equal(canConnect(g, 'alice:receive_2', 'bob_1:send_1'), true);
    assert.equal(canConnect(g, 'alice:receive_1', 'bob_1:send_1'), false, 'already connected');
    assert.equal(canConnect(g, 'bob_1:send_1', 'alice:receive_2'), false, 'input → output');
    assert.equal(canConnect(g, 'synth:midi_out', 'alice:send_1'), false, 'MIDI → audio');
    assert.equal(canConnect(g, 'nobody:out', 'alice:send_1'), false);
  });

  it('gives a client to the member with the longest matching name (bob-1, not bob renamed)', () => {
    const g = roomGraph([]);
    g.clients['bob-1'] = [port('bob-1:send_1', 'input'), port('bob-1:receive_1', 'output')];
    g.clients.bob = [port('bob:send_1', 'input'), port('bob:receive_1', 'output')];
    const owner = (client: string) =>
      clientNodes(g, ['bob', 'bob-1']).find((n) => n.data.client === client)?.data.player;
    assert.equal(owner('bob-1'), 'bob-1');
    assert.equal(owner('bob'), 'bob');
  });
});

describe('chat ordering', () => {
  it('orders by the hub’s id, keeps each message once, and survives history after live messages', () => {
    let chat = mergeChat([], [msg(5), msg(6)]);
    chat = mergeChat(chat, [msg(7)]);
    chat = mergeChat(chat, [msg(3), msg(4), msg(5), msg(6)]);
    assert.deepEqual(
      chat.map((m) => m.id),
      [3, 4, 5, 6, 7],
    );
  });

  it(`keeps the newest ${CHAT_KEEP}`, () => {
    let chat: ChatMessage[] = [];
    for (let i = 1; i <= CHAT_KEEP + 20; i++) chat = mergeChat(chat, [msg(i)]);
    assert.equal(chat.length, CHAT_KEEP);
    assert.equal(chat[0]!.id, 21);
    assert.equal(chat.at(-1)!.id, CHAT_KEEP + 20);
  });

  it('keeps script payloads as plain text (rendering escapes them)', () => {
    const chat = mergeChat([], [msg(1, '<img src=x onerror=alert(1)>')]);
    assert.equal(chat[0]!.body, '<img src=x onerror=alert(1)>');
  });
});

const member = (user_id: number, username: string, host = false, connected = false): Member => ({
  user_id,
  username,
  host,
  connected,
  joined_at: new Date(0).toISOString(),
});

const detail: RoomDetail = {
  id: 'r1',
  name: 'Rehearsal',
  description: null,
  host: { user_id: 1, username: 'alice' },
  private: true,
  locked: false,
  participant_count: 1,
  connected_count: 0,
  max_participants: 4,
  patch_mode: 2,
  live: true,
  created_at: new Date(0).toISOString(),
  expires_at: new Date(3_600_000).toISOString(),
  time_left_seconds: 3600,
  members: [member(1, 'alice', true)],
  you: { member: true, host: true },
};

describe('room view reducer', () => {
  it('ignores messages for other rooms', () => {
    const v = emptyRoomView('r1', detail);
    assert.equal(reduceRoom(v, { type: 'chat', room_id: 'r2', message: msg(1) }), v);
  });

  it('follows participants, chat, graph and state', () => {
    let v = emptyRoomView('r1', detail);
    v = reduceRoom(v, { type: 'subscribed', room_id: 'r1' });
    v = reduceRoom(v, {
      type: 'participants',
      room_id: 'r1',
      members: [member(1, 'alice', true, true), member(2, 'bob')],
    });
    assert.equal(v.detail!.participant_count, 2);
    assert.equal(v.detail!.connected_count, 1);
    v = reduceRoom(v, { type: 'chat', room_id: 'r1', message: { ...msg(9), room_id: 'r1' } });
    v = reduceRoom(v, { type: 'chat_history', room_id: 'r1', messages: [msg(8)] });
    assert.deepEqual(
      v.chat.map((m) => m.id),
      [8, 9],
    );
    v = reduceRoom(v, { type: 'graph', room_id: 'r1', data: roomGraph(), seq: 10 });
    assert.equal(v.graphVersion, 1);
    assert.equal(v.graphSeq, 10);
    v = reduceRoom(v, { type: 'room_state', room_id: 'r1', state: 'locked', message: 'Locked' });
    assert.equal(v.detail!.locked, true);
    assert.equal(v.banner!.tone, 'info');
    v = reduceRoom(v, {
      type: 'room_state',
      room_id: 'r1',
      state: 'expiring',
      message: 'The room closes in 5 minutes',
      expires_at: new Date(300_000).toISOString(),
    });
    assert.equal(v.banner!.tone, 'warn');
    assert.equal(v.detail!.expires_at, new Date(300_000).toISOString());
    assert.equal(v.ended, false);
    const refusal =
      "A JackTrip connection named 'zed' was refused: connect with -K <your username>";
    v = reduceRoom(v, {
      type: 'room_state',
      room_id: 'r1',
      state: 'refused_name',
      message: refusal,
    });
    assert.deepEqual(v.banner, { tone: 'warn', text: refusal });
    assert.equal(v.ended, false, 'a refused connection does not end the room for anyone');
  });

  it('ends the room with a clear banner when the player is kicked, or the room closes', () => {
    for (const state of ['kicked', 'banned', 'closed', 'expired'] as const) {
      const v = reduceRoom(emptyRoomView('r1', detail), {
        type: 'room_state',
        room_id: 'r1',
        state,
        message: 'You were removed from the room',
      });
      assert.equal(v.ended, true, state);
      assert.equal(v.banner!.tone, 'ended');
      assert.ok(v.banner!.text.length > 10);
    }
  });
});

describe('transport boundaries', () => {
  it('normalises hub addresses and refuses junk with a clear message', () => {
    assert.equal(normaliseHubUrl('localhost:8000'), 'https://localhost:8000');
    assert.equal(normaliseHubUrl(' https://h.example:8000/rooms '), 'https://h.example:8000');
    assert.throws(() => normaliseHubUrl(''), ApiError);
    assert.throws(() => normaliseHubUrl('ftp://h'), /https/);
    assert.throws(() => normaliseHubUrl('https://'), /not a hub address/);
  });

  it('drops WebSocket frames that are not hub messages', () => {
    assert.equal(parseServerMessage('not json'), undefined);
    assert.equal(parseServerMessage('[1,2]'), undefined);
    assert.equal(parseServerMessage('{"no":"type"}'), undefined);
    assert.equal(parseServerMessage(new ArrayBuffer(3)), undefined);
    assert.deepEqual(parseServerMessage('{"type":"pong"}'), { type: 'pong' });
  });

  it('counts time left down locally between list refreshes', () => {
    const room = { ...detail, time_left_seconds: 600 };
    assert.equal(timeLeft(room, 1000, 1000 + 61_000), 539);
    assert.equal(timeLeft(room, 0, 10_000_000), 0);
    assert.equal(formatDuration(539), '8 min');
    assert.equal(formatDuration(3 * 3600 + 60), '3 h 01 min');
    assert.equal(formatDuration(0), 'ended');
  });
});
