import { lazy, Suspense, type ReactNode } from "react";
import { BrowserRouter, Navigate, Route, Routes, useLocation } from "react-router";
import { AuthProvider, useAuth } from "./auth/AuthProvider";
import { UserLanguage } from "./auth/UserLanguage";
import { Shell } from "./components/Shell";
import { I18nProvider, useI18n } from "./i18n/I18nProvider";
import { InboxProvider } from "./inbox/InboxProvider";
import { canOpen, homeFor } from "./lib/nav";
import { AccountDeletionProvider } from "./plan/AccountDeletionProvider";
import { AccountPlanProvider } from "./plan/AccountPlanProvider";
import { WalletProvider } from "./plan/WalletProvider";
import { InboxPage } from "./pages/InboxPage";
import { LoginPage } from "./pages/LoginPage";
import { RegisterPage } from "./pages/RegisterPage";
import { SettingsLayout } from "./pages/SettingsLayout";

// Admin pages load when first opened (React Flow alone is large); agents never fetch them.
const FlowBuilderPage = lazy(() => import("./pages/FlowBuilderPage"));
const FlowsPage = lazy(() => import("./pages/FlowsPage").then((m) => ({ default: m.FlowsPage })));
const TemplatesPage = lazy(() => import("./pages/TemplatesPage").then((m) => ({ default: m.TemplatesPage })));
const DashboardPage = lazy(() => import("./pages/DashboardPage").then((m) => ({ default: m.DashboardPage })));
const ContactsPage = lazy(() => import("./pages/ContactsPage").then((m) => ({ default: m.ContactsPage })));
const SegmentsPage = lazy(() => import("./pages/SegmentsPage").then((m) => ({ default: m.SegmentsPage })));
const SegmentEditorPage = lazy(() => import("./pages/SegmentEditorPage"));
const TeamPage = lazy(() => import("./pages/TeamPage").then((m) => ({ default: m.TeamPage })));
const ApiKeysPage = lazy(() => import("./pages/ApiKeysPage").then((m) => ({ default: m.ApiKeysPage })));
const WebhooksPage = lazy(() => import("./pages/WebhooksPage").then((m) => ({ default: m.WebhooksPage })));
const TeamsPage = lazy(() => import("./pages/TeamsPage").then((m) => ({ default: m.TeamsPage })));
const CannedRepliesPage = lazy(() => import("./pages/CannedRepliesPage").then((m) => ({ default: m.CannedRepliesPage })));
const AutomationsPage = lazy(() => import("./pages/AutomationsPage").then((m) => ({ default: m.AutomationsPage })));
const BusinessHoursPage = lazy(() => import("./pages/BusinessHoursPage").then((m) => ({ default: m.BusinessHoursPage })));
const ServiceSettingsPage = lazy(() => import("./pages/ServiceSettingsPage").then((m) => ({ default: m.ServiceSettingsPage })));
const ReportsPage = lazy(() => import("./pages/ReportsPage").then((m) => ({ default: m.ReportsPage })));
const CampaignsPage = lazy(() => import("./pages/CampaignsPage").then((m) => ({ default: m.CampaignsPage })));
const CampaignWizardPage = lazy(() => import("./pages/CampaignWizardPage"));
const CampaignDetailPage = lazy(() => import("./pages/CampaignDetailPage"));
// Drip sequences: a campaign type of their own pages.
const SequencesPage = lazy(() => import("./pages/SequencesPage").then((m) => ({ default: m.SequencesPage })));
const SequenceEditorPage = lazy(() => import("./pages/SequenceEditorPage"));
const SequenceDetailPage = lazy(() => import("./pages/SequenceDetailPage"));
const ChannelsPage = lazy(() => import("./pages/ChannelsPage").then((m) => ({ default: m.ChannelsPage })));
const PlanPage = lazy(() => import("./pages/PlanPage").then((m) => ({ default: m.PlanPage })));
const UsagePage = lazy(() => import("./pages/UsagePage").then((m) => ({ default: m.UsagePage })));
const WalletPage = lazy(() => import("./pages/WalletPage").then((m) => ({ default: m.WalletPage })));
const BillingPage = lazy(() => import("./pages/BillingPage").then((m) => ({ default: m.BillingPage })));
const PrivacyPage = lazy(() => import("./pages/PrivacyPage").then((m) => ({ default: m.PrivacyPage })));
const SecurityPage = lazy(() => import("./pages/SecurityPage").then((m) => ({ default: m.SecurityPage })));
// The pages mailed links open (and "Forgot password?"): signed in or not.
const ForgotPasswordPage = lazy(() => import("./pages/ForgotPasswordPage").then((m) => ({ default: m.ForgotPasswordPage })));
const ResetPasswordPage = lazy(() => import("./pages/ResetPasswordPage").then((m) => ({ default: m.ResetPasswordPage })));
const VerifyEmailPage = lazy(() => import("./pages/VerifyEmailPage").then((m) => ({ default: m.VerifyEmailPage })));
const AcceptInvitePage = lazy(() => import("./pages/AcceptInvitePage").then((m) => ({ default: m.AcceptInvitePage })));
const AuditLogPage = lazy(() => import("./pages/AuditLogPage").then((m) => ({ default: m.AuditLogPage })));
// The platform console: only super-admins open (and fetch) it.
const AdminLayout = lazy(() => import("./pages/AdminLayout").then((m) => ({ default: m.AdminLayout })));
const AdminCustomersPage = lazy(() => import("./pages/AdminCustomersPage").then((m) => ({ default: m.AdminCustomersPage })));
const AdminSettingsPage = lazy(() => import("./pages/AdminSettingsPage").then((m) => ({ default: m.AdminSettingsPage })));
const AdminPlansPage = lazy(() => import("./pages/AdminPlansPage").then((m) => ({ default: m.AdminPlansPage })));
const AdminAuditPage = lazy(() => import("./pages/AuditLogPage").then((m) => ({ default: m.AdminAuditPage })));
const AdminPartnersPage = lazy(() => import("./pages/AdminPartnersPage").then((m) => ({ default: m.AdminPartnersPage })));
const AdminAffiliatesPage = lazy(() => import("./pages/AdminAffiliatesPage").then((m) => ({ default: m.AdminAffiliatesPage })));
const AdminPayoutsPage = lazy(() => import("./pages/AdminPayoutsPage").then((m) => ({ default: m.AdminPayoutsPage })));
// The referral programme: anyone signed in joins and follows their earnings (shown among the settings).
const AffiliatePage = lazy(() => import("./pages/AffiliatePage").then((m) => ({ default: m.AffiliatePage })));
// White-label partners: their area (partners' admins only) and the public application page.
const PartnerLayout = lazy(() => import("./pages/PartnerLayout").then((m) => ({ default: m.PartnerLayout })));
const PartnerClientsPage = lazy(() => import("./pages/PartnerClientsPage").then((m) => ({ default: m.PartnerClientsPage })));
const PartnerBrandingPage = lazy(() => import("./pages/PartnerBrandingPage").then((m) => ({ default: m.PartnerBrandingPage })));
const PartnerDomainsPage = lazy(() => import("./pages/PartnerDomainsPage").then((m) => ({ default: m.PartnerDomainsPage })));
const PartnerPricesPage = lazy(() => import("./pages/PartnerPricesPage").then((m) => ({ default: m.PartnerPricesPage })));
const PartnerStatementsPage = lazy(() => import("./pages/PartnerStatementsPage").then((m) => ({ default: m.PartnerStatementsPage })));
const PartnerApplyPage = lazy(() => import("./pages/PartnerApplyPage").then((m) => ({ default: m.PartnerApplyPage })));

