import { useEffect, useRef, useState, type FormEvent } from "react";
import { useAuth } from "../auth/AuthProvider";
import { useBrand } from "../brand/BrandProvider";
import { ErrorText } from "../components/Field";
import { BrandPreview } from "../components/partners/BrandPreview";
import { Button, Labeled, TextInput, inputClass, useErrorText } from "../components/ui";
import { useI18n } from "../i18n/I18nProvider";
import type { MessageKey } from "../i18n/translate";
import { normalizeHex, PLATFORM_BRAND, readBranding, whiteTextReadable } from "../lib/brand";
import {
  brandingBody,
  brandingForm,
  previewImage,
  PRODUCT_NAME_MAX,
  readBrandImage,
  type Branding,
  type BrandingField,
  type BrandingForm,
  type ImageChange,
  type ImageProblem,
} from "../lib/partners";
import { useFormError, type FieldFixes } from "../lib/useFormError";
import { usePartner } from "../partner/PartnerContext";

const FIELDS: readonly BrandingField[] = ["product_name", "colors.primary", "colors.accent", "support_email", "support_url", "terms_url", "privacy_url", "logo", "favicon"];
const FIXES: Record<BrandingField, MessageKey> = {
  product_name: "partner.branding.fix.name",
  "colors.primary": "partner.branding.fix.color",
  "colors.accent": "partner.branding.fix.color",
  support_email: "partner.branding.fix.email",
  support_url: "partner.branding.fix.url",
  terms_url: "partner.branding.fix.url",
  privacy_url: "partner.branding.fix.url",
  logo: "partner.branding.fix.image",
  favicon: "partner.branding.fix.image",
};
const SERVER_FIXES: FieldFixes = { ...FIXES, primary: "partner.branding.fix.color", accent: "partner.branding.fix.color", colors: "partner.branding.fix.color" };

/**
 * A colour: the browser's picker and the "#rrggbb" text side by side, and a
 * warning when white words (buttons, the top bar) would be hard to read on it.
 */
function ColorField({ label, hint, value, onChange, error, testId }: { label: string; hint: string; value: string; onChange: (v: string) => void; error: string | null; testId: string }) {
  const { t } = useI18n();
  const hex = normalizeHex(value);
  return (
    <div>
      <Labeled label={label} hint={hint} error={error}>
        {(id, described) => (
          <div className="flex items-center gap-2">
            <input type="color" value={hex ?? "#000000"} onChange={(e) => onChange(e.target.value)} aria-label={label} className="h-9 w-12 shrink-0 cursor-pointer rounded border border-gray-300 bg-white p-0.5" data-testid={`${testId}-picker`} />
            <input id={id} value={value} onChange={(e) => onChange(e.target.value)} spellCheck={false} maxLength={7} className={`${inputClass} font-mono`} placeholder="#16a34a" data-testid={testId} {...described} />
          </div>
        )}
      </Labeled>
      {hex && !whiteTextReadable(hex) && (
        <p role="status" className="mt-1 rounded-md border border-amber-200 bg-amber-50 px-2 py-1 text-xs text-amber-900" data-testid={`${testId}-contrast`}>
          {t("partner.branding.lowContrast")}
        </p>
      )}
    </div>
  );
}

/** A logo or favicon: the stored image (or the new one), a file to replace it, and Remove. */
function ImageField({
  label,
  hint,
  change,
  stored,
  onChange,
  error,
  testId,
}: {
  label: string;
  hint: string;
  change: ImageChange;
  stored: string | null;
  onChange: (c: ImageChange) => void;
  error: string | null;
  testId: string;
}) {
  const { t } = useI18n();
  const input = useRef<HTMLInputElement>(null);
  const [problem, setProblem] = useState<ImageProblem | null>(null);
  const shown = previewImage(change, stored);

  async function pick(file: File | undefined) {
    if (!file) return;
    const read = await readBrandImage(file);
    if ("problem" in read) {
      setProblem(read.problem);
    } else {
      setProblem(null);
      onChange({ kind: "replace", dataUrl: read.dataUrl });
    }
    if (input.current) input.current.value = "";
  }

  const problemText = problem === "size" ? t("partner.branding.imageTooLarge") : problem === "type" ? t("partner.branding.imageType") : null;
  return (
    <Labeled label={label} hint={hint} error={problemText ?? error}>
      {(id, described) => (
        <div className="flex flex-wrap items-center gap-3">
          <div className="flex h-14 w-24 items-center justify-center rounded-lg border border-dashed border-gray-300 bg-gray-50" data-testid={`${testId}-current`} data-state={change.kind}>
            {shown ? <img src={shown} alt="" className="max-h-12 max-w-20 object-contain" /> : <span className="text-xs text-gray-400">{t("partner.branding.noImage")}</span>}
          </div>
          <input
            ref={input}
            id={id}
            type="file"
            accept="image/png,image/jpeg,image/webp,image/x-icon,.ico"
            onChange={(e) => void pick(e.target.files?.[0])}
            className="block max-w-full text-sm text-gray-700 file:mr-2 file:rounded-md file:border-0 file:bg-brand-50 file:px-3 file:py-1.5 file:text-sm file:font-medium file:text-brand-700"
            data-testid={testId}
            {...described}
          />
          {shown && (
            <button type="button" onClick={() => onChange(stored ? { kind: "remove" } : { kind: "keep" })} className="rounded-md px-2 py-1 text-sm text-red-700 hover:bg-red-50" data-testid={`${testId}-remove`}>
              {t("partner.branding.removeImage")}
            </button>
          )}
          {change.kind !== "keep" && (
            <button type="button" onClick={() => onChange({ kind: "keep" })} className="rounded-md px-2 py-1 text-sm text-gray-600 hover:bg-gray-100" data-testid={`${testId}-undo`}>
              {t("partner.branding.undoImage")}
            </button>
          )}
        </div>
      )}
    </Labeled>
  );
}

