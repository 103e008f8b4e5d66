import { useEffect, useId } from 'react';
import type { Recording } from '../../../protocol/api.js';
import { useRoom } from '../store/context.js';

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
              <a href={`/recordings/${encodeURIComponent(r.id)}/download`} download>
                Download
              </a>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
