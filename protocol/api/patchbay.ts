import { z } from 'zod';

/** A JACK port's full name, "client:port". Bounded, printable, exactly one separator colon. */
export const PortName = z
  .string()
  .min(3)
  .max(320)
  .regex(/^[^:\p{Cc}]{1,64}:[^\p{Cc}]{1,255}$/u, 'port name must look like "client:port"');
export type PortName = z.infer<typeof PortName>;

export const JackPort = z
  .object({
    name: PortName,
    client: z.string(),
    type: z.enum(['audio', 'midi', 'other']),
    direction: z.enum(['input', 'output']),
    physical: z.boolean(),
    /** Ports this one is connected to. */
    connections: z.array(z.string()),
  })
  .meta({ id: 'JackPort' });
export type JackPort = z.infer<typeof JackPort>;

/** The room's JACK graph, in the seed's shape: ports grouped by client, and [source, dest] pairs. */
export const JackGraph = z
  .object({
    clients: z.record(z.string(), z.array(JackPort)),
    connections: z.array(z.tuple([z.string(), z.string()])),
  })
  .meta({ id: 'JackGraph' });
export type JackGraph = z.infer<typeof JackGraph>;

export const RoomQuery = z.object({ room_id: z.string().min(1).max(64) });

/** `POST /jack/connect` and `/jack/disconnect`: in the JSON body, or as the seed's query string. */
export const PatchRequest = z.object({
  room_id: z.string().min(1).max(64),
  source: PortName.describe('an output port'),
  dest: PortName.describe('an input port'),
});
export type PatchRequest = z.infer<typeof PatchRequest>;

export const PatchResult = z
  .object({
    status: z.literal('ok'),
    source: z.string(),
    dest: z.string(),
    changed: z.boolean(),
    graph: JackGraph,
  })
  .meta({ id: 'PatchResult' });
