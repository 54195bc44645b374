import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { trpc } from '../api.js';
import { ErrorNote, Field, Page, Tag } from '../components/ui.js';
import { useSession } from '../session.js';

/** Where a signed-in person lands: their organizations, and making one (organizers, admins). */
export function OrganizationsHome() {
  const session = useSession();
  const queries = useQueryClient();
  const [name, setName] = useState('');
  const create = useMutation(
    trpc.organizations.create.mutationOptions({
      onSuccess: async (organization) => {
        setName('');
        await queries.invalidateQueries(trpc.organizations.mine.queryFilter());
        session.chooseOrganization(organization.id);
      },
    }),
  );
  const mayCreate = session.user?.role === 'organizer' || session.user?.role === 'admin';
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ name });
  };
  return (
    <Page title="Organizations">
      {session.memberships.length === 0 ? (
        <p>You belong to no organization yet.</p>
      ) : (
        <table>
          <caption>Your organizations</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Your role</th>
              <th scope="col">
                <span className="visually-hidden">Working in</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {session.memberships.map((m) => (
              <tr key={m.organization.id}>
                <td>{m.organization.name}</td>
                <td>{m.role}</td>
                <td>
                  {session.organization?.organization.id === m.organization.id ? (
                    <Tag tone="info">current</Tag>
                  ) : (
                    <button
                      type="button"
                      onClick={() => session.chooseOrganization(m.organization.id)}
                    >
                      Work in {m.organization.name}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {mayCreate && (
        <form className="inline-form" onSubmit={submit}>
          <h2>New organization</h2>
          <Field label="Name">
            {({ id }) => (
              <input id={id} required value={name} onChange={(e) => setName(e.target.value)} />
            )}
          </Field>
          <ErrorNote error={create.error} />
          <button type="submit" className="primary" disabled={create.isPending}>
            Create organization
          </button>
        </form>
      )}
    </Page>
  );
}
