// The pieces of two-factor shared by the sign-in flow and Settings → Security:
// setting up an authenticator app (QR code, the key to type by hand, the
// first code) and the recovery codes shown once.

import { lazy, Suspense, useEffect, useRef, useState, type FormEvent } from "react";
import { useI18n } from "../../i18n/I18nProvider";
import { describeError } from "../../lib/errors";
import { cleanCode, CODE_DIGITS, groupSecret, recoveryCodesText, type TwoFactorSetup } from "../../lib/security";
import { Button, ErrorText } from "../Field";
import { saveBlob } from "../../lib/download";

// The QR encoder loads with the setup step only, not with every sign-in page.
const QrCode = lazy(() => import("./QrCode"));

/** Saves text as a file through a temporary link. */
function saveText(text: string, name: string) {
  saveBlob(new Blob([text], { type: "text/plain;charset=utf-8" }), name);
}

/** Copies `text`; says "Copied" for a moment (or nothing when the browser refuses). */
export function CopyButton({ text, label, testId }: { text: string; label: string; testId?: string }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState(false);
  const timer = useRef<number | null>(null);
  useEffect(
    () => () => {
      if (timer.current !== null) window.clearTimeout(timer.current);
    },
    [],
  );
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
      if (timer.current !== null) window.clearTimeout(timer.current);
      timer.current = window.setTimeout(() => setCopied(false), 2000);
    } catch {
      // No clipboard (an insecure origin, or refused): the text is on screen to select.
    }
  }
  return (
    <Button variant="secondary" onClick={() => void copy()} data-testid={testId} aria-live="polite">
      {copied ? t("common.copied") : label}
    </Button>
  );
}

/** The code box: digits only, six of them, the phone's one-time-code keyboard. */
export function CodeField({
  value,
  onChange,
  label,
  testId,
  autoFocus = false,
}: {
  value: string;
  onChange: (v: string) => void;
  label: string;
  testId: string;
  autoFocus?: boolean;
}) {
  return (
    <div>
      <label htmlFor={testId} className="mb-1 block text-sm font-medium text-gray-700">
        {label}
      </label>
      <input
        id={testId}
        name="code"
        inputMode="numeric"
        autoComplete="one-time-code"
        pattern="[0-9]*"
        maxLength={CODE_DIGITS + 2}
        autoFocus={autoFocus}
        value={value}
        onChange={(e) => onChange(cleanCode(e.target.value))}
        placeholder="123456"
        data-testid={testId}
        className="block w-40 rounded-lg border border-gray-300 bg-white px-3 py-2 font-mono text-lg tracking-[0.3em] text-gray-900 shadow-sm outline-none focus:border-brand-500 focus:ring-2 focus:ring-brand-100"
      />
    </div>
  );
}

/**
 * Setting up an authenticator app: the QR code of the otpauth:// URI (and the
 * URI as a link, for a phone), the key grouped for typing, and the first
 * code, which turns two-factor on. `onEnable` throws to show an error here.
 */
