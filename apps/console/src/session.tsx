import type { RouterOutputs } from '@evently/sdk';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, useContext, useEffect, useMemo, useState } from 'react';
import { evently, onSignedOut, trpc } from './api.js';

type User = RouterOutputs['auth']['me'];
type Membership = RouterOutputs['organizations']['mine'][number];

export interface SessionState {
  /** Undefined while the stored session is being checked. */
  user: User | null | undefined;
  memberships: Membership[];
  /** The organization the console works in (the switcher's choice, kept across reloads). */
  organization: Membership | undefined;
  chooseOrganization(id: string): void;
  signIn(email: string, password: string): Promise<void>;
  signOut(): Promise<void>;
}

const SessionContext = createContext<SessionState | undefined>(undefined);
const CHOSEN = 'evently.console.organization';

export function SessionProvider({ children }: { children: ReactNode }) {
  const queries = useQueryClient();
  const [hasTokens, setHasTokens] = useState<boolean | undefined>(undefined);
  const [chosen, setChosen] = useState(() => localStorage.getItem(CHOSEN) ?? undefined);

  useEffect(() => {
    void evently.session.tokens().then((tokens) => setHasTokens(tokens !== null));
    const unsubscribe = evently.session.onChange((tokens) => setHasTokens(tokens !== null));
    const unsignal = onSignedOut(() => queries.clear());
    return () => {
      unsubscribe();
      unsignal();
    };
  }, [queries]);

  const me = useQuery({ ...trpc.auth.me.queryOptions(), enabled: hasTokens === true });
  const mine = useQuery({ ...trpc.organizations.mine.queryOptions(), enabled: hasTokens === true });

  const value = useMemo<SessionState>(() => {
    const memberships = mine.data ?? [];
    const user = hasTokens === false ? null : me.isError ? null : me.data;
    return {
      user: hasTokens === undefined ? undefined : user,
      memberships,
      organization:
        memberships.find((m) => m.organization.id === chosen) ?? memberships[0] ?? undefined,
      chooseOrganization(id) {
        localStorage.setItem(CHOSEN, id);
        setChosen(id);
      },
      async signIn(email, password) {
        await evently.session.login({ email, password });
        await queries.invalidateQueries();
      },
      async signOut() {
        await evently.session.logout().catch(() => evently.session.setTokens(null));
        queries.clear();
      },
    };
  }, [hasTokens, me.data, me.isError, mine.data, chosen, queries]);

  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}
