// The IPC channel names and wire names, without their schemas: the sandboxed preload needs
// only these, so it stays a few kilobytes instead of carrying zod. contract.ts beside it holds
// the schemas and checks at compile time that it covers exactly these channels.

export const INVOKE_CHANNELS = [
  'host.start',
  'host.stop',
  'host.status',
  'host.setUpnp',
  'hubs.open',
  'hubs.trust',
  'hubs.repin',
  'hubs.forget',
  'hubs.list',
  'session.get',
  'session.set',
  'rooms.remember',
  'jack.status',
  'jack.start',
  'jacktrip.connect',
  'jacktrip.disconnect',
  'jacktrip.status',
  'voice.join',
  'voice.leave',
  'voice.status',
  'voice.mute',
  'voice.serverMute',
  'recordings.save',
  'app.notify',
  'app.openExternal',
] as const;

export const PUSH_CHANNELS = [
  'host.status',
  'jack.status',
  'jacktrip.status',
  'voice.status',
  'voice.mute',
  'recordings.progress',
  'link.open',
  'voice.toggleMute',
] as const;

export type InvokeChannel = (typeof INVOKE_CHANNELS)[number];
export type PushChannel = (typeof PUSH_CHANNELS)[number];

/** Names of the IPC channels on the wire. */
export const invokeWire = (c: InvokeChannel) => `backline:invoke:${c}`;
export const pushWire = (c: PushChannel) => `backline:push:${c}`;

/**
 * Voice frames have no channel: they travel over a MessagePort opened once per voice session
 * (protocol/ipc/voicePort.ts). Main sends the port to the preload on this wire name; the
 * preload hands it on to the page with `window.postMessage(VOICE_PORT_MESSAGE, …, [port])`.
 */
export const VOICE_PORT_WIRE = 'backline:voice-port';
export const VOICE_PORT_MESSAGE = 'backline:voice-port';

/** The app's own origin in Electron (a privileged custom scheme serving renderer/dist). */
export const APP_SCHEME = 'backline-app';
export const APP_ORIGIN = `${APP_SCHEME}://app`;
/** The scheme of share links the OS hands to the app. */
export const LINK_SCHEME = 'backline';
