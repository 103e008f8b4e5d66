import { useEffect, useId, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { Member } from '../../../protocol/api.js';
import { PlatformPeg } from '../lib/platform.js';
import { useDesktop, useSession, useVoice } from '../store/context.js';
import { VoiceEngine } from '../voice/engine.js';

/**
 * The voice channel: mute, push-to-talk, deafen, input meter, and one row per player. The
 * desktop app joins voice with the room's audio; in a browser the player turns it on here
 * (the microphone is asked for then) and it ends with the panel.
 */
export function VoicePanel({
  members,
  me,
  isHost,
  roomId,
}: {
  members: Member[];
  me?: number;
  isHost: boolean;
  roomId: string;
}) {
  const v = useVoice(
    useShallow((s) => ({
      active: s.active,
      muted: s.muted,
      deafened: s.deafened,
      pttKey: s.pttKey,
      pttHeld: s.pttHeld,
      volumes: s.volumes,
      remoteMuted: s.remoteMuted,
      levels: s.levels,
      error: s.error,
      setMuted: s.setMuted,
      setDeafened: s.setDeafened,
      setPttKey: s.setPttKey,
      setVolume: s.setVolume,
      serverMute: s.serverMute,
      join: s.join,
      leave: s.leave,
      status: s.status,
    })),
  );
  const byHand = !PlatformPeg.get().connectsAudio;
  const origin = useSession((s) => s.origin);
  const status = useDesktop((s) => s.voice) ?? v.status;
  const unsupported = byHand ? VoiceEngine.unsupported() : null;
  const { leave } = v;
  useEffect(() => (byHand ? () => void leave() : undefined), [byHand, leave]);
  const [choosingKey, setChoosingKey] = useState(false);
  const ids = { meter: useId() };
  const inputPct = Math.min(100, Math.round(Math.sqrt(v.levels.input) * 140));
  const serverMuted = status?.server_muted ?? false;
  return (
    <section className="card voice-panel" aria-labelledby="voice-h">
      <h2 id="voice-h">Voice</h2>
      <p className="meta" role="status" data-voice-state={status?.state ?? 'off'}>
        {status?.message ?? 'Voice is off.'}
        {serverMuted && <strong> The host muted you.</strong>}
      </p>
      {unsupported && (
        <p className="error" role="alert" data-voice-unsupported="">
          {unsupported}
        </p>
      )}
      {v.error && (
        <p className="error" role="alert">
          {v.error}
        </p>
      )}
      <div className="voice-controls">
        {byHand && !unsupported && (
          <button
            type="button"
            aria-pressed={v.active}
            onClick={() => void (v.active ? v.leave() : origin && v.join(origin, roomId))}
          >
            {v.active ? 'Turn voice off' : 'Turn voice on'}
          </button>
        )}
        <button
          type="button"
          aria-pressed={v.muted}
          className={v.muted ? 'warn' : undefined}
          onClick={() => void v.setMuted(!v.muted)}
        >
          {v.muted ? 'Unmute' : 'Mute'}
        </button>
        <button
          type="button"
          aria-pressed={v.deafened}
          className={v.deafened ? 'warn' : undefined}
          onClick={() => v.setDeafened(!v.deafened)}
        >
          {v.deafened ? 'Undeafen' : 'Deafen'}
        </button>
        <button
          type="button"
          className="ghost"
          aria-pressed={v.pttKey !== null}
          onKeyDown={(e) => {
            if (!choosingKey || e.code === 'Tab') return;
            e.preventDefault();
            setChoosingKey(false);
            void v.setPttKey(e.code === 'Escape' ? null : e.code);
          }}
          onClick={() => {
            if (v.pttKey && !choosingKey) void v.setPttKey(null);
            else setChoosingKey(true);
          }}
        >
          {choosingKey
            ? 'Press a key (Esc: off)…'
            : v.pttKey
              ? `Push-to-talk: ${v.pttKey.replace(/^Key/, '')} (click: off)`
              : 'Push-to-talk: off'}
        </button>
        {v.pttKey && (
          <span className={v.pttHeld ? 'badge live' : 'badge'}>
            {v.pttHeld ? 'Talking' : 'Hold to talk'}
          </span>
        )}
      </div>
      <label htmlFor={ids.meter}>Your microphone</label>
      <meter id={ids.meter} min={0} max={100} value={v.muted ? 0 : inputPct} />
      <ul className="voice-people">
        {members
          .filter((m) => m.user_id !== me)
          .map((m) => {
            const level = v.levels.speakers[m.user_id];
            const speaking = VoiceEngine.isSpeaking(level);
            const rm = v.remoteMuted[m.user_id];
            return (
              <li
                key={m.user_id}
                data-speaking={speaking ? 'yes' : 'no'}
                data-frames={v.levels.framesDecoded[m.user_id] ?? 0}
                data-user={m.username}
              >
                <span className={speaking ? 'speaking on' : 'speaking'} aria-hidden="true" />
                <span className="who">
                  {m.username}
                  {speaking && <span className="sr-only"> (speaking)</span>}
                  {rm?.muted && (
                    <span className="badge">{rm.byHost ? 'Muted by host' : 'Muted'}</span>
                  )}
                </span>
                <label className="volume">
                  <span className="sr-only">Volume of {m.username}</span>
                  <input
                    type="range"
                    min={0}
                    max={2}
                    step={0.05}
                    value={v.volumes[m.user_id] ?? 1}
                    onChange={(e) => v.setVolume(m.user_id, Number(e.target.value))}
                  />
                </label>
                {isHost && (
                  <button
                    type="button"
                    className="ghost small"
                    onClick={() => void v.serverMute(m.user_id, !(rm?.muted && rm.byHost))}
                  >
                    {rm?.muted && rm.byHost
                      ? `Unmute ${m.username} for all`
                      : `Mute ${m.username} for all`}
                  </button>
                )}
              </li>
            );
          })}
      </ul>
    </section>
  );
}
