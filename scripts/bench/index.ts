// `npm run bench [-- <name> ...]`: runs the named benchmarks (all by default), prints their
// figures and writes them to bench-results.json (git-ignored) with the last run as baseline.
import { hostAJam, linkToConnected } from './desktop.js';
import { bcryptHealth, hubStartup, loginUnderRoomHashing } from './hub.js';
import { kickToSilence } from './kick.js';
import { hostReachable } from './reach.js';
import { recordingCpu } from './recording.js';
import { Results } from './lib.js';
import { relayTalkers, relayThroughput } from './relay.js';
import { relayLogins } from './relayLogins.js';
import { roomCapacity } from './roomCapacity.js';
import { joinToConnect, roomCpu } from './rooms.js';
import { roundTrip } from './roundTrip.js';
import { patchbayFirstRender, patchbayReaction } from './ui.js';
import { voiceFrameIpc } from './voicePort.js';

const benches: Record<string, { about: string; run: (r: Results) => Promise<void> }> = {
  'hub-startup': { about: 'process start to a healthy /health, cold and warm', run: hubStartup },
  'bcrypt-health': {
    about: '/health p50/p99 with and without 20 concurrent logins',
    run: bcryptHealth,
  },
  'login-under-room-hashing': {
    about: 'a login while another account creates 8 passphrase rooms at once',
    run: loginUnderRoomHashing,
  },
  'join-to-connect': {
    about: 'join request to jacktrip client connected, p50, cold room and live room',
    run: joinToConnect,
  },
  'round-trip': {
    about:
      'audio round trip (jack_iodelay) at 64 frames through a room vs bare jacktrip -S, 10 runs each',
    run: roundTrip,
  },
  'room-cpu': {
    about: "hub CPU with 2, 4 and 8 clients, with the supervisor and watcher's share",
    run: roomCpu,
  },
  'room-capacity': {
    about: 'live rooms of 2 players each, started until one fails or the CPU is used up',
    run: roomCapacity,
  },
  'relay-throughput': {
    about:
      'talkers held at p99 <= 5 ms (rooms of 8, load from separate processes): a raw dgram forwarder, the relay, its workers, bundles',
    run: relayThroughput,
  },
  'relay-1000-talkers': {
    about: '1,000 talkers in rooms of 8 at 50 pkt/s (workers, bundles): delivery and p99 delay',
    run: relayTalkers,
  },
  'patchbay-reaction': {
    about: 'jack_connect on the room server to the edge drawn in the page, p50/p95 over 20',
    run: patchbayReaction,
  },
  'patchbay-first-render': {
    about: 'first render of a room with 16 clients of 4 ports each',
    run: patchbayFirstRender,
  },
  'host-a-jam': {
    about: 'desktop: "Host a jam" (IPC host.start) to a healthy hub over the pinned certificate',
    run: hostAJam,
  },
  'link-to-connected': {
    about: 'desktop: a pasted share link to jacktrip connected (pin, sign up, join, connect)',
    run: linkToConnected,
  },
  'kick-to-silence': {
    about:
      "a kick request to the player's JACK client gone from the room and their jacktrip stopped",
    run: kickToSilence,
  },
  'host-reachable': {
    about: 'desktop, in the NAT lab: toggle to an internet link verified from a player behind NAT',
    run: hostReachable,
  },
  'voice-frame-ipc': {
    about: 'desktop: one voice frame between the page and main, both ways, before/after the port',
    run: voiceFrameIpc,
  },
  recording: {
    about:
      "the hub's recorder (jack_capture) vs jack_rec: CPU with 2, 4 and 8 members over 30 s vs the room's jacktrip; xruns with and without",
    run: recordingCpu,
  },
  'relay-logins': {
    about: "the relay's p99 delay with and without 50 logins at once",
    run: relayLogins,
  },
};

const wanted = process.argv.slice(2).filter((a) => a !== '--');
const unknown = wanted.filter((w) => !(w in benches));
if (unknown.length) {
  console.error(
    `unknown benchmark: ${unknown.join(', ')}; available: ${Object.keys(benches).join(', ')}`,
  );
  process.exit(2);
}
const results = new Results();
let failed = 0;
for (const [name, b] of Object.entries(benches)) {
  if (wanted.length && !wanted.includes(name)) continue;
  console.log(`\n== ${name}: ${b.about}`);
  try {
    await b.run(results);
  } catch (err) {
    failed++;
    console.error(`  FAILED: ${err instanceof Error ? err.message : String(err)}`);
  }
}
results.write();
console.log(
  `\n${results.entries.length} figures written to bench-results.json${failed ? `; ${failed} benchmark(s) failed` : ''}`,
);
process.exitCode = failed ? 1 : 0;
