import type { ReactNode } from "react";
import { BrowserRouter, Navigate, Route, Routes, useLocation } from "react-router";
import { AuthProvider, useAuth } from "./auth/AuthProvider";
import { Shell } from "./components/Shell";
import { I18nProvider, useI18n } from "./i18n/I18nProvider";
import { InboxProvider } from "./inbox/InboxProvider";
import { canOpen } from "./lib/nav";
import { ChannelsPage } from "./pages/ChannelsPage";
import { ContactsPage } from "./pages/ContactsPage";
import { InboxPage } from "./pages/InboxPage";
import { LoginPage } from "./pages/LoginPage";
import { RegisterPage } from "./pages/RegisterPage";

function RequireAuth() {
  const { user } = useAuth();
  const location = useLocation();
  if (!user) return <Navigate to="/login" replace state={{ from: location.pathname }} />;
  return (
    <InboxProvider key={user.id}>
      <Shell />
    </InboxProvider>
  );
}

function PublicOnly({ children }: { children: ReactNode }) {
  const { user } = useAuth();
  return user ? <Navigate to="/inbox" replace /> : <>{children}</>;
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
  return <>{children}</>;
}

export function App() {
  return (
    <I18nProvider>
      <AuthProvider>
        <BrowserRouter>
          <Routes>
            <Route path="/login" element={<PublicOnly><LoginPage /></PublicOnly>} />
            <Route path="/register" element={<PublicOnly><RegisterPage /></PublicOnly>} />
            <Route element={<RequireAuth />}>
              <Route path="/inbox/:conversationId?" element={<InboxPage />} />
              <Route path="/contacts" element={<RoleGate><ContactsPage /></RoleGate>} />
              <Route path="/settings/channels" element={<RoleGate><ChannelsPage /></RoleGate>} />
              <Route path="/settings" element={<Navigate to="/settings/channels" replace />} />
            </Route>
            <Route path="*" element={<Navigate to="/inbox" replace />} />
          </Routes>
        </BrowserRouter>
      </AuthProvider>
    </I18nProvider>
  );
}