/**
 * Partner → Branding: the product name, colours, logo and favicon, support
 * and legal links its clients see on the partner's hosts, with a preview as
 * it is typed. Saved, the app on the partner's own host takes it at once.
 */
export function PartnerBrandingPage() {
  const { t } = useI18n();
  const { api } = useAuth();
  const { partner } = usePartner();
  const { brand: current, reload: reloadBrand } = useBrand();
  const errorText = useErrorText();
  const problem = useFormError(FIELDS, undefined, SERVER_FIXES);
  const [stored, setStored] = useState<Branding | null>(null);
  const [form, setForm] = useState<BrandingForm | null>(null);
  const [invalid, setInvalid] = useState<BrandingField | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    api
      .get<Branding>("/partner/branding")
      .then((b) => {
        const read = readBranding(b);
        setStored(read);
        setForm(brandingForm(read));
      })
      .catch((e: unknown) => setLoadError(errorText(e)));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api]);

  if (!form || !stored) {
    return (
      <div data-testid="partner-branding" data-state={loadError ? "error" : "loading"}>
        <ErrorText testId="branding-error">{loadError}</ErrorText>
        {!loadError && <p className="p-4 text-center text-sm text-gray-500">{t("common.loading")}</p>}
      </div>
    );
  }

  const update = (patch: Partial<BrandingForm>) => {
    setForm({ ...form, ...patch });
    setSaved(false);
    setInvalid(null);
  };
  const fieldError = (f: BrandingField) => (invalid === f ? t(FIXES[f]) : problem.field(f));

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!form || busy) return;
    const parsed = brandingBody(form);
    if ("field" in parsed) {
      setInvalid(parsed.field);
      return;
    }
    setBusy(true);
    problem.clear();
    try {
      const next = readBranding(await api.put<Branding>("/partner/branding", parsed.body));
      setStored(next);
      setForm(brandingForm(next));
      setSaved(true);
      // On the partner's own host the app wears the brand: it changes at once.
      if (current.partner_id === partner.id) await reloadBrand();
    } catch (err) {
      problem.fail(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_20rem]" data-testid="partner-branding" data-state="ready">
      <form ref={problem.formRef} onSubmit={(e) => void submit(e)} className="space-y-4" noValidate>
        <p className="text-sm text-gray-600">{t("partner.branding.intro")}</p>
        <TextInput
          label={t("partner.branding.name")}
          hint={t("partner.branding.nameHint", { max: PRODUCT_NAME_MAX, platform: PLATFORM_BRAND.product_name })}
          value={form.product_name}
          maxLength={PRODUCT_NAME_MAX}
          onChange={(e) => update({ product_name: e.target.value })}
          error={fieldError("product_name")}
          data-testid="branding-name"
        />
        <div className="grid gap-4 sm:grid-cols-2">
          <ColorField
            label={t("partner.branding.primary")}
            hint={t("partner.branding.primaryHint")}
            value={form.primary}
            onChange={(v) => update({ primary: v })}
            error={fieldError("colors.primary")}
            testId="branding-primary"
          />
          <ColorField
            label={t("partner.branding.accent")}
            hint={t("partner.branding.accentHint")}
            value={form.accent}
            onChange={(v) => update({ accent: v })}
            error={fieldError("colors.accent")}
            testId="branding-accent"
          />
        </div>
        <ImageField
          label={t("partner.branding.logo")}
          hint={t("partner.branding.logoHint")}
          change={form.logo}
          stored={stored.logo_url}
          onChange={(logo) => update({ logo })}
          error={fieldError("logo")}
          testId="branding-logo"
        />
        <ImageField
          label={t("partner.branding.favicon")}
          hint={t("partner.branding.faviconHint")}
          change={form.favicon}
          stored={stored.favicon_url}
          onChange={(favicon) => update({ favicon })}
          error={fieldError("favicon")}
          testId="branding-favicon"
        />
        <div className="grid gap-4 sm:grid-cols-2">
          <TextInput label={t("partner.branding.supportEmail")} type="email" value={form.support_email} onChange={(e) => update({ support_email: e.target.value })} error={fieldError("support_email")} data-testid="branding-support-email" />
          <TextInput label={t("partner.branding.supportUrl")} type="url" placeholder="https://" value={form.support_url} onChange={(e) => update({ support_url: e.target.value })} error={fieldError("support_url")} data-testid="branding-support-url" />
          <TextInput label={t("partner.branding.termsUrl")} type="url" placeholder="https://" value={form.terms_url} onChange={(e) => update({ terms_url: e.target.value })} error={fieldError("terms_url")} data-testid="branding-terms-url" />
          <TextInput label={t("partner.branding.privacyUrl")} type="url" placeholder="https://" value={form.privacy_url} onChange={(e) => update({ privacy_url: e.target.value })} error={fieldError("privacy_url")} data-testid="branding-privacy-url" />
        </div>
        <ErrorText testId="branding-error">{problem.form}</ErrorText>
        {saved && (
          <p role="status" className="rounded-lg bg-brand-50 px-3 py-2 text-sm text-brand-700" data-testid="branding-saved">
            {t("partner.branding.saved")}
          </p>
        )}
        <div className="flex justify-end">
          <Button type="submit" disabled={busy} data-testid="branding-save">
            {busy ? t("common.saving") : t("common.save")}
          </Button>
        </div>
      </form>
      <div className="lg:sticky lg:top-0 lg:self-start">
        <BrandPreview name={form.product_name} primary={form.primary} accent={form.accent} logo={previewImage(form.logo, stored.logo_url)} />
      </div>
    </div>
  );
}
