// Which relay worker owns a room: every member of a room must land on the same one.

/** The index (0 … count-1) of the worker that owns `roomId`: FNV-1a of its UTF-16 code units. */
export function workerOfRoom(roomId: string, count: number): number {
  if (count <= 1) return 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < roomId.length; i++) {
    h ^= roomId.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % count;
}
