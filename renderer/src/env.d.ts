// Vite bundles CSS imports into the page's stylesheet.
declare module '*.css';

/** Chromium's MediaStreamTrackProcessor (Insertable Streams), not yet in TypeScript's DOM lib. */
declare class MediaStreamTrackProcessor {
  constructor(init: { track: MediaStreamTrack });
  readonly readable: ReadableStream<AudioData>;
}
