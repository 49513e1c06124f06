import type { ReactNode } from "react";
import { LanguageSwitcher, useI18n } from "../i18n/I18nProvider";

export function AuthLayout({ title, children, footer }: { title: string; children: ReactNode; footer: ReactNode }) {
  const { t } = useI18n();
  return (
    <div className="flex min-h-dvh flex-col items-center justify-center bg-gradient-to-b from-brand-700 to-brand-500 px-4 py-10">
      <div className="w-full max-w-sm">
        <div className="mb-6 text-center text-white">
          <div className="text-3xl font-bold tracking-tight">{t("app.name")}</div>
          <div className="text-sm text-white/80">{t("app.tagline")}</div>
        </div>
        <div className="rounded-2xl bg-white p-6 shadow-xl">
          <h1 className="mb-4 text-xl font-semibold text-gray-900">{title}</h1>
          {children}
        </div>
        <div className="mt-4 flex items-center justify-between text-sm text-white">
          <div>{footer}</div>
          <LanguageSwitcher className="text-gray-900" />
        </div>
      </div>
    </div>
  );
}
