import { useCallback, useEffect, useRef, useState } from "react";
import { Link, useNavigate } from "react-router";
import { useAuth } from "../auth/AuthProvider";
import { ErrorText } from "../components/Field";
import { useRuleWords } from "../components/segments/ruleWords";
import { Button, ConfirmButton, EmptyRow, PageHeader, useErrorText } from "../components/ui";
import { useI18n } from "../i18n/I18nProvider";
import type { SegmentView } from "../lib/api";
import type { ChannelView } from "../lib/apiTypes";
import { describeRule } from "../lib/segments";
import type { Page } from "../lib/types";

/**
 * Saved segments with their members counted now (`GET /contacts/segments`).
 * Admins create, edit and delete them (a segment a draft or scheduled
 * campaign uses cannot be deleted: the server's 409 says which); agents look.
 */
export function SegmentsPage() {
  const { t, lang } = useI18n();
  const { api, user } = useAuth();
  const errorText = useErrorText();
  const navigate = useNavigate();
  const canEdit = user?.role !== "agent";
  const [rows, setRows] = useState<SegmentView[] | null>(null);
  const [channels, setChannels] = useState<ChannelView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busyId, setBusyId] = useState<string | null>(null);
  const request = useRef(0);
  const words = useRuleWords(channels);
  const num = new Intl.NumberFormat(lang.locale);
  const date = new Intl.DateTimeFormat(lang.locale, { dateStyle: "medium", timeStyle: "short" });

  const load = useCallback(() => {
    const req = ++request.current;
    api
      .get<{ data: SegmentView[] }>("/contacts/segments")
      .then((res) => {
        if (req !== request.current) return;
        setRows(res.data);
      })
      .catch((e: unknown) => {
        if (req === request.current) setError(errorText(e));
      });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api]);

  useEffect(() => load(), [load]);

  // Channel conditions are worded with the number's name.
  useEffect(() => {
    let live = true;
    api
      .get<Page<ChannelView>>("/channels")
      .then((p) => live && setChannels(p.data))
      .catch(() => live && setChannels([]));
    return () => {
      live = false;
    };
  }, [api]);

  async function remove(s: SegmentView) {
    setBusyId(s.id);
    setError(null);
    try {
      await api.delete(`/contacts/segments/${encodeURIComponent(s.id)}`);
      setRows((r) => r?.filter((x) => x.id !== s.id) ?? r);
    } catch (e) {
      // 409 SEGMENT_IN_USE: the server's message names the campaigns.
      setError(`${s.name}: ${errorText(e)}`);
    } finally {
      setBusyId(null);
    }
  }

  return (
    <div className="h-full overflow-y-auto">
      <div className="mx-auto max-w-6xl p-4">
        <PageHeader title={t("segments.title")} subtitle={t("segments.intro")}>
          {canEdit && (
            <Button onClick={() => navigate("/segments/new")} data-testid="segment-new">
              + {t("segments.new")}
            </Button>
          )}
        </PageHeader>
        {!canEdit && (
          <p className="mb-3 rounded-lg bg-gray-50 px-3 py-2 text-sm text-gray-600" data-testid="segments-read-only">
            {t("segments.readOnly")}
          </p>
        )}
        <ErrorText testId="segments-error">{error}</ErrorText>
        <div className="mt-3 overflow-x-auto rounded-xl border border-gray-200 bg-white">
          <table className="w-full text-left text-sm" data-testid="segments-table">
            <thead className="bg-gray-50 text-xs uppercase text-gray-500">
              <tr>
                <th className="px-4 py-2 font-medium">{t("segments.col.name")}</th>
                <th className="hidden px-4 py-2 font-medium md:table-cell">{t("segments.col.rule")}</th>
                <th className="px-4 py-2 text-right font-medium">{t("segments.col.members")}</th>
                <th className="hidden px-4 py-2 font-medium lg:table-cell">{t("segments.col.updated")}</th>
                {canEdit && <th className="px-4 py-2 text-right font-medium">{t("segments.col.actions")}</th>}
              </tr>
            </thead>
            <tbody>
              {rows?.map((s) => (
                <tr key={s.id} className="border-t border-gray-100 align-top hover:bg-gray-50" data-testid="segment-row" data-segment-id={s.id}>
                  <td className="px-4 py-2">
                    <Link to={`/segments/${s.id}`} className="font-medium text-brand-700 hover:underline" data-testid="segment-row-name">
                      {s.name}
                    </Link>
                  </td>
                  <td className="hidden max-w-md px-4 py-2 text-xs text-gray-600 md:table-cell" data-testid="segment-row-rule">
                    {describeRule(s.rule, words)}
                  </td>
                  <td className="px-4 py-2 text-right font-semibold tabular-nums" data-testid="segment-row-count" data-value={s.contacts}>
                    {num.format(s.contacts)}
                  </td>
                  <td className="hidden px-4 py-2 text-gray-500 lg:table-cell">{date.format(new Date(s.updated_at))}</td>
                  {canEdit && (
                    <td className="whitespace-nowrap px-4 py-2 text-right">
                      <Link to={`/segments/${s.id}`} className="rounded-md px-2 py-1 text-sm text-gray-700 hover:bg-gray-100" data-testid="segment-edit">
                        {t("common.edit")}
                      </Link>
                      <ConfirmButton
                        label={t("common.delete")}
                        confirmLabel={t("common.confirmDelete")}
                        disabled={busyId === s.id}
                        onConfirm={() => remove(s)}
                        testId="segment-delete"
                      />
                    </td>
                  )}
                </tr>
              ))}
              {rows && rows.length === 0 && (
                <EmptyRow colSpan={canEdit ? 5 : 4}>
                  {t("segments.empty")}
                </EmptyRow>
              )}
            </tbody>
          </table>
          {rows === null && !error && <p className="p-4 text-center text-sm text-gray-500">{t("common.loading")}</p>}
        </div>
      </div>
    </div>
  );
}
