import type { HubAuth, Platform } from '../lib/platform.js';
import type { VoiceHub, VoiceLink } from '../lib/voice.js';
import { WebVoiceLink } from './webVoice.js';

const COOKIE: HubAuth = { kind: 'cookie' };

/**
 * A browser page that a hub served: that hub is the only one, and its HttpOnly session cookie
 * is the login (the page keeps nothing). No hosting, no local audio: the room shows how to
 * connect a JackTrip client by hand. Voice (talkback) goes over the hub's /ws/voice, once the
 * player turns it on.
 */
export class WebPlatform implements Platform {
  readonly choosesHubs = false;
  readonly connectsAudio = false;
  readonly desktop = undefined;
  /** The browser downloads a recording by its link, with the hub's cookie. */
  readonly recordingSaver = undefined;

  constructor(readonly servingHub: string | undefined) {}

  savedSession(): Promise<HubAuth | null> {
    return Promise.resolve(COOKIE);
  }

  keepSession(): Promise<HubAuth> {
    // The hub set the cookie with its answer; the token in the answer is not kept.
    return Promise.resolve(COOKIE);
  }

  forgetSession(): Promise<void> {
    return Promise.resolve();
  }

  notify(): void {}

  voiceLink(hub: () => VoiceHub | null): VoiceLink {
    return new WebVoiceLink(hub);
  }
}
