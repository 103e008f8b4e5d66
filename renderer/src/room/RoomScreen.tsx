import { useEffect, useId, useState, type FormEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { JoinAnswer, Member, RoomDetail } from '../../../protocol/api.js';
import { PATCH_MODE_MEANING, PATCH_MODES } from '../../../protocol/rules.js';
import { Chat } from '../chat/Chat.js';
import { AudioPanel } from '../desktop/AudioPanel.js';
import { useConnectAudio } from '../desktop/DesktopDriver.js';
import { VoicePanel } from '../desktop/VoicePanel.js';
import { PlatformPeg } from '../lib/platform.js';
import { navigate } from '../lib/router.js';
import { useNow } from '../lib/useNow.js';
import { useRoom, useSession } from '../store/context.js';
import { RecIndicator, RecordingPanel } from './RecordingPanel.js';
import { formatDuration } from '../store/rooms.js';
import { Banner } from './Banner.js';
import { CopyButton } from './CopyButton.js';

export function RoomScreen({ roomId }: { roomId: string }) {
  const { view, join, actionError, open } = useRoom(
    useShallow((s) => ({ view: s.view, join: s.join, actionError: s.actionError, open: s.open })),
  );
  const me = useSession((s) => s.user);
  const connectsAudio = PlatformPeg.get().connectsAudio;
  const connectAudio = useConnectAudio();
  useEffect(() => {
    void open(roomId);
  }, [open, roomId]);

  const detail = view?.roomId === roomId ? view.detail : null;
  if (!view || !detail)
    return (
      <main className="room-screen">
        {view?.error ? (
          <p className="error" role="alert">
            {view.error}
          </p>
        ) : (
          <p className="empty">Loading the room…</p>
        )}
        <button type="button" className="ghost" onClick={() => navigate({ name: 'home' })}>
          Back to rooms
        </button>
      </main>
    );
  const isHost = detail.you.host;
  const isMember = detail.you.member || view.members.some((m) => m.user_id === me?.id);

  return (
    <main className="room-screen">
      <RoomHeader detail={detail} isHost={isHost} isMember={isMember} ended={view.ended} />
      {view.banner && <Banner banner={view.banner} />}
      {actionError && (
        <p className="error" role="alert">
          {actionError}
        </p>
      )}
      {view.ended ? null : (
        <div className="room-grid">
          <div className="col">
            <Participants members={view.members} isHost={isHost} me={me?.id} />
            {isMember || isHost ? <ConnectionDetails join={join} /> : <JoinCard detail={detail} />}
            {isHost && <HostControls detail={detail} />}
            {(isMember || isHost) && !view.ended && <RecordingPanel isHost={isHost} />}
          </div>
          <div className="col">
            {connectsAudio && (isMember || isHost) && join && (
              <>
                <AudioPanel onReconnect={() => void connectAudio()} />
                <VoicePanel members={view.members} me={me?.id} isHost={isHost} roomId={roomId} />
              </>
            )}
            {!connectsAudio && (isMember || isHost) && (
              <VoicePanel members={view.members} me={me?.id} isHost={isHost} roomId={roomId} />
            )}
            {isMember || isHost ? (
              <Chat messages={view.chat} me={me?.id} />
            ) : (
              <p className="card empty">Join the room to read and write in its chat.</p>
            )}
          </div>
        </div>
      )}
    </main>
  );
}

function RoomHeader(props: {
  detail: RoomDetail;
  isHost: boolean;
  isMember: boolean;
  ended: boolean;
}) {
  const { detail } = props;
  const leave = useRoom((s) => s.leave);
  const now = useNow(1000);
  const left = Math.max(0, Math.floor((Date.parse(detail.expires_at) - now) / 1000));
  const mode = PATCH_MODE_MEANING[detail.patch_mode];
  return (
    <header className="room-head">
      <div>
        <h1>{detail.name}</h1>
        <p className="meta">
          Hosted by <strong>{detail.host.username}</strong>
          <span aria-hidden="true"> · </span>
          {detail.participant_count}/{detail.max_participants} players
          <span aria-hidden="true"> · </span>
          <span className={left < 300 ? 'soon' : undefined}>{formatDuration(left)} left</span>
          {detail.private && <span className="badge">Private</span>}
          {detail.locked && <span className="badge warn">Locked</span>}
          <RecIndicator />
        </p>
        <p className="meta">{mode}</p>
      </div>
      <div className="head-actions">
        {!props.ended && (props.isMember || props.isHost) && (
          <a
            className="button"
            href={`/patchbay/${detail.id}`}
            onClick={(e) => {
              e.preventDefault();
              navigate({ name: 'patchbay', roomId: detail.id });
            }}
          >
            Patchbay
          </a>
        )}
        {!props.ended && props.isMember && (
          <button
            type="button"
            className="ghost"
            onClick={() => void leave().then(() => navigate({ name: 'home' }))}
          >
            Leave room
          </button>
        )}
        {props.ended && (
          <button type="button" className="primary" onClick={() => navigate({ name: 'home' })}>
            Back to rooms
          </button>
        )}
      </div>
    </header>
  );
}

function Participants({
  members,
  isHost,
  me,
}: {
  members: Member[];
  isHost: boolean;
  me?: number;
}) {
  const hostAction = useRoom((s) => s.hostAction);
  return (
    <section className="card" aria-labelledby="people-h">
      <h2 id="people-h">Players</h2>
      <ul className="people">
        {members.map((m) => (
          <li key={m.user_id} data-testid="participant">
            <span
              className={m.connected ? 'dot on' : 'dot'}
              role="img"
              aria-label={m.connected ? 'audio connected' : 'joined, audio not connected'}
            />
            <span className="name">{m.username}</span>
            {m.host && <span className="badge">Host</span>}
            {m.user_id === me && <span className="badge subtle">You</span>}
            <span className="state">{m.connected ? 'connected' : 'not connected'}</span>
            {isHost && !m.host && (
              <span className="member-actions">
                <button
                  type="button"
                  className="ghost small"
                  onClick={() => void hostAction('kick', m.user_id)}
                  aria-label={`Remove ${m.username}`}
                >
                  Remove
                </button>
                <button
                  type="button"
                  className="danger small"
                  onClick={() => {
                    if (confirm(`Ban ${m.username}? They can't rejoin this room.`))
                      void hostAction('ban', m.user_id);
                  }}
                  aria-label={`Ban ${m.username}`}
                >
                  Ban
                </button>
              </span>
            )}
          </li>
        ))}
        {members.length === 0 && <li className="empty">Nobody has joined yet.</li>}
      </ul>
    </section>
  );
}

function JoinCard({ detail }: { detail: RoomDetail }) {
  const joinRoom = useRoom((s) => s.joinRoom);
  const [pass, setPass] = useState('');
  const id = useId();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void joinRoom(detail.private ? pass : undefined);
  };
  return (
    <section className="card" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>Join this room</h2>
      <form onSubmit={submit} className="stack">
        {detail.private && (
          <>
            <label htmlFor={`${id}-p`}>Passphrase</label>
            <input
              id={`${id}-p`}
              type="password"
              value={pass}
              onChange={(e) => setPass(e.target.value)}
              required
            />
          </>
        )}
        <button type="submit" className="primary" disabled={detail.locked}>
          {detail.locked ? 'The room is locked' : 'Join'}
        </button>
      </form>
    </section>
  );
}