function Loading() {
  const { t } = useI18n();
  return <p className="p-6 text-center text-sm text-gray-500">{t("common.loading")}</p>;
}

function RequireAuth() {
  const { user } = useAuth();
  const location = useLocation();
  if (!user) return <Navigate to="/login" replace state={{ from: location.pathname }} />;
  return (
    <InboxProvider key={user.id}>
      <AccountPlanProvider key={user.id}>
        <AccountDeletionProvider key={user.id}>
          <WalletProvider key={user.id}>
            <Shell />
          </WalletProvider>
        </AccountDeletionProvider>
      </AccountPlanProvider>
    </InboxProvider>
  );
}

function PublicOnly({ children }: { children: ReactNode }) {
  const { user } = useAuth();
  return user ? <Navigate to={homeFor(user.role)} replace /> : <>{children}</>;
}

/** An unknown path: the user's home (operators: the console), or the login page. */
function Home() {
  const { user } = useAuth();
  return <Navigate to={user ? homeFor(user.role) : "/login"} replace />;
}

function RoleGate({ children }: { children: ReactNode }) {
  const { user } = useAuth();
  const { t } = useI18n();
  const location = useLocation();
  if (!canOpen(user?.role, location.pathname)) {
    return (
      <p className="p-6 text-center text-sm text-gray-600" data-testid="forbidden">
        {t("error.forbidden")}
      </p>
    );
  }
  return <Suspense fallback={<Loading />}>{children}</Suspense>;
}

