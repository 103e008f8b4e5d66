import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JackGraph, JackPort } from '../../../protocol/api.js';
import { toGraph } from './jackGraph.js';
import {
  RECORDER_CLIENT,
  cordKey,
  meshCords,
  planWiring,
  sortPlayers,
  wireable,
} from './wiringPlan.js';

/** A hub-side jacktrip client: receive_n carry what the player plays, send_n go to them. */
function player(name: string, channels = 2): JackPort[] {
  const ports: JackPort[] = [];
  for (let n = 1; n <= channels; n++) {
    for (const [kind, direction] of [
      ['receive', 'output'],
      ['send', 'input'],
    ] as const)
      ports.push({
        name: `${name}:${kind}_${n}`,
        client: name,
        type: 'audio',
        direction,
        physical: false,
        connections: [],
      });
  }
  return ports;
}

function graph(clients: JackPort[][], cords: [string, string][] = []): JackGraph {
  const ports = clients.flat().map((p) => ({ ...p, connections: [] as string[] }));
  for (const [s, d] of cords) {
    ports.find((p) => p.name === s)!.connections.push(d);
    ports.find((p) => p.name === d)!.connections.push(s);
  }
  return toGraph(ports);
}

const system: JackPort[] = [
  {
    name: 'system:playback_1',
    client: 'system',
    type: 'audio',
    direction: 'input',
    physical: true,
    connections: [],
  },
];
const order = (seqs: Record<string, number>) => (c: string) => seqs[c] ?? 0;

