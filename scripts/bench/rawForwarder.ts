// A raw dgram forwarder for the relay benchmarks, in its own process: no parsing, no checks,
// one lookup per datagram and the same fan-out as the relay (every other member of the room).
// IPC: {port} out once bound; {routes: [fromPort, toPorts[]][]} in, answered {routes: n};
// 'exit' to stop.
import { createSocket } from 'node:dgram';

const s = createSocket({ type: 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
let routes = new Map<number, number[]>();
s.on('message', (m, r) => {
  const to = routes.get(r.port);
  if (to) for (const p of to) s.send(m, p, '127.0.0.1');
});
s.on('error', () => undefined);
process.on('message', (m: { routes: [number, number[]][] } | 'exit') => {
  if (m === 'exit') s.close(() => process.exit(0));
  else {
    routes = new Map(m.routes);
    process.send?.({ routes: routes.size });
  }
});
s.bind(0, '127.0.0.1', () => process.send?.({ port: s.address().port }));
