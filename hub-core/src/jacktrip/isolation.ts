import type { Logger } from '../log.js';
import {
  probeJackIsolation,
  type IsolationProbe,
  type JackIsolation,
} from '../process/jackScope.js';

/** `JACK_NAMESPACES`: rooms' engines in namespaces of their own where possible, or never. */
export type NamespacesSetting = 'auto' | 'off';

/**
 * Where rooms' JACK servers run, found out once (on the first room start, off the hub's start
 * path) and logged: with `auto`, in namespaces of their own where this machine allows it, else
 * on the machine's JACK with its 8-server registry.
 */
export function roomIsolation(
  setting: NamespacesSetting,
  logger: Pick<Logger, 'info' | 'warn'>,
  probe: () => Promise<IsolationProbe> = () => probeJackIsolation(),
): () => Promise<JackIsolation> {
  let found: Promise<JackIsolation> | undefined;
  return () =>
    (found ??= (async () => {
      if (setting === 'off') {
        logger.info("rooms share the machine's JACK (JACK_NAMESPACES=off): at most 8 servers");
        return 'none';
      }
      const p = await probe().catch((err: unknown): IsolationProbe => ({
        isolation: 'none',
        reason: String(err),
      }));
      if (p.isolation === 'none')
        logger.warn(
          { reason: p.reason },
          "rooms share the machine's JACK: no namespaces here, so at most 8 servers",
        );
      else logger.info({ isolation: p.isolation }, 'each room runs JACK in a namespace of its own');
      return p.isolation;
    })());
}
