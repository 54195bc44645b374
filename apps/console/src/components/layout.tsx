import { Navigate, NavLink, Outlet, useLocation } from 'react-router';
import { useSession } from '../session.js';
import { Loading } from './ui.js';

/** One entry of the side navigation, given by the page groups (routes.tsx gathers them). */
export interface NavItem {
  to: string;
  label: string;
  /** Shown to admins only (the platform role). */
  admin?: boolean;
}

/** The signed-in frame: navigation, the organization switcher, who is signed in. */
export function Layout({ nav }: { nav: NavItem[] }) {
  const session = useSession();
  const location = useLocation();
  if (session.user === undefined) return <Loading what="your session" />;
  if (session.user === null) {
    return <Navigate to="/sign-in" replace state={{ from: location.pathname }} />;
  }
  const isAdmin = session.user.role === 'admin';
  return (
    <div className="frame">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">Evently</span>
        {session.memberships.length > 0 && (
          <div className="switcher">
            <label htmlFor="organization-switcher">Organization</label>
            <select
              id="organization-switcher"
              value={session.organization?.organization.id ?? ''}
              onChange={(e) => session.chooseOrganization(e.target.value)}
            >
              {session.memberships.map((m) => (
                <option key={m.organization.id} value={m.organization.id}>
                  {m.organization.name} ({m.role})
                </option>
              ))}
            </select>
          </div>
        )}
        <span className="who">{session.user.email}</span>
        <button type="button" className="link" onClick={() => void session.signOut()}>
          Sign out
        </button>
      </header>
      <nav className="sidenav" aria-label="Console">
        <ul>
          {nav
            .filter((item) => !item.admin || isAdmin)
            .map((item) => (
              <li key={item.to}>
                <NavLink to={item.to}>{item.label}</NavLink>
              </li>
            ))}
        </ul>
      </nav>
      <main id="main" className="content" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}
