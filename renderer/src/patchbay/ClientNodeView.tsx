import { Handle, Position, type NodeProps } from '@xyflow/react';
import { memo } from 'react';
import type { ClientNode } from '../store/graphModel.js';

const ROLE_LABEL = { player: 'player', system: 'hub sound card', other: 'client' } as const;

/** One JACK client's outputs (handles on the right) or inputs (handles on the left). */
export const ClientNodeView = memo(function ClientNodeView({
  data,
  isConnectable,
}: NodeProps<ClientNode>) {
  const out = data.side === 'out';
  return (
    <div className={`pb-node role-${data.role} side-${data.side}`}>
      <div className="pb-title">
        <span className="pb-client">{data.client}</span>
        <span className="pb-sub">
          {ROLE_LABEL[data.role]} · {out ? 'plays into the room' : 'hears from the room'}
        </span>
      </div>
      <ul className="pb-ports">
        {data.ports.map((p) => (
          <li key={p.name} className={`pb-port kind-${p.kind}`}>
            <span className="pb-port-label" title={p.name}>
              {p.label}
            </span>
            <span className="pb-kind">{p.kind === 'midi' ? 'MIDI' : ''}</span>
            <Handle
              id={p.name}
              type={out ? 'source' : 'target'}
              position={out ? Position.Right : Position.Left}
              className={`pb-handle kind-${p.kind}`}
              isConnectable={isConnectable}
              title={`${p.name} (${p.kind} ${out ? 'output' : 'input'})`}
            />
          </li>
        ))}
      </ul>
    </div>
  );
});
