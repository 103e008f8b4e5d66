import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import type { JackGraph, JackPort } from '../api/patchbay.js';
import { applyGraphDelta, diffGraphs, isEmptyDelta, normalizeGraph } from './graphDelta.js';

const port = (name: string, direction: JackPort['direction']): JackPort => ({
  name,
  client: name.split(':')[0]!,
  type: 'audio',
  direction,
  physical: false,
  connections: [],
});

/** A random graph over a few clients (each with some of 2 outputs and 2 inputs) and cords. */
const graphArb = fc
  .record({
    clients: fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'system', 'x_1'), { maxLength: 5 }),
    portMask: fc.array(fc.boolean(), { minLength: 20, maxLength: 20 }),
    cords: fc.array(fc.tuple(fc.nat(19), fc.nat(19)), { maxLength: 12 }),
  })
  .map(({ clients, portMask, cords }): JackGraph => {
    const all: JackPort[] = [];
    clients.forEach((c, i) => {
      const mine = [
        port(`${c}:out_1`, 'output'),
        port(`${c}:in_1`, 'input'),
        port(`${c}:out_2`, 'output'),
        port(`${c}:in_2`, 'input'),
      ].filter((_, k) => portMask[i * 4 + k]);
      all.push(...mine);
    });
    const clientsRec: Record<string, JackPort[]> = {};
    for (const p of all) (clientsRec[p.client] ??= []).push(p);
    const outs = all.filter((p) => p.direction === 'output');
    const ins = all.filter((p) => p.direction === 'input');
    const connections: [string, string][] =
      outs.length && ins.length
        ? cords.map(([s, d]) => [outs[s % outs.length]!.name, ins[d % ins.length]!.name])
        : [];
    return normalizeGraph({ clients: clientsRec, connections });
  });

describe('graph deltas', () => {
  it('applying the diff of two graphs to the first gives the second, exactly', () => {
    fc.assert(
      fc.property(graphArb, graphArb, (a, b) => {
        const d = diffGraphs(a, b);
        assert.deepEqual(applyGraphDelta(a, d), b);
        assert.equal(isEmptyDelta(d), isDeepStrictEqual(a, b));
        // The delta carries no connection lists: cords say them.
        for (const ports of Object.values(d.clients ?? {}))
          for (const p of ports ?? []) assert.deepEqual(p.connections, []);
      }),
      { numRuns: 300 },
    );
  });

  it('is canonical: each cord once, only between ports that exist, both ends list it', () => {
    const g = normalizeGraph({
      clients: { a: [port('a:out_1', 'output')], b: [port('b:in_1', 'input')] },
      connections: [
        ['a:out_1', 'b:in_1'],
        ['a:out_1', 'b:in_1'],
        ['a:out_1', 'gone:in_1'],
      ],
    });
    assert.deepEqual(g.connections, [['a:out_1', 'b:in_1']]);
    assert.deepEqual(g.clients.a![0]!.connections, ['b:in_1']);
    assert.deepEqual(g.clients.b![0]!.connections, ['a:out_1']);
  });

  it('keeps what a delta did not touch as the same objects', () => {
    const g = normalizeGraph({
      clients: {
        a: [port('a:out_1', 'output'), port('a:in_1', 'input')],
        b: [port('b:out_1', 'output'), port('b:in_1', 'input')],
        c: [port('c:in_1', 'input')],
      },
      connections: [['a:out_1', 'b:in_1']],
    });
    const next = applyGraphDelta(g, { connect: [['b:out_1', 'c:in_1']] });
    assert.equal(next.clients.a, g.clients.a, 'client a untouched');
    assert.notEqual(next.clients.b, g.clients.b);
    assert.equal(next.clients.b![1], g.clients.b![1], 'b:in_1 untouched');
    const removed = applyGraphDelta(next, { clients: { b: null } });
    assert.deepEqual(removed.connections, []);
    assert.deepEqual(removed.clients.a![0]!.connections, []);
  });
});
