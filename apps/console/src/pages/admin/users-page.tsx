import { type Role, roleSchema, roles } from '@evently/sdk';
import { useInfiniteQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { trpc } from '../../api.js';
import { LoadMore } from '../../components/load-more.js';
import { ErrorNote, Loading, Page } from '../../components/ui.js';
import { useSession } from '../../session.js';
import { AdminsOnly, isForbidden } from './access.js';
import { UserRow } from './user-row.js';

const WHAT = 'manage Evently’s users';

/** Every account (platform admins): searched, filtered by role, roles changed, deactivated. */
export function UsersPage() {
  const { user } = useSession();
  return (
    <Page title="Users">
      {user?.role === 'admin' ? <Users myId={user.id} /> : <AdminsOnly what={WHAT} />}
    </Page>
  );
}

function Users({ myId }: { myId: string }) {
  const [text, setText] = useState('');
  const [filter, setFilter] = useState<{ q?: string; role?: Role }>({});
  const users = useInfiniteQuery(
    trpc.auth.users.list.infiniteQueryOptions(
      { limit: 50, ...filter },
      { getNextPageParam: (page) => page.nextCursor },
    ),
  );
  const search = (event: FormEvent) => {
    event.preventDefault();
    const q = text.trim();
    setFilter(({ role }) => ({ ...(q && { q }), ...(role && { role }) }));
  };
  const rows = users.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <>
      <search aria-label="Users">
        <form className="toolbar" onSubmit={search}>
          <div className="field">
            <label htmlFor="user-search">Name or email</label>
            <input
              id="user-search"
              type="search"
              value={text}
              onChange={(e) => setText(e.target.value)}
            />
          </div>
          <button type="submit">Search</button>
          <div className="field">
            <label htmlFor="user-role">Platform role</label>
            <select
              id="user-role"
              value={filter.role ?? ''}
              onChange={(e) => {
                const role = e.target.value ? roleSchema.parse(e.target.value) : undefined;
                setFilter(({ q }) => ({ ...(q && { q }), ...(role && { role }) }));
              }}
            >
              <option value="">Every role</option>
              {roles.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          </div>
        </form>
      </search>
      {users.isPending ? (
        <Loading what="users" />
      ) : users.isError ? (
        isForbidden(users.error) ? (
          <AdminsOnly what={WHAT} />
        ) : (
          <ErrorNote error={users.error} />
        )
      ) : rows.length === 0 ? (
        <p>No user matches.</p>
      ) : (
        <table>
          <caption>Users{filter.q || filter.role ? ' matching the search' : ''}</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Email</th>
              <th scope="col">Email check</th>
              <th scope="col">Platform role</th>
              <th scope="col">Status</th>
              <th scope="col">Signed up</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((user) => (
              <UserRow key={user.id} user={user} isMe={user.id === myId} />
            ))}
          </tbody>
        </table>
      )}
      <LoadMore
        noun="users"
        shown={rows.length}
        hasMore={users.hasNextPage}
        loading={users.isFetchingNextPage}
        onLoad={() => void users.fetchNextPage()}
      />
    </>
  );
}