describe('the room wiring plan', () => {
  it('mode 2 wires everyone to everyone else, mode 4 to themselves too, mode 5 nothing', () => {
    const g = graph([player('alice'), player('bob'), player('carol', 1)]);
    const clients = ['alice', 'bob', 'carol'];
    const m2 = meshCords(g, clients, 2).map(cordKey);
    assert.deepEqual(meshCords(g, clients, 2), [
      ['alice:receive_1', 'bob:send_1'],
      ['alice:receive_2', 'bob:send_2'],
      ['alice:receive_1', 'carol:send_1'],
      ['bob:receive_1', 'alice:send_1'],
      ['bob:receive_2', 'alice:send_2'],
      ['bob:receive_1', 'carol:send_1'],
      ['carol:receive_1', 'alice:send_1'],
      ['carol:receive_1', 'bob:send_1'],
    ]);
    const m4 = meshCords(g, clients, 4).map(cordKey);
    assert.deepEqual(
      m4.filter((k) => !m2.includes(k)),
      [
        cordKey(['alice:receive_1', 'alice:send_1']),
        cordKey(['alice:receive_2', 'alice:send_2']),
        cordKey(['bob:receive_1', 'bob:send_1']),
        cordKey(['bob:receive_2', 'bob:send_2']),
        cordKey(['carol:receive_1', 'carol:send_1']),
      ],
    );
    assert.deepEqual(meshCords(g, clients, 5), []);
  });

  it('cuts and never wires a client named after no member, nor a member’s older client', () => {
    const g = graph(
      [player('alice'), player('bob'), player('zed'), player('alice-01'), system],
      [
        ['zed:receive_1', 'alice:send_1'],
        ['alice:receive_1', 'bob:send_1'],
        ['bob:receive_1', 'system:playback_1'],
      ],
    );
    const roster = { mode: 2 as const, members: ['alice', 'bob'] };
    const seq = order({ alice: 1, bob: 2, zed: 3, 'alice-01': 4 });
    const plan = planWiring({ graph: g, roster, order: seq, made: new Set(), reset: false });
    assert.deepEqual(plan.foreign, ['zed']);
    assert.deepEqual(plan.stale, ['alice'], 'alice-01 is newer');
    assert.deepEqual(
      [...plan.live],
      [
        ['alice', 'alice-01'],
        ['bob', 'bob'],
      ],
    );
    assert.deepEqual(plan.disconnect, [
      ['alice:receive_1', 'bob:send_1'],
      ['zed:receive_1', 'alice:send_1'],
    ]);
    // The host's cord to the sound card stays; the mesh is alice-01 <-> bob.
    assert.deepEqual(plan.connect, [
      ['alice-01:receive_1', 'bob:send_1'],
      ['alice-01:receive_2', 'bob:send_2'],
      ['bob:receive_1', 'alice-01:send_1'],
      ['bob:receive_2', 'alice-01:send_2'],
    ]);
    assert.ok(plan.connect.every((c) => !c.some((p) => p.startsWith('zed:'))));
    assert.equal(wireable(g, roster, seq, 'zed'), false);
    assert.equal(wireable(g, roster, seq, 'alice'), false);
    assert.equal(wireable(g, roster, seq, 'alice-01'), true);
    assert.equal(wireable(g, roster, seq, 'system'), true);
  });

  it('makes a mesh cord once: one the host cut stays cut until a client reconnects', () => {
    const g = graph([player('alice', 1), player('bob', 1)], [['alice:receive_1', 'bob:send_1']]);
    const roster = { mode: 2 as const, members: ['alice', 'bob'] };
    const first = planWiring({ graph: g, roster, order: order({}), made: new Set(), reset: false });
    assert.deepEqual(first.meshConnected, [['alice:receive_1', 'bob:send_1']]);
    assert.deepEqual(first.connect, [['bob:receive_1', 'alice:send_1']]);
    const made = new Set([...first.meshConnected, ...first.connect].map(cordKey));
    const cut = graph([player('alice', 1), player('bob', 1)]);
    const after = planWiring({ graph: cut, roster, order: order({}), made, reset: false });
    assert.deepEqual(after.connect, [], 'the host’s disconnect is respected');
    const reset = planWiring({ graph: cut, roster, order: order({}), made, reset: true });
    assert.equal(reset.connect.length, 2, 'a patch mode change starts the mesh afresh');
  });

  it('a patch mode change cuts every cord off the new mode’s mesh', () => {
    const g = graph(
      [player('alice', 1), player('bob', 1), system],
      [
        ['alice:receive_1', 'alice:send_1'],
        ['alice:receive_1', 'bob:send_1'],
        ['bob:receive_1', 'system:playback_1'],
      ],
    );
    const members = ['alice', 'bob'];
    const to2 = planWiring({
      graph: g,
      roster: { mode: 2, members },
      order: order({}),
      made: new Set(),
      reset: true,
    });
    assert.deepEqual(to2.disconnect, [
      ['alice:receive_1', 'alice:send_1'],
      ['bob:receive_1', 'system:playback_1'],
    ]);
    assert.deepEqual(to2.connect, [['bob:receive_1', 'alice:send_1']]);
    const to5 = planWiring({
      graph: g,
      roster: { mode: 5, members },
      order: order({}),
      made: new Set(),
      reset: true,
    });
    assert.equal(to5.disconnect.length, 3);
    assert.deepEqual(to5.connect, []);
  });

  it('a patch mode change leaves the recorder’s cords alone (the recorder wires them)', () => {
    const rec: JackPort[] = [1, 2].map((n) => ({
      name: `${RECORDER_CLIENT}:input${n}`,
      client: RECORDER_CLIENT,
      type: 'audio',
      direction: 'input',
      physical: false,
      connections: [],
    }));
    const g = graph(
      [player('alice', 1), player('bob', 1), rec],
      [
        ['alice:receive_1', `${RECORDER_CLIENT}:input1`],
        ['bob:receive_1', `${RECORDER_CLIENT}:input2`],
        ['alice:receive_1', 'alice:send_1'],
      ],
    );
    const plan = planWiring({
      graph: g,
      roster: { mode: 5, members: ['alice', 'bob'] },
      order: order({}),
      made: new Set(),
      reset: true,
    });
    assert.deepEqual(plan.disconnect, [['alice:receive_1', 'alice:send_1']]);
  });

  it('leaves a second recorder’s cords alone too, but not those of a player named like it', () => {
    // A roll-over runs two recorders: JACK names the second `jack_capture-01`.
    const second = `${RECORDER_CLIENT}-01`;
    const rec: JackPort[] = [1, 2].map((n) => ({
      name: `${second}:input${n}`,
      client: second,
      type: 'audio',
      direction: 'input',
      physical: false,
      connections: [],
    }));
    // A member may be called `jack_capture`: their client has jacktrip's ports, not inputs.
    const g = graph(
      [player('alice', 1), player(RECORDER_CLIENT, 1), rec],
      [
        ['alice:receive_1', `${second}:input1`],
        [`${RECORDER_CLIENT}:receive_1`, `${second}:input2`],
        ['alice:receive_1', `${RECORDER_CLIENT}:send_1`],
      ],
    );
    const plan = planWiring({
      graph: g,
      roster: { mode: 5, members: ['alice', RECORDER_CLIENT] },
      order: order({}),
      made: new Set(),
      reset: true,
    });
    assert.deepEqual(plan.disconnect, [['alice:receive_1', `${RECORDER_CLIENT}:send_1`]]);
  });

  it('leaves clients that are not players alone', () => {
    const thru: JackPort[] = [
      {
        name: 'player01:output_1',
        client: 'player01',
        type: 'audio',
        direction: 'output',
        physical: false,
        connections: [],
      },
    ];
    const g = graph([thru, system], [['player01:output_1', 'system:playback_1']]);
    const p = sortPlayers(g, [], order({}));
    assert.deepEqual([p.foreign, p.stale, [...p.live]], [[], [], []]);
    const plan = planWiring({
      graph: g,
      roster: { mode: 2, members: [] },
      order: order({}),
      made: new Set(),
      reset: false,
    });
    assert.deepEqual([plan.disconnect, plan.connect], [[], []]);
  });
});
