import { useEffect, useId, useState, type FormEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { RoomSummary } from '../../../protocol/api.js';
import { navigate } from '../lib/router.js';
import { useNow } from '../lib/useNow.js';
import { useRooms, useStores } from '../store/context.js';
import { formatDuration, timeLeft } from '../store/rooms.js';
import { CreateRoom } from './CreateRoom.js';

const REFRESH_MS = 4000;

/** The live room list: refreshed every few seconds, time left counting down in between. */
export function RoomsScreen() {
  const { rooms, fetchedAt, error, refresh } = useRooms(
    useShallow((s) => ({
      rooms: s.rooms,
      fetchedAt: s.fetchedAt,
      error: s.error,
      refresh: s.refresh,
    })),
  );
  const now = useNow(1000);
  useEffect(() => {
    void refresh();
    const t = setInterval(() => void refresh(), REFRESH_MS);
    return () => clearInterval(t);
  }, [refresh]);

  return (
    <main className="rooms-screen">
      <section className="card rooms-list" aria-labelledby="rooms-h">
        <div className="section-head">
          <h1 id="rooms-h">Rooms</h1>
          <button type="button" className="ghost" onClick={() => void refresh()}>
            Refresh
          </button>
        </div>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <div className="table-wrap">
          {rooms.length === 0 ? (
            <p className="empty">No rooms yet. Create one and send your bandmates the link.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Room</th>
                  <th scope="col">Host</th>
                  <th scope="col">Players</th>
                  <th scope="col">Time left</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {rooms.map((r) => (
                  <RoomRow key={r.id} room={r} left={timeLeft(r, fetchedAt, now)} />
                ))}
              </tbody>
            </table>
          )}
        </div>
      </section>
      <CreateRoom />
    </main>
  );
}

function RoomRow({ room, left }: { room: RoomSummary; left: number }) {
  const [asking, setAsking] = useState(false);
  const [pass, setPass] = useState('');
  const [error, setError] = useState<string | null>(null);
  const passId = useId();
  const stores = useStores();
  const full = room.participant_count >= room.max_participants;

  const join = async (passphrase?: string) => {
    const store = stores.room.getState();
    await store.open(room.id);
    const ok = await store.joinRoom(passphrase);
    const err = stores.room.getState().actionError;
    if (ok) navigate({ name: 'room', roomId: room.id });
    else setError(err);
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void join(pass);
  };

  return (
    <>
      <tr>
        <th scope="row" className="room-name">
          <a
            href={`/room/${room.id}`}
            onClick={(e) => {
              e.preventDefault();
              navigate({ name: 'room', roomId: room.id });
            }}
          >
            {room.name}
          </a>
          {room.private && <span className="badge">Private</span>}
          {room.locked && <span className="badge warn">Locked</span>}
          {room.description && <span className="desc">{room.description}</span>}
        </th>
        <td>{room.host.username}</td>
        <td>
          {room.participant_count}/{room.max_participants}
        </td>
        <td className={left < 300 ? 'time soon' : 'time'}>{formatDuration(left)}</td>
        <td className="actions">
          <button
            type="button"
            className="primary"
            disabled={full || room.locked}
            onClick={() => (room.private ? setAsking(true) : void join())}
            aria-label={`Join ${room.name}`}
          >
            {full ? 'Full' : 'Join'}
          </button>
        </td>
      </tr>
      {(asking || error) && (
        <tr className="join-row">
          <td colSpan={5}>
            <form onSubmit={submit} className="inline-form">
              {room.private && (
                <>
                  <label htmlFor={passId}>Passphrase for {room.name}</label>
                  <input
                    id={passId}
                    type="password"
                    value={pass}
                    onChange={(e) => setPass(e.target.value)}
                    autoFocus
                    required
                  />
                  <button type="submit" className="primary">
                    Join
                  </button>
                  <button type="button" className="ghost" onClick={() => setAsking(false)}>
                    Cancel
                  </button>
                </>
              )}
              {error && (
                <p className="error" role="alert">
                  {error}
                </p>
              )}
            </form>
          </td>
        </tr>
      )}
    </>
  );
}
