// Contact editing helpers (pure).

export interface FieldRow {
  key: string;
  value: string;
}

export function fieldRows(fields: Record<string, unknown> | undefined): FieldRow[] {
  return Object.entries(fields ?? {}).map(([key, v]) => ({
    key,
    value: typeof v === "string" ? v : JSON.stringify(v),
  }));
}

/**
 * The custom_fields change for PATCH: changed and new fields with their value,
 * removed (or renamed away) fields as null — the server merges.
 */
export function customFieldsPatch(before: Record<string, unknown> | undefined, rows: FieldRow[]): Record<string, string | null> {
  const patch: Record<string, string | null> = {};
  const kept = new Set<string>();
  for (const r of rows) {
    const key = r.key.trim();
    if (!key) continue;
    kept.add(key);
    const old = before?.[key];
    const oldText = old === undefined ? undefined : typeof old === "string" ? old : JSON.stringify(old);
    if (oldText !== r.value) patch[key] = r.value;
  }
  for (const key of Object.keys(before ?? {})) if (!kept.has(key)) patch[key] = null;
  return patch;
}

