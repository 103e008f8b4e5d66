// A room's patch mode: who hears whom. The numbers are jacktrip's own `-p` values; the hub wires
// the room's JACK graph by them itself (docs/rooms.md, "Patch modes").

export const PATCH_MODES = [2, 4, 5] as const;
export type PatchMode = (typeof PATCH_MODES)[number];

/** A new room's mode when its host names none. */
export const DEFAULT_PATCH_MODE: PatchMode = 2;

/** What each mode means, in the words the app shows. */
export const PATCH_MODE_MEANING: Readonly<Record<PatchMode, string>> = {
  2: 'Everyone hears everyone else',
  4: 'Full mix, including yourself',
  5: 'Manual: the host patches',
};

export const isPatchMode = (value: unknown): value is PatchMode =>
  PATCH_MODES.includes(value as PatchMode);
