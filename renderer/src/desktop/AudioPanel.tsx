import { useId, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { BufferPreset } from '../../../protocol/ipc.js';
import { useDesktop } from '../store/context.js';

const PRESETS: [BufferPreset, string][] = [
  ['tight', 'Tight: lowest latency, for a wired LAN'],
  ['normal', 'Normal'],
  ['safe', 'Safe: more latency, fewer dropouts on Wi-Fi'],
];

const STATE_LABEL = {
  idle: 'Not connected',
  connecting: 'Connecting',
  connected: 'Connected',
  reconnecting: 'Reconnecting',
  failed: 'Failed',
  stopped: 'Disconnected',
} as const;

/** The local JACK server and the jacktrip client: state, latency, buffer settings. */
export function AudioPanel({ onReconnect }: { onReconnect: () => void }) {
  const { jack, jacktrip, preset, setPreset, startJack, refreshJack } = useDesktop(
    useShallow((s) => ({
      jack: s.jack,
      jacktrip: s.jacktrip,
      preset: s.preset,
      setPreset: s.setPreset,
      startJack: s.startJack,
      refreshJack: s.refreshJack,
    })),
  );
  const [device, setDevice] = useState<string>('');
  const ids = { dev: useId(), preset: useId() };
  const state = jacktrip?.state ?? 'idle';
  return (
    <section className="card audio-panel" aria-labelledby="audio-h">
      <h2 id="audio-h">Audio (JackTrip)</h2>
      {jack && !jack.running ? (
        <div className="jack-missing" role="alert">
          <p>{jack.message}</p>
          <div className="inline-form">
            <label htmlFor={ids.dev}>Sound card</label>
            <select
              id={ids.dev}
              value={device || jack.devices[0]?.id || 'dummy'}
              onChange={(e) => setDevice(e.target.value)}
            >
              {jack.devices.map((d) => (
                <option key={d.id} value={d.id}>
                  {d.label}
                </option>
              ))}
            </select>
            <button
              type="button"
              className="primary"
              onClick={() => void startJack(device || jack.devices[0]?.id || 'dummy')}
            >
              Start JACK
            </button>
            <button type="button" className="ghost" onClick={() => void refreshJack()}>
              Check again
            </button>
          </div>
        </div>
      ) : (
        <p className="meta">{jack?.message ?? 'Checking JACK…'}</p>
      )}
      <p className="jt-state" role="status" data-jacktrip-state={state}>
        <span className={`dot ${state}`} aria-hidden="true" />
        <strong>{STATE_LABEL[state]}</strong>
        {jacktrip?.message ? ` · ${jacktrip.message}` : null}
      </p>
      <dl className="details compact">
        <div className="detail">
          <dt>Round trip</dt>
          <dd data-testid="rtt">
            {jacktrip?.rtt_ms !== undefined ? `${jacktrip.rtt_ms} ms` : '–'}
          </dd>
        </div>
        <div className="detail">
          <dt>Queue</dt>
          <dd>{jacktrip ? `${jacktrip.queue} packets` : '–'}</dd>
        </div>
        <div className="detail">
          <dt>Buffer</dt>
          <dd data-testid="period">{jacktrip?.period ? `${jacktrip.period} frames` : '–'}</dd>
        </div>
      </dl>
      <div className="inline-form">
        <label htmlFor={ids.preset}>Jitter buffer</label>
        <select
          id={ids.preset}
          value={preset}
          onChange={(e) => setPreset(e.target.value as BufferPreset)}
        >
          {PRESETS.map(([v, label]) => (
            <option key={v} value={v}>
              {label}
            </option>
          ))}
        </select>
        <button type="button" className="ghost" onClick={onReconnect}>
          {state === 'connected' ? 'Apply and reconnect' : 'Connect'}
        </button>
      </div>
    </section>
  );
}
