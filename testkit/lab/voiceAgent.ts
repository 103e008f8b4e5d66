// A player's voice chat in the NAT lab, run inside a player's namespace:
//   node --import tsx voiceAgent.ts <hub url> <room id> <bearer token> <certificate fingerprint> <seconds>
// Fetches voice tokens over HTTPS (the hub's certificate checked by its SHA-256 fingerprint),
// joins the relay over UDP, sends 50 frames a second, and prints one JSON line: its user id,
// how many frames it sent, and how many it received from each speaker.
import { request } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { RelayClient } from '../../hub-core/src/index.js';

const [hub, room, token, fingerprint, secondsArg] = process.argv.slice(2);
if (!hub || !room || !token || !fingerprint || !secondsArg) {
  console.error('usage: voiceAgent.ts <hub url> <room id> <token> <fingerprint> <seconds>');
  process.exit(2);
}

function voiceToken(): Promise<{ token: string; relay: { host: string; port: number } }> {
  return new Promise((resolve, reject) => {
    const r = request(
      `${hub}/rooms/${room}/voice-token`,
      { method: 'POST', headers: { authorization: `Bearer ${token}` }, rejectUnauthorized: false },
      (res) => {
        const fp = (res.socket as TLSSocket).getPeerCertificate().fingerprint256;
        if (fp !== fingerprint) {
          res.destroy();
          reject(new Error(`certificate ${fp} is not the hub's ${fingerprint}`));
          return;
        }
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => {
          if (res.statusCode !== 200) reject(new Error(`voice-token: ${res.statusCode} ${text}`));
          else
            resolve(JSON.parse(text) as { token: string; relay: { host: string; port: number } });
        });
      },
    );
    r.on('error', reject);
    r.end();
  });
}

const first = await voiceToken();
const received: Record<string, number> = {};
const client = await RelayClient.connect({
  host: first.relay.host,
  port: first.relay.port,
  channel: room,
  getToken: async () => (await voiceToken()).token,
});
let userId = client.userId;
client.on('ready', (r) => (userId = r.userId));
client.on('audio', (f) => {
  received[String(f.speaker)] = (received[String(f.speaker)] ?? 0) + 1;
});
const frame = new Uint8Array(60).fill(7);
const end = Date.now() + Number(secondsArg) * 1000;
let sent = 0;
for (let n = 0; Date.now() < end; n++) {
  client.sendAudio(frame, n * 960);
  sent++;
  await new Promise((r) => setTimeout(r, 20));
}
await new Promise((r) => setTimeout(r, 500));
await client.close();
console.log(JSON.stringify({ userId, sent, received }));
