import {
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  ReactFlowProvider,
  applyNodeChanges,
  useReactFlow,
  type Connection,
  type EdgeChange,
  type NodeChange,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { navigate } from '../lib/router.js';
import {
  COLUMN_GAP,
  canConnect,
  graphToFlow,
  type ClientNode,
  type FlowView,
  type PatchEdge,
} from '../store/graphModel.js';
import { useRoom } from '../store/context.js';
import { ClientNodeView } from './ClientNodeView.js';
import { PatchList } from './PatchList.js';

const nodeTypes = { client: ClientNodeView };

/** Under this width (the phone layout's breakpoint) the columns sit closer and fit zooms less far out. */
const NARROW = '(max-width: 899.98px)';
/**
 * Fit to view, but never so far out that names can't be read: a big room on a phone opens
 * at this zoom, centred, and the rest is a pan away.
 */
const fitOptions = (narrow: boolean) => ({
  padding: 0.15,
  minZoom: narrow ? 0.6 : 0.3,
  maxZoom: 1,
});

export function PatchbayScreen({ roomId }: { roomId: string }) {
  const { view, open } = useRoom(useShallow((s) => ({ view: s.view, open: s.open })));
  useEffect(() => {
    void open(roomId);
  }, [open, roomId]);
  const detail = view?.roomId === roomId ? view.detail : null;
  const isHost = detail?.you.host ?? false;
  // Under 720 px the side panel becomes a sheet under the full-width canvas, folded by default.
  const [sheetOpen, setSheetOpen] = useState(false);
  const sheetId = useId();
  const cords = view?.graph?.connections.length ?? 0;

  return (
    <main className="patchbay-screen">
      <header className="pb-head">
        <a
          className="button ghost"
          href={`/room/${roomId}`}
          onClick={(e) => {
            e.preventDefault();
            navigate({ name: 'room', roomId });
          }}
        >
          ← Room
        </a>
        <h1>Patchbay{detail && <span className="pb-room">: {detail.name}</span>}</h1>
        <p className="hint" role="note">
          {isHost
            ? 'Drag from an output to an input, or tap one and then the other, to connect. Select a cord and press Delete, or Disconnect, to remove it.'
            : 'Only the host can patch. You are watching the room’s connections live.'}
        </p>
      </header>
      {view?.banner && (
        <div className={`banner banner-${view.banner.tone}`} role="alert">
          {view.banner.text}
        </div>
      )}
      {view?.error && !view.subscribed && (
        <p className="error" role="alert">
          {view.error}
        </p>
      )}
      <div className="pb-body">
        <ReactFlowProvider>
          <Graph isHost={isHost} />
        </ReactFlowProvider>
        <div className={sheetOpen ? 'pb-sheet open' : 'pb-sheet'}>
          <button
            type="button"
            className="pb-sheet-toggle"
            aria-expanded={sheetOpen}
            aria-controls={sheetId}
            onClick={() => setSheetOpen((o) => !o)}
          >
            {isHost ? 'Connect and cords' : 'Cords'} ({cords})
          </button>
          <PatchList isHost={isHost} id={sheetId} />
        </div>
      </div>
    </main>
  );
}

function Graph({ isHost }: { isHost: boolean }) {
  const { view, positions, selectedEdges, patch, setPositions, resetLayout, selectEdges } = useRoom(
    useShallow((s) => ({
      view: s.view,
      positions: s.positions,
      selectedEdges: s.selectedEdges,
      patch: s.patch,
      setPositions: s.setPositions,
      resetLayout: s.resetLayout,
      selectEdges: s.selectEdges,
    })),
  );
  const flow = useReactFlow<ClientNode, PatchEdge>();
  const graph = view?.graph;
  const usernames = useMemo(() => view?.members.map((m) => m.username) ?? [], [view?.members]);
  // A graph change (a delta from the hub) rebuilds the view against the one drawn now: nodes
  // and cords it did not touch stay the same objects, so React Flow redraws only the rest.
  const [narrow] = useState(() => window.matchMedia(NARROW).matches);
  const fit = useMemo(() => fitOptions(narrow), [narrow]);
  const drawn = useRef<FlowView | undefined>(undefined);
  const model = useMemo(() => {
    const next = graph
      ? graphToFlow(graph, {
          usernames,
          positions,
          selected: selectedEdges,
          columnGap: narrow ? COLUMN_GAP.narrow : COLUMN_GAP.wide,
          previous: drawn.current,
        })
      : { nodes: [], edges: [] };
    drawn.current = next;
    return next;
  }, [graph, usernames, positions, selectedEdges, narrow]);

  // React Flow keeps what it measured and selected in this state: an unchanged node keeps its
  // state object, a changed one takes the new content with what was measured. A new model is
  // merged during this render (not in an effect after it), so it is drawn in the same pass.
  const [nodes, setNodes] = useState<ClientNode[]>(model.nodes);
  const [merged, setMerged] = useState(model.nodes);
  if (merged !== model.nodes) {
    const before = new Map(merged.map((n) => [n.id, n]));
    const state = new Map(nodes.map((n) => [n.id, n]));
    setMerged(model.nodes);
    setNodes(
      model.nodes.map((n) => {
        const o = state.get(n.id);
        if (!o) return n;
        if (before.get(n.id) === n) return o;
        return { ...n, measured: o.measured, selected: o.selected };
      }),
    );
  }

  // The first fit is React Flow's own (the fitView prop: nodes have known sizes, so it happens
  // on the first frame); a client arriving or leaving later fits again.
  const nodeCount = model.nodes.length;
  const fitted = useRef(0);
  useEffect(() => {
    if (nodeCount === 0) return;
    if (fitted.current !== 0 && fitted.current !== nodeCount) void flow.fitView(fit);
    fitted.current = nodeCount;
  }, [nodeCount, flow, fit]);

  const onNodesChange = useCallback(
    (changes: NodeChange<ClientNode>[]) => {
      setNodes((ns) => applyNodeChanges(changes, ns));
      const moved: Record<string, { x: number; y: number }> = {};
      for (const c of changes)
        if (c.type === 'position' && c.position && c.dragging === false) moved[c.id] = c.position;
      if (Object.keys(moved).length) setPositions(moved);
    },
    [setPositions],
  );
  const onEdgesChange = useCallback(
    (changes: EdgeChange<PatchEdge>[]) => {
      let next: Set<string> | undefined;
      for (const c of changes) {
        if (c.type !== 'select') continue;
        next ??= new Set(selectedEdges);
        if (c.selected) next.add(c.id);
        else next.delete(c.id);
      }
      if (next) selectEdges(next);
    },
    [selectedEdges, selectEdges],
  );
  const onConnect = useCallback(
    (c: Connection) => {
      if (c.sourceHandle && c.targetHandle) void patch('connect', c.sourceHandle, c.targetHandle);
    },
    [patch],
  );
  const isValidConnection = useCallback(
    (c: Connection | PatchEdge) =>
      !!graph &&
      !!c.sourceHandle &&
      !!c.targetHandle &&
      canConnect(graph, c.sourceHandle, c.targetHandle),
    [graph],
  );
  // Delete asks the hub; the cord goes away when JACK reports it gone.
  const onBeforeDelete = useCallback(
    async ({ edges }: { nodes: ClientNode[]; edges: PatchEdge[] }) => {
      for (const e of edges) if (e.data) void patch('disconnect', e.data.source, e.data.dest);
      return false;
    },
    [patch],
  );

  // Touch has no Delete key: a selected cord gets a Disconnect button in the toolbar.
  const selected = model.edges.filter((e) => selectedEdges.has(e.id) && e.data);
  const disconnectSelected = () => {
    for (const e of selected) if (e.data) void patch('disconnect', e.data.source, e.data.dest);
  };

  return (
    <div className="pb-canvas" data-testid="patchbay-canvas">
      <div className="pb-flow">
        <ReactFlow<ClientNode, PatchEdge>
          nodes={nodes}
          edges={model.edges}
          nodeTypes={nodeTypes}
          onNodesChange={onNodesChange}
          onEdgesChange={onEdgesChange}
          onConnect={onConnect}
          isValidConnection={isValidConnection}
          onBeforeDelete={onBeforeDelete}
          nodesConnectable={isHost}
          edgesFocusable
          elementsSelectable
          deleteKeyCode={isHost ? ['Delete', 'Backspace'] : null}
          colorMode="dark"
          fitView
          fitViewOptions={fit}
          zoomOnPinch
          panOnDrag
          connectOnClick
          minZoom={0.2}
          maxZoom={2.5}
          proOptions={{ hideAttribution: true }}
          defaultEdgeOptions={{ interactionWidth: 24 }}
        >
          <Background gap={24} size={1} />
          <Controls showInteractive={false} position="bottom-left" />
          <MiniMap pannable zoomable nodeClassName={(n) => `mm-${(n as ClientNode).data.role}`} />
        </ReactFlow>
      </div>
      <div className="pb-toolbar">
        <button
          type="button"
          className="ghost small"
          onClick={() => {
            resetLayout();
            setTimeout(() => void flow.fitView(fit), 0);
          }}
        >
          Auto layout
        </button>
        <button type="button" className="ghost small" onClick={() => void flow.fitView(fit)}>
          Fit view
        </button>
        {isHost && selected.length > 0 && (
          <button type="button" className="danger small" onClick={disconnectSelected}>
            Disconnect {selected.length === 1 ? 'cord' : `${selected.length} cords`}
          </button>
        )}
      </div>
    </div>
  );
}
