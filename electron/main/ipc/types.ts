// Handler maps, typed from the contract: `Handlers<C>` has exactly one handler per channel in
// C, so a channel of the contract without a handler is a compile error (handlers.ts).
import type { InvokeArgs, InvokeChannel, InvokeResult } from '../../../protocol/ipc.js';

export type Handler<C extends InvokeChannel> = (
  ...args: InvokeArgs<C>
) => Promise<InvokeResult<C>> | InvokeResult<C>;

export type Handlers<C extends InvokeChannel> = { [K in C]: Handler<K> };

/** The channels whose names start with `prefix.`, e.g. ChannelsOf<'host'>. */
export type ChannelsOf<P extends string> = Extract<InvokeChannel, `${P}.${string}`>;

/** Every channel of the contract, handled. */
export type HandlerMap = Handlers<InvokeChannel>;
