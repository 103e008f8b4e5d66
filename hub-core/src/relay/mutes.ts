/**
 * Who the host muted, per room. Kept by (room, user) rather than on a session, so the mute
 * outlives a session: a muted player who handshakes again (a new address, a restart) stays
 * muted until the host lifts it or the room ends.
 */
export class ServerMutes {
  private readonly byRoom = new Map<string, Set<number>>();

  has(roomId: string, userId: number): boolean {
    return this.byRoom.get(roomId)?.has(userId) ?? false;
  }

  set(roomId: string, userId: number, muted: boolean): void {
    let users = this.byRoom.get(roomId);
    if (muted) {
      if (!users) this.byRoom.set(roomId, (users = new Set()));
      users.add(userId);
    } else if (users?.delete(userId) && users.size === 0) this.byRoom.delete(roomId);
  }

  of(roomId: string): Iterable<number> {
    return this.byRoom.get(roomId) ?? [];
  }

  forgetRoom(roomId: string): void {
    this.byRoom.delete(roomId);
  }
}
