import type { FlowNodeType } from "../../lib/types";

const PATHS: Record<FlowNodeType, string> = {
  message: "M4 5h16a1 1 0 011 1v9a1 1 0 01-1 1H9l-5 4V6a1 1 0 011-1z",
  template: "M7 3h8l4 4v13a1 1 0 01-1 1H7a1 1 0 01-1-1V4a1 1 0 011-1zM9 11h6M9 15h6M9 7h3",
  buttons: "M4 5h16v5H4zM4 14h16v5H4z",
  list: "M9 6h11M9 12h11M9 18h11M4.5 6h.01M4.5 12h.01M4.5 18h.01",
  input: "M3 7h18v10H3zM7 10v4",
  condition: "M12 3l9 9-9 9-9-9z",
  delay: "M12 21a9 9 0 100-18 9 9 0 000 18zM12 7v5l3 2",
  api: "M8 7l-5 5 5 5M16 7l5 5-5 5M14 4l-4 16",
  webhook: "M4 12l16-8-6 16-2.5-5.5z",
  assign: "M9 11a4 4 0 100-8 4 4 0 000 8zM2 21a7 7 0 0114 0M19 8v6M16 11h6",
  tag: "M3 3h8l10 10-8 8L3 11zM7.5 7.5h.01",
  set_field: "M4 20h4L19 9l-4-4L4 16zM13 7l4 4",
  enroll: "M4 6h10M4 12h7M4 18h10M17 9l3 3-3 3M11 12h9",
  jump: "M4 17c0-6 4-10 12-10M13 3l4 4-4 4",
  handoff: "M12 12a4 4 0 100-8 4 4 0 000 8zM4 21a8 8 0 0116 0",
  end: "M6 6h12v12H6z",
};

export function NodeIcon({ type, className = "h-4 w-4" }: { type: string; className?: string }) {
  const d = PATHS[type as FlowNodeType] ?? PATHS.message;
  return (
    <svg viewBox="0 0 24 24" className={`shrink-0 ${className}`} fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
      <path d={d} />
    </svg>
  );
}
