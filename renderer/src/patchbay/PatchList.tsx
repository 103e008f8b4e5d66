import { useId, useMemo, useState, type FormEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { JackPort } from '../../../protocol/api.js';
import { canConnect, portsOf } from '../store/graphModel.js';
import { useRoom } from '../store/context.js';

/**
 * The patchbay without a mouse: pick an output and an input to connect, and a Disconnect
 * button per cord. It also shows requests still waiting for JACK, and refusals.
 */
export function PatchList({ isHost, id: panelId }: { isHost: boolean; id?: string }) {
  const { view, pending, patch } = useRoom(
    useShallow((s) => ({ view: s.view, pending: s.pending, patch: s.patch })),
  );
  const graph = view?.graph;
  const outputs = useMemo(() => (graph ? portsOf(graph, 'output') : []), [graph]);
  const inputs = useMemo(() => (graph ? portsOf(graph, 'input') : []), [graph]);
  const [src, setSrc] = useState('');
  const [dst, setDst] = useState('');
  const id = useId();
  const ok = !!graph && !!src && !!dst && canConnect(graph, src, dst);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (ok) void patch('connect', src, dst);
  };

  return (
    <aside id={panelId} className="pb-side" aria-label="Connections">
      {isHost && (
        <form className="stack" onSubmit={submit}>
          <h2>Connect</h2>
          <PortSelect
            id={`${id}-src`}
            label="From (output)"
            placeholder="Choose an output…"
            ports={outputs}
            value={src}
            onChange={setSrc}
          />
          <PortSelect
            id={`${id}-dst`}
            label="To (input)"
            placeholder="Choose an input…"
            ports={inputs}
            value={dst}
            onChange={setDst}
          />
          <button type="submit" className="primary" disabled={!ok}>
            Connect
          </button>
        </form>
      )}
      <h2>Cords ({graph?.connections.length ?? 0})</h2>
      <ul className="cords">
        {graph?.connections.map(([a, b]) => (
          <li key={`${a}=>${b}`} data-testid="cord">
            <span className="cord-text">
              <span>{a}</span>
              <span aria-hidden="true"> → </span>
              <span className="sr-only"> to </span>
              <span>{b}</span>
            </span>
            {isHost && (
              <button
                type="button"
                className="ghost small"
                onClick={() => void patch('disconnect', a, b)}
                aria-label={`Disconnect ${a} from ${b}`}
              >
                Disconnect
              </button>
            )}
          </li>
        ))}
        {graph && graph.connections.length === 0 && <li className="empty">No cords.</li>}
      </ul>
      {Object.keys(pending).length > 0 && (
        <>
          <h2>Waiting for JACK</h2>
          <ul className="cords" aria-live="polite">
            {Object.entries(pending).map(([key, p]) => {
              const [a = '', b = ''] = key.split('=>');
              return (
                <li key={key} className={p.error ? 'failed' : undefined}>
                  {p.op === 'connect' ? 'Connecting' : 'Disconnecting'} {a} → {b}
                  {p.error && <span className="error"> {p.error}</span>}
                </li>
              );
            })}
          </ul>
        </>
      )}
    </aside>
  );
}

function PortSelect(props: {
  id: string;
  label: string;
  placeholder: string;
  ports: JackPort[];
  value: string;
  onChange: (name: string) => void;
}) {
  return (
    <>
      <label htmlFor={props.id}>{props.label}</label>
      <select id={props.id} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
        <option value="">{props.placeholder}</option>
        {props.ports.map((p) => (
          <option key={p.name} value={p.name}>
            {p.name}
            {p.type === 'midi' ? ' (MIDI)' : ''}
          </option>
        ))}
      </select>
    </>
  );
}