/** What a JackTrip client needs to connect, each value copyable. */
function ConnectionDetails({ join }: { join: JoinAnswer | null }) {
  const joinRoom = useRoom((s) => s.joinRoom);
  if (!join)
    return (
      <section className="card" aria-labelledby="conn-h">
        <h2 id="conn-h">Connection</h2>
        <p className="hint">
          Your JackTrip password is issued when you join and isn’t stored in this page.
        </p>
        <button type="button" className="primary" onClick={() => void joinRoom()}>
          Get connection details
        </button>
      </section>
    );
  const j = join.jacktrip;
  const command = ['jacktrip', ...j.args].join(' ');
  const rows: [string, string][] = [
    ['Hub host', j.host],
    ['Port', String(j.port)],
    ['Username', j.username],
    ['Password', j.password],
    ['Remote name', j.remote_name],
    ['Queue', String(j.queue)],
  ];
  const details = (
    <>
      <dl className="details">
        {rows.map(([k, v]) => (
          <div key={k} className="detail">
            <dt>{k}</dt>
            <dd>
              <code>{v}</code>
              <CopyButton text={v} label={`Copy ${k.toLowerCase()}`} />
            </dd>
          </div>
        ))}
      </dl>
      <div className="command">
        <code data-testid="jacktrip-command">{command}</code>
        <CopyButton text={command} label="Copy the jacktrip command" />
      </div>
    </>
  );
  return (
    <section className="card" aria-labelledby="conn-h">
      <h2 id="conn-h">Connection</h2>
      {PlatformPeg.get().connectsAudio ? (
        // The app connects by itself (the Audio panel); these are for another JackTrip client.
        <details className="manual-connection">
          <summary>Connect another JackTrip client by hand</summary>
          <p className="hint">The password changes every time you join.</p>
          {details}
        </details>
      ) : (
        <>
          <p className="hint">
            Start JACK, then run this (the desktop app does it for you). The password changes every
            time you join.
          </p>
          {details}
        </>
      )}
    </section>
  );
}

function HostControls({ detail }: { detail: RoomDetail }) {
  const hostAction = useRoom((s) => s.hostAction);
  const busy = useRoom((s) => s.busy);
  const id = useId();
  return (
    <section className="card" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>Host controls</h2>
      <div className="controls">
        <button
          type="button"
          className="ghost"
          disabled={busy}
          aria-pressed={detail.locked}
          onClick={() => void hostAction(detail.locked ? 'unlock' : 'lock')}
        >
          {detail.locked ? 'Unlock room' : 'Lock room'}
        </button>
        <label htmlFor={`${id}-mode`}>Who hears whom</label>
        <select
          id={`${id}-mode`}
          value={detail.patch_mode}
          disabled={busy}
          onChange={(e) => void hostAction('mode', Number(e.target.value))}
        >
          {PATCH_MODES.map((value) => (
            <option key={value} value={value}>
              {PATCH_MODE_MEANING[value]}
            </option>
          ))}
        </select>
        <button
          type="button"
          className="danger"
          disabled={busy}
          onClick={() => {
            if (confirm('Close the room for everyone?')) void hostAction('close');
          }}
        >
          Close room
        </button>
      </div>
    </section>
  );
}
