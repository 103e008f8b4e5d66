import { z } from 'zod';
import { ROOM_VOICE_COUNTERS, type RoomVoiceCounters } from '../relay/counters.js';

/** POST /rooms/{id}/voice-token: what a member needs to join the room's voice relay. */
export const VoiceToken = z
  .object({
    token: z.string(),
    expires_at: z.iso.datetime(),
    channel: z.string().describe('the room id: the relay channel to join'),
    relay: z.object({
      host: z.string(),
      port: z.number().int().describe('UDP'),
      ws_path: z
        .string()
        .describe('WebSocket fallback carrying the same packets, for clients whose UDP is blocked'),
    }),
  })
  .meta({ id: 'VoiceToken' });
export type VoiceToken = z.infer<typeof VoiceToken>;

const counterShape = Object.fromEntries(
  ROOM_VOICE_COUNTERS.map((name) => [name, z.number().int()]),
) as Record<keyof RoomVoiceCounters, z.ZodNumber>;

/** GET /rooms/{id}/voice-stats: the room's voice relay counters, for its host. */
export const VoiceStats = z
  .object({ room_id: z.string(), ...counterShape })
  .meta({ id: 'VoiceStats' });
export type VoiceStats = z.infer<typeof VoiceStats>;