export function TwoFactorSetupForm({
  setup,
  onEnable,
  onCancel,
  compact = false,
}: {
  setup: TwoFactorSetup;
  onEnable: (code: string) => Promise<void>;
  onCancel?: () => void;
  /** The sign-in card is narrow: a smaller QR code. */
  compact?: boolean;
}) {
  const { t } = useI18n();
  const [code, setCode] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const live = useRef(true);
  useEffect(
    () => () => {
      live.current = false;
    },
    [],
  );

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (code.length !== CODE_DIGITS) return;
    setBusy(true);
    setError(null);
    try {
      await onEnable(code);
    } catch (err) {
      if (live.current) {
        setError(describeError(err, t));
        setCode("");
      }
    } finally {
      if (live.current) setBusy(false);
    }
  }

  const qrBox = compact ? "h-44 w-44" : "h-52 w-52";
  return (
    <form onSubmit={onSubmit} className="space-y-4" data-testid="twofa-setup" noValidate>
      <ol className="space-y-4 text-sm text-gray-700">
        <li className="space-y-2">
          <p>
            <span className="font-semibold">1.</span> {t("security.twofa.scan")}
          </p>
          <div className="flex flex-wrap items-start gap-4">
            <Suspense fallback={<div className={`${qrBox} animate-pulse rounded-lg bg-gray-100`} aria-hidden="true" />}>
              <QrCode value={setup.otpauth_uri} label={t("security.twofa.qrLabel")} className={`${qrBox} rounded-lg border border-gray-200 p-1`} testId="twofa-qr" />
            </Suspense>
            <a href={setup.otpauth_uri} className="text-sm font-medium text-brand-700 underline sm:hidden" data-testid="twofa-uri">
              {t("security.twofa.openApp")}
            </a>
          </div>
        </li>
        <li className="space-y-2">
          <p>{t("security.twofa.manual")}</p>
          <div className="flex flex-wrap items-center gap-2">
            <code
              className="select-all rounded-md bg-gray-100 px-2 py-1 font-mono text-sm tracking-wider text-gray-900"
              data-testid="twofa-secret"
              data-secret={setup.secret}
            >
              {groupSecret(setup.secret)}
            </code>
            <CopyButton text={setup.secret} label={t("security.twofa.copyKey")} testId="twofa-secret-copy" />
          </div>
        </li>
        <li className="space-y-2">
          <p>
            <span className="font-semibold">2.</span> {t("security.twofa.enterCode")}
          </p>
          <CodeField value={code} onChange={setCode} label={t("security.twofa.codeLabel")} testId="twofa-code" />
        </li>
      </ol>
      <ErrorText testId="twofa-error">{error}</ErrorText>
      <div className="flex flex-wrap gap-2">
        <Button type="submit" disabled={busy || code.length !== CODE_DIGITS} data-testid="twofa-enable">
          {busy ? t("security.twofa.checking") : t("security.twofa.enable")}
        </Button>
        {onCancel && (
          <Button variant="secondary" onClick={onCancel} disabled={busy} data-testid="twofa-cancel">
            {t("common.cancel")}
          </Button>
        )}
      </div>
    </form>
  );
}

/**
 * The recovery codes, shown once: copy them, download them, and say they are
 * kept before going on.
 */
export function RecoveryCodes({ codes, email, onDone, doneLabel }: { codes: readonly string[]; email: string | null; onDone: () => void; doneLabel: string }) {
  const { t } = useI18n();
  const [saved, setSaved] = useState(false);
  const text = recoveryCodesText(codes, email, t("security.recovery.fileHeading"));
  return (
    <div className="space-y-3" data-testid="recovery-codes" data-count={codes.length}>
      <p className="text-sm text-gray-700">{t("security.recovery.intro")}</p>
      <ol className="grid grid-cols-2 gap-x-4 gap-y-1 rounded-lg border border-gray-200 bg-gray-50 p-3 font-mono text-sm text-gray-900">
        {codes.map((c) => (
          <li key={c} data-testid="recovery-code" className="select-all">
            {c}
          </li>
        ))}
      </ol>
      <div className="flex flex-wrap gap-2">
        <CopyButton text={text} label={t("security.recovery.copy")} testId="recovery-codes-copy" />
        <Button variant="secondary" onClick={() => saveText(text, "whatsflow-recovery-codes.txt")} data-testid="recovery-codes-download">
          {t("security.recovery.download")}
        </Button>
      </div>
      <label className="flex cursor-pointer items-start gap-2 text-sm text-gray-700">
        <input
          type="checkbox"
          checked={saved}
          onChange={(e) => setSaved(e.target.checked)}
          className="mt-0.5 h-4 w-4 rounded border-gray-300 accent-brand-600"
          data-testid="recovery-codes-saved"
        />
        <span>{t("security.recovery.saved")}</span>
      </label>
      <Button onClick={onDone} disabled={!saved} data-testid="recovery-codes-done">
        {doneLabel}
      </Button>
    </div>
  );
}
