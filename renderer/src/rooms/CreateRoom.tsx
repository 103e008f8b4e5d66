import { useId, useState, type FormEvent } from 'react';
import {
  DEFAULT_PATCH_MODE,
  PATCH_MODE_MEANING,
  PATCH_MODES,
  type PatchMode,
} from '../../../protocol/rules.js';
import { navigate } from '../lib/router.js';
import { useRooms, useStores } from '../store/context.js';

const DURATIONS = [
  [30, '30 minutes'],
  [60, '1 hour'],
  [120, '2 hours'],
  [180, '3 hours'],
  [360, '6 hours'],
  [720, '12 hours'],
] as const;

/** Create a room: you become its host, and join it straight away. */
export function CreateRoom() {
  const stores = useStores();
  const create = useRooms((s) => s.create);
  const error = useRooms((s) => s.error);
  const [name, setName] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [max, setMax] = useState(4);
  const [duration, setDuration] = useState(180);
  const [mode, setMode] = useState<PatchMode>(DEFAULT_PATCH_MODE);
  const [busy, setBusy] = useState(false);
  const id = useId();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    const roomId = await create({
      name,
      ...(passphrase ? { passphrase } : {}),
      max_participants: max,
      duration_minutes: duration,
      patch_mode: mode,
    });
    if (roomId) {
      const room = stores.room.getState();
      await room.open(roomId);
      await room.joinRoom(passphrase || undefined);
      navigate({ name: 'room', roomId });
    }
    setBusy(false);
  };

  return (
    <section className="card create-room" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>New room</h2>
      <form onSubmit={(e) => void submit(e)} className="stack">
        <label htmlFor={`${id}-name`}>Name</label>
        <input
          id={`${id}-name`}
          value={name}
          onChange={(e) => setName(e.target.value)}
          required
          maxLength={64}
          placeholder="Thursday rehearsal"
        />
        <label htmlFor={`${id}-pass`}>Passphrase (makes the room private)</label>
        <input
          id={`${id}-pass`}
          type="password"
          value={passphrase}
          onChange={(e) => setPassphrase(e.target.value)}
          minLength={4}
          autoComplete="new-password"
        />
        <div className="row">
          <div className="field">
            <label htmlFor={`${id}-max`}>Players</label>
            <input
              id={`${id}-max`}
              type="number"
              min={2}
              max={16}
              value={max}
              onChange={(e) => setMax(Number(e.target.value))}
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-dur`}>Length</label>
            <select
              id={`${id}-dur`}
              value={duration}
              onChange={(e) => setDuration(Number(e.target.value))}
            >
              {DURATIONS.map(([v, label]) => (
                <option key={v} value={v}>
                  {label}
                </option>
              ))}
            </select>
          </div>
        </div>
        <label htmlFor={`${id}-mode`}>Who hears whom</label>
        <select
          id={`${id}-mode`}
          value={mode}
          onChange={(e) => setMode(Number(e.target.value) as PatchMode)}
        >
          {PATCH_MODES.map((value) => (
            <option key={value} value={value}>
              {PATCH_MODE_MEANING[value]}
            </option>
          ))}
        </select>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create room'}
        </button>
      </form>
    </section>
  );
}
