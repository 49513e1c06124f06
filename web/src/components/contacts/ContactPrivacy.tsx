// A contact's GDPR tools (tenant admins): everything about them as a JSON
// download, and their erasure (message text and media, notes, identity),
// confirmed by typing ERASE.

import { useState, type FormEvent } from "react";
import { useAuth } from "../../auth/AuthProvider";
import { useI18n } from "../../i18n/I18nProvider";
import type { ApiClient } from "../../lib/api";
import { saveBlob } from "../../lib/download";
import { contactExportName, ERASE_WORD, eraseConfirmed, type ErasedCounts } from "../../lib/privacy";
import type { ContactRef } from "../../lib/types";
import { ErrorText } from "../Field";
import { Button, Modal, useErrorText } from "../ui";

/** Downloads a contact's data (`GET /contacts/{id}/export`, a JSON attachment) with the bearer token. */
export async function downloadContactData(api: ApiClient, contactId: string): Promise<void> {
  const file = await api.downloadFile(`/contacts/${encodeURIComponent(contactId)}/export`);
  saveBlob(file.blob, file.filename ?? contactExportName(contactId));
}

/** What an erasure removed, in words. */
export function useErasedText(): (counts: ErasedCounts) => string {
  const { t } = useI18n();
  return (c) =>
    t("gdpr.erased", {
      messages: c.messages,
      notes: c.notes,
      campaignRows: c.campaign_rows,
      webhooks: c.webhooks,
    });
}

/**
 * The strong confirmation of an erasure: what goes, what stays, that it
 * cannot be undone, and ERASE typed out.
 */
export function EraseContactDialog({
  contact,
  label,
  onClose,
  onErased,
}: {
  contact: Pick<ContactRef, "id">;
  /** The contact's name or number, for the title. */
  label: string;
  onClose: () => void;
  onErased: (counts: ErasedCounts) => void;
}) {
  const { t } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const [typed, setTyped] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const ready = eraseConfirmed(typed);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!ready || busy) return;
    setBusy(true);
    setError(null);
    try {
      const res = await api.post<{ erased: ErasedCounts }>(`/contacts/${encodeURIComponent(contact.id)}/erase`);
      onErased(res.erased);
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  }

  return (
    <Modal title={t("gdpr.eraseTitle", { name: label })} onClose={onClose} testId="erase-dialog">
      <form onSubmit={(e) => void submit(e)} className="space-y-3" noValidate>
        <p className="rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm font-medium text-red-800">{t("gdpr.eraseWarning")}</p>
        <div className="text-sm text-gray-700">
          <p className="font-medium">{t("gdpr.eraseGoes")}</p>
          <ul className="mt-1 list-disc space-y-0.5 pl-5">
            <li>{t("gdpr.eraseMessages")}</li>
            <li>{t("gdpr.eraseNotes")}</li>
            <li>{t("gdpr.eraseIdentity")}</li>
            <li>{t("gdpr.eraseCampaigns")}</li>
          </ul>
          <p className="mt-2 font-medium">{t("gdpr.eraseStays")}</p>
          <p className="mt-1">{t("gdpr.eraseKept")}</p>
        </div>
        <div>
          <label htmlFor="erase-confirm" className="mb-1 block text-xs font-medium text-gray-700">
            {t("gdpr.eraseType", { word: ERASE_WORD })}
          </label>
          <input
            id="erase-confirm"
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
            autoComplete="off"
            spellCheck={false}
            className="block w-full rounded-md border border-gray-300 bg-white px-2.5 py-1.5 font-mono text-sm shadow-sm outline-none focus:border-red-500 focus:ring-2 focus:ring-red-100"
            data-testid="erase-confirm-input"
          />
        </div>
        <ErrorText testId="erase-error">{error}</ErrorText>
        <div className="flex justify-end gap-2">
          <Button variant="ghost" onClick={onClose}>
            {t("common.cancel")}
          </Button>
          <button
            type="submit"
            disabled={!ready || busy}
            className="inline-flex items-center justify-center rounded-lg bg-red-600 px-3 py-2 text-sm font-medium text-white hover:bg-red-700 disabled:cursor-not-allowed disabled:bg-red-300"
            data-testid="erase-confirm"
          >
            {busy ? t("gdpr.erasing") : t("gdpr.eraseButton")}
          </button>
        </div>
      </form>
    </Modal>
  );
}

/**
 * The two GDPR actions as a block (the inbox's contact panel): download the
 * contact's data, erase the contact. `onErased` after an erasure (read the
 * contact again).
 */
export function ContactPrivacyActions({ contact, label, erased, onErased }: { contact: Pick<ContactRef, "id">; label: string; erased: boolean; onErased: () => void }) {
  const { t } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const erasedText = useErasedText();
  const [downloading, setDownloading] = useState(false);
  const [asking, setAsking] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);

  async function download() {
    setDownloading(true);
    setError(null);
    try {
      await downloadContactData(api, contact.id);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setDownloading(false);
    }
  }

  return (
    <section className="space-y-2 border-t border-gray-100 pt-3" data-testid="contact-privacy">
      <h3 className="text-xs font-medium uppercase text-gray-500">{t("gdpr.title")}</h3>
      <div className="flex flex-wrap gap-2">
        <button
          type="button"
          onClick={() => void download()}
          disabled={downloading}
          className="rounded-lg border border-gray-300 bg-white px-2 py-1 text-xs font-medium text-gray-700 hover:bg-gray-50 disabled:text-gray-400"
          data-testid="contact-gdpr-export"
        >
          {downloading ? t("gdpr.downloading") : t("gdpr.download")}
        </button>
        {!erased && (
          <button
            type="button"
            onClick={() => setAsking(true)}
            className="rounded-lg border border-red-200 px-2 py-1 text-xs font-medium text-red-700 hover:bg-red-50"
            data-testid="contact-gdpr-erase"
          >
            {t("gdpr.erase")}
          </button>
        )}
      </div>
      {done && (
        <p role="status" className="rounded-lg bg-gray-50 px-2 py-1.5 text-xs text-gray-700" data-testid="contact-erased-notice">
          {done}
        </p>
      )}
      <ErrorText testId="contact-privacy-error">{error}</ErrorText>
      {asking && (
        <EraseContactDialog
          contact={contact}
          label={label}
          onClose={() => setAsking(false)}
          onErased={(counts) => {
            setAsking(false);
            setDone(erasedText(counts));
            onErased();
          }}
        />
      )}
    </section>
  );
}
