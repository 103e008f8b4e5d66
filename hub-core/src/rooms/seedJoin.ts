// The seed hub's join fields, kept for its clients: where to connect (`hub_host`, `port`, and
// `jacktrip_port` again) and the flags to add (`jacktrip_flags`). Everything they say is in the
// `jacktrip` object new clients read; this adapter derives them from it, and is the only place
// that knows them.
import type { JackTripConnection, JoinAnswer } from '../../../protocol/api.js';

export type SeedJoinFields = Pick<
  JoinAnswer,
  'hub_host' | 'port' | 'jacktrip_port' | 'jacktrip_flags'
>;

export function seedJoinFields(connection: JackTripConnection): SeedJoinFields {
  return {
    hub_host: connection.host,
    port: connection.port,
    jacktrip_port: connection.port,
    jacktrip_flags: ['-q', String(connection.queue)],
  };
}
