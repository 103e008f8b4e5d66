import { useEffect, useId, useState } from 'react';
import type { Recording } from '../../../protocol/api.js';
import { formatError } from '../lib/errors.js';
import { PlatformPeg, type RecordingSaver } from '../lib/platform.js';
import { useRoom, useSession } from '../store/context.js';

const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`;
const clock = (seconds: number) => {
  const s = Math.floor(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};

/** REC indicator for everyone in the room; who started the recording. */
export function RecIndicator() {
  const rec = useRoom((s) => s.view?.recording ?? null);
  if (!rec) return null;
  return (
    <span className="badge warn rec" role="status" title={`Recording, started by ${rec.startedBy}`}>
      ● REC
    </span>
  );
}

/** The host's Record button (elapsed time and size while recording), and the room's recordings. */
export function RecordingPanel({ isHost }: { isHost: boolean }) {
  const id = useId();
  const live = useRoom((s) => s.view?.recording ?? null);
  const status = useRoom((s) => s.liveRecording);
  const recordings = useRoom((s) => s.recordings);
  const busy = useRoom((s) => s.busy);
  const record = useRoom((s) => s.record);
  const refresh = useRoom((s) => s.refreshRecordings);
  const saver = PlatformPeg.get().recordingSaver;

  useEffect(() => {
    void refresh();
    if (!live) return;
    const timer = setInterval(() => void refresh(), 1000);
    return () => clearInterval(timer);
  }, [live, refresh]);

  const done = recordings.filter((r: Recording) => r.state === 'done');
  return (
    <section className="card" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>Recording</h2>
      {isHost && (
        <div className="controls">
          <button
            type="button"
            className={live ? 'danger' : undefined}
            disabled={busy}
            onClick={() => void record(live ? 'stop' : 'start')}
          >
            {live ? 'Stop recording' : 'Record'}
          </button>
          {live && status && (
            <span className="meta" aria-live="polite">
              {clock(status.elapsed_seconds)} · {mb(status.size_bytes)}
            </span>
          )}
        </div>
      )}
      {live && <p className="meta">Recording, started by {live.startedBy}.</p>}
      {done.length === 0 ? (
        <p className="meta">No recordings yet.</p>
      ) : (
        <ul className="recordings">
          {done.map((r) => (
            <li key={r.id}>
              {new Date(r.started_at).toLocaleString()} · {clock(r.elapsed_seconds)} ·{' '}
              {mb(r.size_bytes)} ·{' '}
              {saver ? (
                <SaveRecording saver={saver} recording={r} />
              ) : (
                <a href={`/recordings/${encodeURIComponent(r.id)}/download`} download>
                  Download
                </a>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

type SaveState =
  | { phase: 'idle' }
  | { phase: 'saving'; received: number; total: number }
  | { phase: 'saved'; path: string }
  | { phase: 'failed'; message: string };

/** The desktop app's Save… button: main asks where, downloads, and reports its progress. */
function SaveRecording({ saver, recording }: { saver: RecordingSaver; recording: Recording }) {
  const hub = useSession((s) => s.origin);
  const roomName = useRoom((s) => s.view?.detail?.name);
  const [state, setState] = useState<SaveState>({ phase: 'idle' });

  const save = async () => {
    if (!hub) return;
    setState({ phase: 'saving', received: 0, total: recording.size_bytes });
    try {
      const r = await saver.save(
        {
          hub,
          recordingId: recording.id,
          room_name: roomName,
          started_at: recording.started_at,
        },
        (received, total) => setState({ phase: 'saving', received, total }),
      );
      setState(r.status === 'saved' ? { phase: 'saved', path: r.path } : { phase: 'idle' });
    } catch (err) {
      setState({ phase: 'failed', message: formatError(err) });
    }
  };

  return (
    <>
      <button
        type="button"
        className="ghost"
        disabled={state.phase === 'saving'}
        onClick={() => void save()}
      >
        {state.phase === 'saving' ? 'Saving…' : 'Save…'}
      </button>
      {state.phase === 'saving' && (
        <div className="meta" role="status">
          <progress value={state.received} max={state.total || 1} aria-label="Saving" />{' '}
          {mb(state.received)} of {mb(state.total)}
        </div>
      )}
      {state.phase === 'saved' && (
        <div className="meta" role="status">
          Saved to {state.path}
        </div>
      )}
      {state.phase === 'failed' && (
        <div className="error" role="alert">
          Not saved: {state.message}
        </div>
      )}
    </>
  );
}
