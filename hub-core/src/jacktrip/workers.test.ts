import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseJackTripLine } from './JackTripServer.js';
import { WorkerTable } from './workers.js';

describe('which jacktrip worker serves which JACK client', () => {
  it('reads the worker port and the client port from jacktrip 1.7.0 lines', () => {
    assert.deepEqual(
      parseJackTripLine('JackTrip HUB SERVER: Sending Final UDP Port to Client: 4465'),
      {
        kind: 'worker-port',
        serverPort: 4465,
      },
    );
    assert.deepEqual(parseJackTripLine('JackTrip HUB SERVER: Client UDP Port is = 36462'), {
      kind: 'handshake',
      clientPort: 36462,
    });
    assert.equal(parseJackTripLine('Writing port: 4465'), undefined);
    assert.equal(
      parseJackTripLine('JackTrip HUB SERVER: Sending Final UDP Port to Client: x'),
      undefined,
    );
  });

  it('gives each port line to the next client that registers, in either order', () => {
    const t = new WorkerTable();
    t.onJackTripLine({ kind: 'worker-port', serverPort: 4465 });
    t.onClient('alice', true);
    // Read out of order: the registration before its port line.
    t.onClient('zed', true);
    t.onJackTripLine({ kind: 'worker-port', serverPort: 4466 });
    t.onJackTripLine({ kind: 'worker-port', serverPort: 4467 });
    t.onClient('alice-01', true);
    assert.equal(t.portOf('alice'), 4465);
    assert.equal(t.portOf('zed'), 4466);
    assert.equal(t.portOf('alice-01'), 4467);
    assert.ok(t.order('alice-01') > t.order('zed') && t.order('zed') > t.order('alice'));
    // A worker that left frees its port for the next one, and is forgotten.
    t.onClient('zed', false);
    assert.equal(t.portOf('zed'), undefined);
    assert.equal(t.order('zed'), 0);
    t.onJackTripLine({ kind: 'worker-port', serverPort: 4466 });
    t.onClient('carol', true);
    assert.equal(t.portOf('carol'), 4466);
  });

  it('never hands a port to a client that already has one, nor an old one to a later client', () => {
    const t = new WorkerTable();
    t.onJackTripLine({ kind: 'handshake', clientPort: 30000 });
    t.onClient('bob', true); // no port line read yet
    t.onClient('bob', false); // gone before it came
    t.onJackTripLine({ kind: 'worker-port', serverPort: 4470 });
    t.onJackTripLine({ kind: 'worker-port', serverPort: 4471 }); // a spawn that never registered
    t.onClient('dave', true);
    assert.equal(t.portOf('dave'), 4471);
    t.onClient('erin', true);
    assert.equal(t.portOf('erin'), undefined, 'unknown, so the hub falls back to a restart');
    t.onJackTripLine({ kind: 'worker-port', serverPort: 4472 });
    assert.equal(t.portOf('erin'), 4472);
    assert.equal(t.portOf('dave'), 4471);
  });

  it('a client that is not a player’s stops waiting for a port once the graph shows it', () => {
    const t = new WorkerTable();
    t.onClient('player01', true); // jack_thru in a benchmark: output_n ports, no jacktrip
    t.onGraph([], ['system', 'player01']);
    t.onJackTripLine({ kind: 'worker-port', serverPort: 4465 });
    t.onClient('fay', true);
    assert.equal(t.portOf('player01'), undefined);
    assert.equal(t.portOf('fay'), 4465);
  });
});