export function App() {
  return (
    <I18nProvider>
      <AuthProvider>
        <UserLanguage />
        <BrowserRouter>
          <Routes>
            <Route path="/login" element={<PublicOnly><LoginPage /></PublicOnly>} />
            <Route path="/register" element={<PublicOnly><RegisterPage /></PublicOnly>} />
            <Route path="/partner/apply" element={<PublicOnly><Suspense fallback={<Loading />}><PartnerApplyPage /></Suspense></PublicOnly>} />
            <Route path="/forgot-password" element={<Suspense fallback={<Loading />}><ForgotPasswordPage /></Suspense>} />
            <Route path="/reset-password" element={<Suspense fallback={<Loading />}><ResetPasswordPage /></Suspense>} />
            <Route path="/verify-email" element={<Suspense fallback={<Loading />}><VerifyEmailPage /></Suspense>} />
            <Route path="/accept-invite" element={<Suspense fallback={<Loading />}><AcceptInvitePage /></Suspense>} />
            <Route element={<RequireAuth />}>
              <Route path="/inbox/:conversationId?" element={<InboxPage />} />
              <Route path="/dashboard" element={<RoleGate><DashboardPage /></RoleGate>} />
              <Route path="/reports" element={<RoleGate><ReportsPage /></RoleGate>} />
              <Route path="/contacts" element={<RoleGate><ContactsPage /></RoleGate>} />
              <Route path="/segments" element={<RoleGate><SegmentsPage /></RoleGate>} />
              <Route path="/segments/new" element={<RoleGate><SegmentEditorPage /></RoleGate>} />
              <Route path="/segments/:id" element={<RoleGate><SegmentEditorPage /></RoleGate>} />
              <Route path="/flows" element={<RoleGate><FlowsPage /></RoleGate>} />
              <Route path="/flows/:id" element={<RoleGate><FlowBuilderPage /></RoleGate>} />
              <Route path="/templates" element={<RoleGate><TemplatesPage /></RoleGate>} />
              <Route path="/campaigns" element={<RoleGate><CampaignsPage /></RoleGate>} />
              <Route path="/campaigns/new" element={<RoleGate><CampaignWizardPage /></RoleGate>} />
              <Route path="/campaigns/:id/edit" element={<RoleGate><CampaignWizardPage /></RoleGate>} />
              <Route path="/campaigns/:id" element={<RoleGate><CampaignDetailPage /></RoleGate>} />
              <Route path="/sequences" element={<RoleGate><SequencesPage /></RoleGate>} />
              <Route path="/sequences/new" element={<RoleGate><SequenceEditorPage /></RoleGate>} />
              <Route path="/sequences/:id/edit" element={<RoleGate><SequenceEditorPage /></RoleGate>} />
              <Route path="/sequences/:id" element={<RoleGate><SequenceDetailPage /></RoleGate>} />
              <Route path="/settings" element={<RoleGate><SettingsLayout /></RoleGate>}>
                <Route index element={<Navigate to="/settings/channels" replace />} />
                <Route path="channels" element={<Suspense fallback={<Loading />}><ChannelsPage /></Suspense>} />
                <Route path="team" element={<Suspense fallback={<Loading />}><TeamPage /></Suspense>} />
                <Route path="teams" element={<Suspense fallback={<Loading />}><TeamsPage /></Suspense>} />
                <Route path="canned-replies" element={<Suspense fallback={<Loading />}><CannedRepliesPage /></Suspense>} />
                <Route path="automations" element={<Suspense fallback={<Loading />}><AutomationsPage /></Suspense>} />
                <Route path="business-hours" element={<Suspense fallback={<Loading />}><BusinessHoursPage /></Suspense>} />
                <Route path="service" element={<Suspense fallback={<Loading />}><ServiceSettingsPage /></Suspense>} />
                <Route path="api-keys" element={<Suspense fallback={<Loading />}><ApiKeysPage /></Suspense>} />
                <Route path="webhooks" element={<Suspense fallback={<Loading />}><WebhooksPage /></Suspense>} />
                <Route path="plan" element={<Suspense fallback={<Loading />}><PlanPage /></Suspense>} />
                <Route path="usage" element={<Suspense fallback={<Loading />}><UsagePage /></Suspense>} />
                <Route path="wallet" element={<Suspense fallback={<Loading />}><WalletPage /></Suspense>} />
                <Route path="billing" element={<Suspense fallback={<Loading />}><BillingPage /></Suspense>} />
                <Route path="audit" element={<Suspense fallback={<Loading />}><AuditLogPage /></Suspense>} />
                <Route path="security" element={<Suspense fallback={<Loading />}><SecurityPage /></Suspense>} />
                <Route path="privacy" element={<Suspense fallback={<Loading />}><PrivacyPage /></Suspense>} />
              </Route>
              <Route path="/affiliate" element={<RoleGate><SettingsLayout /></RoleGate>}>
                <Route index element={<Suspense fallback={<Loading />}><AffiliatePage /></Suspense>} />
              </Route>
              <Route path="/admin" element={<RoleGate><AdminLayout /></RoleGate>}>
                <Route index element={<Suspense fallback={<Loading />}><AdminCustomersPage /></Suspense>} />
                <Route path="plans" element={<Suspense fallback={<Loading />}><AdminPlansPage /></Suspense>} />
                <Route path="partners" element={<Suspense fallback={<Loading />}><AdminPartnersPage /></Suspense>} />
                <Route path="affiliates" element={<Suspense fallback={<Loading />}><AdminAffiliatesPage /></Suspense>} />
                <Route path="payouts" element={<Suspense fallback={<Loading />}><AdminPayoutsPage /></Suspense>} />
                <Route path="audit" element={<Suspense fallback={<Loading />}><AdminAuditPage /></Suspense>} />
                <Route path="settings" element={<Suspense fallback={<Loading />}><AdminSettingsPage /></Suspense>} />
              </Route>
              <Route path="/partner" element={<RoleGate><PartnerLayout /></RoleGate>}>
                <Route index element={<Navigate to="/partner/clients" replace />} />
                <Route path="clients" element={<Suspense fallback={<Loading />}><PartnerClientsPage /></Suspense>} />
                <Route path="branding" element={<Suspense fallback={<Loading />}><PartnerBrandingPage /></Suspense>} />
                <Route path="domains" element={<Suspense fallback={<Loading />}><PartnerDomainsPage /></Suspense>} />
                <Route path="prices" element={<Suspense fallback={<Loading />}><PartnerPricesPage /></Suspense>} />
                <Route path="statements" element={<Suspense fallback={<Loading />}><PartnerStatementsPage /></Suspense>} />
              </Route>
            </Route>
            <Route path="*" element={<Home />} />
          </Routes>
        </BrowserRouter>
      </AuthProvider>
    </I18nProvider>
  );
}
