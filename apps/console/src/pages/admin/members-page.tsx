import { useInfiniteQuery } from '@tanstack/react-query';
import { trpc } from '../../api.js';
import { LoadMore } from '../../components/load-more.js';
import { Loading, Page } from '../../components/ui.js';
import { useSession } from '../../session.js';
import { NoOrganization, OwnersOnly, Refusal, useMayManage } from './access.js';
import { InviteForm } from './invite-form.js';
import { MemberRow } from './member-row.js';

/** The current organization's members and their roles; owners invite, change and remove. */
export function MembersPage() {
  const { organization } = useSession();
  return (
    <Page title="Members">
      {organization ? (
        <Members
          key={organization.organization.id}
          organizationId={organization.organization.id}
          name={organization.organization.name}
        />
      ) : (
        <NoOrganization />
      )}
    </Page>
  );
}

function Members({ organizationId, name }: { organizationId: string; name: string }) {
  const mayManage = useMayManage();
  const members = useInfiniteQuery(
    trpc.organizations.members.list.infiniteQueryOptions(
      { organizationId, limit: 50 },
      { getNextPageParam: (page) => page.nextCursor },
    ),
  );
  if (members.isPending) return <Loading what="members" />;
  if (members.isError) return <Refusal error={members.error} what="see the members" />;
  const rows = members.data.pages.flatMap((page) => page.items);
  return (
    <>
      <table>
        <caption>Members of {name}</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">Joined</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((member) => (
            <MemberRow key={member.userId} member={member} mayManage={mayManage} />
          ))}
        </tbody>
      </table>
      <LoadMore
        noun="members"
        shown={rows.length}
        hasMore={members.hasNextPage}
        loading={members.isFetchingNextPage}
        onLoad={() => void members.fetchNextPage()}
      />
      {mayManage ? (
        <InviteForm organizationId={organizationId} />
      ) : (
        <OwnersOnly what="invite members, change their roles or remove them" />
      )}
    </>
  );
}
