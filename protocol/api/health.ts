import { z } from 'zod';
import { ReachSummary } from './reach.js';

export const Health = z
  .object({
    status: z.literal('ok'),
    version: z.string(),
    uptime_seconds: z.number(),
    tls: z.object({ enabled: z.boolean(), fingerprint256: z.string().nullable() }),
    counts: z.object({
      users: z.number().int(),
      active_sessions: z.number().int(),
      rooms: z.number().int(),
      live_rooms: z.number().int(),
      websockets: z.number().int(),
    }),
    relay: z
      .record(z.string(), z.number())
      .describe(
        "the voice relay's counters: packets received, forwarded and dropped (by reason), sessions",
      ),
    reachability: ReachSummary.describe(
      'can friends on the internet reach this hub: the state (docs/hosting.md), the public address, how many ports are mapped on the router',
    ),
  })
  .meta({ id: 'Health' });
export type Health = z.infer<typeof Health>;
