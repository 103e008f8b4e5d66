import { z } from 'zod';

/**
 * Can friends on the internet reach this hub? `checking` is the moment between a start (or a
 * toggle) and the first answer from the router, at most about 3 s.
 */
export const ReachState = z.enum([
  'off',
  'checking',
  'public',
  'mapped',
  'no_gateway',
  'refused',
  'carrier_nat',
  'double_nat',
]);
export type ReachState = z.infer<typeof ReachState>;

export const MappedPort = z.object({
  what: z.enum(['https', 'relay', 'room']),
  protocol: z.enum(['TCP', 'UDP']),
  internal_port: z.number().int(),
  external_port: z.number().int(),
});
export type MappedPort = z.infer<typeof MappedPort>;

/** A port range to forward by hand on the router, when it can't be opened automatically. */
export const ForwardRule = z.object({
  protocol: z.enum(['TCP', 'UDP', 'TCP+UDP']),
  from: z.number().int(),
  to: z.number().int(),
  what: z.string(),
});
export type ForwardRule = z.infer<typeof ForwardRule>;

/** The host's full view (the desktop app's host panel). */
export const ReachStatus = z.object({
  state: ReachState,
  /** One plain sentence for the musician: what this means and what to do. */
  message: z.string(),
  /** The address friends on the internet use; set only when they can use it (public, mapped). */
  public_address: z.string().nullable(),
  /** The external HTTPS port friends' links carry (may differ from the hub's own port). */
  public_port: z.number().int().nullable(),
  /** What the router reported as its external address, whatever the state. */
  router_address: z.string().nullable(),
  gateway: z.enum(['upnp', 'natpmp']).nullable(),
  mapped: z.array(MappedPort),
  /** The ports to forward by hand when the state says friends can't reach the hub. */
  forward: z.array(ForwardRule),
});
export type ReachStatus = z.infer<typeof ReachStatus>;

/** What `GET /health` shows anyone: the state, the public address, how many ports are mapped. */
export const ReachSummary = z.object({
  state: ReachState,
  public_address: z.string().nullable(),
  mapped: z.number().int().describe('ports mapped on the router (HTTPS, relay, rooms)'),
});
export type ReachSummary = z.infer<typeof ReachSummary>;

/** True when friends on the internet can use the hub's link. */
export const isReachable = (s: Pick<ReachStatus, 'state' | 'public_address'>): boolean =>
  (s.state === 'mapped' || s.state === 'public') && s.public_address !== null;
