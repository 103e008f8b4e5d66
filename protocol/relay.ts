// Public entry: the voice relay's wire format (docs/relay-protocol.md) and the names of its
// counters. Without zod: it runs on every datagram in the hub's relay worker, the Node
// RelayClient and the browser.
export * from './relay/codec.js';
export * from './relay/counters.js';
