// Runs inside a NAT-lab namespace: `node --import tsx labBridge.ts <unix socket> <port>` carries
// each connection on the socket to 127.0.0.1:<port> there. Unix sockets live in the file
// system, not in a network namespace, so the test's side can reach a hub inside the lab.
import { createConnection, createServer } from 'node:net';

const [sock, port] = process.argv.slice(2);
if (!sock || !port) {
  console.error('usage: labBridge.ts <unix socket> <port>');
  process.exit(2);
}
createServer((c) => {
  const up = createConnection({ host: '127.0.0.1', port: Number(port) });
  c.pipe(up).pipe(c);
  c.on('error', () => up.destroy());
  up.on('error', () => c.destroy());
}).listen(sock, () => console.log('bridging'));
