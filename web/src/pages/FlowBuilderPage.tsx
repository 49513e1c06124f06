// The flow builder: a React Flow canvas of the flow's nodes and edges, a
// palette to drag new nodes from, and a side panel to edit the selected node,
// the trigger, or to test the saved flow. Save and Activate show the server's
// FLOW_INVALID details on the nodes and edges they name.

import {
  Background,
  Controls,
  MarkerType,
  MiniMap,
  ReactFlow,
  ReactFlowProvider,
  useEdgesState,
  useNodesInitialized,
  useNodesState,
  useReactFlow,
  type Connection,
  type Edge,
  type NodeTypes,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import "../components/flow/flow.css";
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { useAuth } from "../auth/AuthProvider";
import { CanvasInfoContext, FlowNodeCard, type CanvasInfo, type CanvasNode } from "../components/flow/FlowNodeCard";
import { NodeEditor } from "../components/flow/NodeEditor";
import { DRAG_TYPE, Palette } from "../components/flow/Palette";
import { RunsPanel } from "../components/flow/RunsPanel";
import { TestPanel } from "../components/flow/TestPanel";
import { triggerTakesValue, TriggerPanel } from "../components/flow/TriggerPanel";
import { PlanLink } from "../components/plan/PlanBits";
import { Badge, Button, useErrorText } from "../components/ui";
import { useI18n } from "../i18n/I18nProvider";
import { ApiError } from "../lib/api";
import {
  connect,
  defaultData,
  freeSpot,
  hasHandle,
  isNodeType,
  issuesFrom,
  NODE_TYPES,
  NO_ISSUES,
  nextId,
  runsByNode,
  startNodeId,
  toFlowData,
  withStart,
  type Issues,
} from "../lib/flow";
import { isPlanRefusal } from "../lib/plans";
import type { Flow, FlowAnalytics, FlowData, FlowNodeType, FlowSettings, FlowStatus, Page, TemplateFull, User } from "../lib/types";
import { useSequences } from "../lib/useSequences";
import { humanizeServerText } from "../lib/errors";

const nodeTypes: NodeTypes = Object.fromEntries(NODE_TYPES.map((type) => [type, FlowNodeCard]));
const NODE_WIDTH = 224;

type Tab = "node" | "trigger" | "test" | "runs";

const DEFAULT_SETTINGS: FlowSettings = {
  name: "",
  trigger_type: "keyword",
  trigger_value: "",
  trigger_match: "exact",
  priority: 0,
  pause_on_agent_reply: true,
};

function settingsOf(f: Flow): FlowSettings {
  return {
    name: f.name,
    trigger_type: f.trigger_type,
    trigger_value: f.trigger_value ?? "",
    trigger_match: f.trigger_match ?? "exact",
    priority: f.priority ?? 0,
    pause_on_agent_reply: f.pause_on_agent_reply ?? true,
  };
}

function snapshotOf(settings: FlowSettings, nodes: CanvasNode[], edges: Edge[]): string {
  return JSON.stringify({ settings, flow: toFlowData(nodes, edges) });
}

export const STATUS_TONE: Record<FlowStatus, "gray" | "green" | "amber"> = { draft: "gray", active: "green", inactive: "amber" };

function Builder() {
  const { id: routeId } = useParams();
  const isNew = !routeId || routeId === "new";
  const { t } = useI18n();
  const { api } = useAuth();
  const navigate = useNavigate();
  const errorText = useErrorText();
  const rf = useReactFlow<CanvasNode, Edge>();
  const canvasRef = useRef<HTMLDivElement>(null);

  const [flow, setFlow] = useState<Flow | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [loading, setLoading] = useState(!isNew);
  const [settings, setSettings] = useState<FlowSettings>(DEFAULT_SETTINGS);
  const [nodes, setNodes, onNodesChange] = useNodesState<CanvasNode>([]);
  const [edges, setEdges, onEdgesChange] = useEdgesState<Edge>([]);
  const [saved, setSaved] = useState(() => snapshotOf(DEFAULT_SETTINGS, [], []));
  const [issues, setIssues] = useState<Issues>(NO_ISSUES);
  // plan: the server refused because of the plan (402 PLAN_LIMIT on a new flow): the notice links the Plan page.
  const [notice, setNotice] = useState<{ tone: "ok" | "error"; text: string; plan?: boolean } | null>(null);
  const [busy, setBusy] = useState<"save" | "status" | null>(null);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [tab, setTab] = useState<Tab>("trigger");
  const [analytics, setAnalytics] = useState<FlowAnalytics | null>(null);
  const [testPath, setTestPath] = useState<Set<string>>(new Set());
  const [users, setUsers] = useState<User[]>([]);
  const [templates, setTemplates] = useState<TemplateFull[] | null>(null);
  // The tenant's drip sequences: enrol nodes pick one and show its name.
  const sequences = useSequences();
  const sequenceNames = useMemo(() => new Map((sequences ?? []).map((d) => [d.id, d.name])), [sequences]);
  // Fit a loaded flow into view once its nodes are measured; a new one keeps its viewport as nodes are dropped.
  const [fitOnInit] = useState(!isNew);
  const nodesMeasured = useNodesInitialized();
  const fitted = useRef(false);
  useEffect(() => {
    if (!fitOnInit || fitted.current || !nodesMeasured) return;
    fitted.current = true;
    void rf.fitView({ padding: 0.15, maxZoom: 1 });
  }, [fitOnInit, nodesMeasured, rf]);

  // Load the flow (not when the id just changed because we created it).
  useEffect(() => {
    if (isNew || (flow && flow.id === routeId)) return;
    let live = true;
    setLoading(true);
    setLoadError(null);
    api
      .get<Flow>(`/flows/${routeId}`)
      .then((f) => {
        if (!live) return;
        const s = settingsOf(f);
        const ns: CanvasNode[] = (f.flow_data?.nodes ?? []).map((n) => ({ id: n.id, type: n.type, position: n.position ?? { x: 0, y: 0 }, data: n.data ?? {} }));
        const es: Edge[] = (f.flow_data?.edges ?? []).map((e) => ({ id: e.id, source: e.source, target: e.target, sourceHandle: e.sourceHandle ?? null }));
        setFlow(f);
        setSettings(s);
        setNodes(ns);
        setEdges(es);
        setSaved(snapshotOf(s, ns, es));
        setTab(ns.length ? "node" : "trigger");
      })
      .catch((e: unknown) => live && setLoadError(errorText(e)))
      .finally(() => live && setLoading(false));
    api
      .get<FlowAnalytics>(`/flows/${routeId}/analytics`)
      .then((a) => live && setAnalytics(a))
      .catch(() => {
        // The canvas works without counts.
      });
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [routeId, isNew, api]);

  // The team (assign nodes) and approved templates (template nodes).
  useEffect(() => {
    let live = true;
    api
      .get<Page<User>>("/users", { limit: 100 })
      .then((p) => live && setUsers(p.data))
      .catch(() => {});
    api
      .get<Page<TemplateFull>>("/templates", { status: "APPROVED", limit: 100 })
      .then((p) => live && setTemplates(p.data))
      .catch(() => live && setTemplates([]));
    return () => {
      live = false;
    };
  }, [api]);

  const current = snapshotOf(settings, nodes, edges);
  const dirty = current !== saved;

  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [dirty]);

  const startId = useMemo(() => startNodeId(nodes, edges), [nodes, edges]);
  const info = useMemo<CanvasInfo>(
    () => ({ issues, visits: runsByNode(analytics?.visits), drops: runsByNode(analytics?.drop_off), testPath, startId, sequenceNames }),
    [issues, analytics, testPath, startId, sequenceNames],
  );

  const displayEdges = useMemo(
    () =>
      edges.map((e): Edge => {
        const problems = issues.edges.get(e.id);
        if (!problems) return e;
        return {
          ...e,
          className: "edge-invalid",
          label: problems.join("; "),
          style: { stroke: "#dc2626", strokeWidth: 2 },
          labelStyle: { fill: "#b91c1c", fontSize: 11 },
          labelBgStyle: { fill: "#fef2f2" },
        };
      }),
    [edges, issues],
  );

  const selected = nodes.find((n) => n.id === selectedId) ?? null;

  // ---- editing ----

  const addNode = useCallback(
    (type: FlowNodeType, position: { x: number; y: number }) => {
      const id = nextId(`${type}_`, nodes.map((n) => n.id));
      const node: CanvasNode = { id, type, position, data: defaultData(type), selected: true };
      setNodes((ns) => [...ns.map((n) => (n.selected ? { ...n, selected: false } : n)), node]);
      setSelectedId(id);
      setTab("node");
    },
    [nodes, setNodes],
  );

  const addAtCentre = (type: FlowNodeType) => {
    const box = canvasRef.current?.getBoundingClientRect();
    const centre = box ? rf.screenToFlowPosition({ x: box.left + box.width / 2, y: box.top + box.height / 2 }) : { x: 0, y: 0 };
    addNode(type, freeSpot({ x: centre.x - NODE_WIDTH / 2, y: centre.y - 40 }, nodes));
  };

  const onDragOver = (e: DragEvent) => {
    if (e.dataTransfer.types.includes(DRAG_TYPE)) {
      e.preventDefault();
      e.dataTransfer.dropEffect = "move";
    }
  };
  const onDrop = (e: DragEvent) => {
    const type = e.dataTransfer.getData(DRAG_TYPE);
    if (!isNodeType(type)) return;
    e.preventDefault();
    const p = rf.screenToFlowPosition({ x: e.clientX, y: e.clientY });
    addNode(type, { x: p.x - NODE_WIDTH / 2, y: p.y - 20 });
  };

  const onConnect = useCallback(
    (c: Connection) => {
      if (!c.source || !c.target || c.source === c.target) return;
      const handle = c.sourceHandle ?? null;
      const existing = new Set(edges.map((e) => e.id));
      let id = `e_${c.source}_${handle ?? "out"}_${c.target}`;
      for (let n = 2; existing.has(id); n++) id = `e_${c.source}_${handle ?? "out"}_${c.target}_${n}`;
      setEdges((es) => connect(es, { id, source: c.source, target: c.target, sourceHandle: handle }));
    },
    [edges, setEdges],
  );

  const updateData = (id: string, type: string, data: FlowData) => {
    setNodes((ns) => ns.map((n) => (n.id === id ? { ...n, data } : n)));
    // A removed button, row or rule takes its edge with it.
    setEdges((es) => es.filter((e) => e.source !== id || hasHandle(type, data, e.sourceHandle)));
  };

  const setStart = (id: string, on: boolean) => setNodes((ns) => withStart(ns, id, on));

  const deleteNode = (id: string) => {
    void rf.deleteElements({ nodes: [{ id }] });
    setSelectedId(null);
    setTab("trigger");
  };

  const focusNode = (id: string) => {
    const n = nodes.find((x) => x.id === id);
    if (!n) return;
    setNodes((ns) => ns.map((x) => ({ ...x, selected: x.id === id })));
    setSelectedId(id);
    setTab("node");
    void rf.setCenter(n.position.x + NODE_WIDTH / 2, n.position.y + 60, { zoom: 1, duration: 300 });
  };

  // ---- saving ----

  function bodyOf(): Record<string, unknown> {
    return {
      ...settings,
      name: settings.name.trim() || t("flow.untitled"),
      trigger_value: triggerTakesValue(settings.trigger_type) ? (settings.trigger_value ?? "").trim() || null : null,
      flow_data: toFlowData(nodes, edges),
    };
  }

  function showFailure(e: unknown) {
    if (e instanceof ApiError && e.code === "FLOW_INVALID") {
      // The server's words, without its notation (backticks, paths), at the nodes and edges they are about.
      const found = issuesFrom(
        e.details.map((d) => ({ ...d, message: humanizeServerText(d.message) })),
        humanizeServerText(e.message),
      );
      setIssues(found);
      setNotice({ tone: "error", text: t("flow.invalid", { count: found.count }) });
    } else {
      setNotice({ tone: "error", text: errorText(e), plan: isPlanRefusal(e) });
      // A refused trigger (no keyword, a bad regex…) is fixed on the Trigger tab.
      if (e instanceof ApiError && /trigger/i.test(e.message)) setTab("trigger");
    }
  }

  async function save(): Promise<Flow | null> {
    setBusy("save");
    setNotice(null);
    const snapshot = current;
    try {
      const body = bodyOf();
      const f = flow ? await api.patch<Flow>(`/flows/${flow.id}`, body) : await api.post<Flow>("/flows", body);
      setFlow(f);
      if (!settings.name.trim()) setSettings((s) => ({ ...s, name: f.name }));
      setSaved(settings.name.trim() ? snapshot : snapshotOf({ ...settings, name: f.name }, nodes, edges));
      setIssues(NO_ISSUES);
      setNotice({ tone: "ok", text: t("flow.saved", { version: f.version }) });
      if (!flow) navigate(`/flows/${f.id}`, { replace: true });
      return f;
    } catch (e) {
      showFailure(e);
      return null;
    } finally {
      setBusy(null);
    }
  }

  async function changeStatus(status: FlowStatus) {
    let target = flow;
    if (!target || dirty) {
      target = await save();
      if (!target) return;
    }
    setBusy("status");
    try {
      const f = await api.patch<Flow>(`/flows/${target.id}/status`, { status });
      setFlow(f);
      setIssues(NO_ISSUES);
      setNotice({ tone: "ok", text: status === "active" ? t("flow.activated") : t("flow.deactivated") });
    } catch (e) {
      showFailure(e);
    } finally {
      setBusy(null);
    }
  }

  if (loading) return <p className="p-6 text-center text-sm text-gray-500">{t("common.loading")}</p>;
  if (loadError)
    return (
      <div className="p-6 text-center text-sm">
        <p className="mb-2 text-red-700" role="alert">
          {loadError}
        </p>
        <Link to="/flows" className="text-brand-700 underline">
          {t("flow.backToList")}
        </Link>
      </div>
    );

  const status: FlowStatus = flow?.status ?? "draft";
  const issueItems: { key: string; nodeId?: string; text: string }[] = [
    ...issues.general.map((m, i) => ({ key: `g${i}`, text: m })),
    ...[...issues.nodes].flatMap(([nodeId, ms]) => ms.map((m, i) => ({ key: `n${nodeId}${i}`, nodeId, text: `${nodeId}: ${m}` }))),
    ...[...issues.edges].flatMap(([edgeId, ms]) => ms.map((m, i) => ({ key: `e${edgeId}${i}`, text: `${edgeId}: ${m}` }))),
  ];

  return (
    <div className="flex h-full flex-col" data-testid="flow-builder">
      <div className="flex flex-wrap items-center gap-2 border-b border-gray-200 bg-white px-3 py-2">
        <Link to="/flows" className="rounded-md px-1.5 py-1 text-sm text-gray-600 hover:bg-gray-100" aria-label={t("flow.backToList")}>
          ← <span className="hidden sm:inline">{t("nav.flows")}</span>
        </Link>
        <input
          value={settings.name}
          onChange={(e) => setSettings({ ...settings, name: e.target.value })}
          placeholder={t("flow.namePlaceholder")}
          aria-label={t("flow.name")}
          data-testid="flow-name"
          className="min-w-0 flex-1 rounded-md border border-transparent px-2 py-1 text-base font-semibold hover:border-gray-300 focus:border-brand-500 focus:outline-none sm:max-w-xs"
        />
        <Badge tone={STATUS_TONE[status]} testId="flow-status">
          {t(`flow.status.${status}`)}
        </Badge>
        {flow && <span className="text-xs text-gray-500" data-testid="flow-version">v{flow.version}</span>}
        {dirty && <span className="text-xs text-amber-700" data-testid="flow-dirty">{t("flow.unsaved")}</span>}
        <div className="ml-auto flex items-center gap-2">
          <Button variant="secondary" onClick={() => void save()} disabled={busy !== null || (!dirty && !!flow)} data-testid="flow-save">
            {busy === "save" ? t("flow.saving") : t("flow.save")}
          </Button>
          {status === "active" ? (
            <Button variant="secondary" onClick={() => void changeStatus("inactive")} disabled={busy !== null} data-testid="flow-deactivate">
              {t("flow.deactivate")}
            </Button>
          ) : (
            <Button onClick={() => void changeStatus("active")} disabled={busy !== null || nodes.length === 0} data-testid="flow-activate">
              {dirty || !flow ? t("flow.saveActivate") : t("flow.activate")}
            </Button>
          )}
        </div>
      </div>
      {notice && (
        <div
          role={notice.tone === "error" ? "alert" : "status"}
          data-testid="flow-notice"
          className={`flex items-center justify-between gap-2 px-3 py-1.5 text-sm ${notice.tone === "error" ? "bg-red-50 text-red-800" : "bg-brand-50 text-brand-700"}`}
        >
          <span>
            {notice.text}
            {notice.plan && (
              <>
                {" "}
                <PlanLink />
              </>
            )}
          </span>
          <button type="button" className="text-xs underline" onClick={() => setNotice(null)}>
            {t("common.dismiss")}
          </button>
        </div>
      )}
      {issueItems.length > 0 && (
        <ul className="max-h-28 space-y-0.5 overflow-y-auto border-b border-red-200 bg-red-50 px-3 py-1.5 text-xs text-red-800" data-testid="flow-issues">
          {issueItems.map((item) => (
            <li key={item.key}>
              {item.nodeId ? (
                <button type="button" className="text-left underline decoration-dotted" onClick={() => focusNode(item.nodeId!)}>
                  {item.text}
                </button>
              ) : (
                item.text
              )}
            </li>
          ))}
        </ul>
      )}
      <div className="flex min-h-0 flex-1 flex-col lg:flex-row">
        <aside className="shrink-0 border-b border-gray-200 bg-white lg:w-44 lg:border-r lg:border-b-0">
          <Palette onAdd={addAtCentre} />
        </aside>
        <div ref={canvasRef} className="relative min-h-[50vh] flex-1 bg-gray-50 lg:min-h-0" onDragOver={onDragOver} onDrop={onDrop} data-testid="flow-canvas">
          <CanvasInfoContext.Provider value={info}>
            <ReactFlow<CanvasNode, Edge>
              nodes={nodes}
              edges={displayEdges}
              nodeTypes={nodeTypes}
              onNodesChange={onNodesChange}
              onEdgesChange={onEdgesChange}
              onConnect={onConnect}
              isValidConnection={(c) => c.source !== c.target}
              onNodeClick={(_, n) => {
                setSelectedId(n.id);
                setTab("node");
              }}
              onPaneClick={() => setSelectedId(null)}
              onNodesDelete={(deleted) => deleted.some((n) => n.id === selectedId) && setSelectedId(null)}
              deleteKeyCode={["Backspace", "Delete"]}
              defaultEdgeOptions={{ markerEnd: { type: MarkerType.ArrowClosed, width: 18, height: 18 } }}
              minZoom={0.2}
              maxZoom={1.5}
            >
              <Background gap={16} />
              <Controls showInteractive={false} />
              <MiniMap pannable zoomable className="!hidden md:!block" />
            </ReactFlow>
          </CanvasInfoContext.Provider>
          {nodes.length === 0 && (
            <div className="pointer-events-none absolute inset-0 flex items-center justify-center p-6">
              <p className="max-w-sm rounded-lg bg-white/90 p-4 text-center text-sm text-gray-600 shadow-sm" data-testid="canvas-empty">
                {t("flow.canvasEmpty")}
              </p>
            </div>
          )}
          {analytics && (
            <div className="pointer-events-none absolute top-2 left-2 rounded-md bg-white/90 px-2 py-1 text-xs text-gray-600 shadow-sm" data-testid="flow-analytics">
              {t("flow.analyticsLine", {
                starts: analytics.starts,
                completions: analytics.completions,
                rate: Math.round((analytics.completion_rate ?? 0) * 100),
              })}
            </div>
          )}
        </div>
        <aside className="flex max-h-[70vh] shrink-0 flex-col border-t border-gray-200 bg-white lg:max-h-none lg:w-80 lg:border-t-0 lg:border-l">
          <div className="flex border-b border-gray-200" role="tablist">
            {(["node", "trigger", "test", "runs"] as const).map((k) => (
              <button
                key={k}
                type="button"
                role="tab"
                aria-selected={tab === k}
                data-testid={`flow-tab-${k}`}
                onClick={() => setTab(k)}
                className={`flex-1 px-2 py-2 text-sm font-medium ${tab === k ? "border-b-2 border-brand-600 text-brand-700" : "text-gray-500 hover:text-gray-700"}`}
              >
                {t(`flow.tab.${k}`)}
              </button>
            ))}
          </div>
          <div className="min-h-0 flex-1 overflow-y-auto p-3">
            {tab === "node" &&
              (selected ? (
                <NodeEditor
                  key={selected.id}
                  id={selected.id}
                  type={selected.type ?? "message"}
                  data={selected.data}
                  nodeIds={nodes.map((n) => n.id)}
                  isStart={selected.data.start === true}
                  issues={issues.nodes.get(selected.id) ?? []}
                  users={users}
                  templates={templates}
                  sequences={sequences}
                  onChange={(d) => updateData(selected.id, selected.type ?? "message", d)}
                  onStart={(on) => setStart(selected.id, on)}
                  onDelete={() => deleteNode(selected.id)}
                />
              ) : (
                <p className="text-sm text-gray-600">{t("flow.selectNode")}</p>
              ))}
            {tab === "trigger" && <TriggerPanel settings={settings} onChange={setSettings} />}
            {tab === "test" && (
              <TestPanel
                flowId={flow?.id ?? null}
                dirty={dirty}
                saving={busy !== null}
                onSave={() => void save()}
                onPath={(p) => setTestPath(new Set(p))}
              />
            )}
            {tab === "runs" && <RunsPanel flowId={flow?.id ?? null} onPath={(p) => setTestPath(new Set(p))} />}
          </div>
        </aside>
      </div>
    </div>
  );
}

export default function FlowBuilderPage() {
  return (
    <ReactFlowProvider>
      <Builder />
    </ReactFlowProvider>
  );
}
