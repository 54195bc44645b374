import type { RouterOutputs } from '@evently/sdk';
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { trpc } from '../../api.js';
import { ConfirmButton } from '../../components/confirm-button.js';
import { LoadMore } from '../../components/load-more.js';
import { ErrorNote, Loading, Page, when } from '../../components/ui.js';
import { useSession } from '../../session.js';
import { AdminsOnly, isForbidden } from './access.js';

type DeadLetter = RouterOutputs['system']['mail']['deadLetters']['items'][number];
const WHAT = 'see the mails that could not be sent';

/** Mails whose every try failed (platform admins): sent again one by one, or all. */
export function DeadLettersPage() {
  const { user } = useSession();
  return (
    <Page title="Dead letters">
      {user?.role === 'admin' ? <DeadLetters /> : <AdminsOnly what={WHAT} />}
    </Page>
  );
}

function DeadLetters() {
  const queries = useQueryClient();
  const [notice, setNotice] = useState('');
  const letters = useInfiniteQuery(
    trpc.system.mail.deadLetters.infiniteQueryOptions(
      { limit: 50 },
      { getNextPageParam: (page) => page.nextCursor },
    ),
  );
  const replay = useMutation(
    trpc.system.mail.replay.mutationOptions({
      onSuccess: async ({ replayed }) => {
        setNotice(
          replayed === 0
            ? 'Nothing was replayed: those mails were already sent or replayed.'
            : `${replayed} ${replayed === 1 ? 'mail is' : 'mails are'} back in the send queue, with a fresh set of tries.`,
        );
        await queries.invalidateQueries(trpc.system.mail.deadLetters.pathFilter());
      },
    }),
  );
  if (letters.isPending) return <Loading what="dead letters" />;
  if (letters.isError) {
    return isForbidden(letters.error) ? (
      <AdminsOnly what={WHAT} />
    ) : (
      <ErrorNote error={letters.error} />
    );
  }
  const rows = letters.data.pages.flatMap((page) => page.items);
  return (
    <>
      <p>
        Mails whose every try failed. Replaying one sends it again with a fresh set of tries; a mail
        already sent is never sent twice.
      </p>
      <p className="admin-notice" role="status" aria-live="polite">
        {notice}
      </p>
      <ErrorNote error={replay.error} />
      {rows.length === 0 ? (
        <p>No failed mails: every mail went out.</p>
      ) : (
        <>
          <ConfirmButton
            danger
            label="Replay all"
            subject="failed mails"
            question="Send every failed mail again?"
            confirmLabel="Yes, replay all"
            disabled={replay.isPending}
            onConfirm={() => replay.mutate({ all: true })}
          />
          <table>
            <caption>Failed mails, newest first</caption>
            <thead>
              <tr>
                <th scope="col">To</th>
                <th scope="col">Subject</th>
                <th scope="col">Mail</th>
                <th scope="col" className="num">
                  Tries
                </th>
                <th scope="col">Last error</th>
                <th scope="col">Given up</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((letter) => (
                <LetterRow
                  key={letter.id}
                  letter={letter}
                  disabled={replay.isPending}
                  onReplay={() => replay.mutate({ ids: [letter.id] })}
                />
              ))}
            </tbody>
          </table>
        </>
      )}
      <LoadMore
        noun="dead letters"
        shown={rows.length}
        hasMore={letters.hasNextPage}
        loading={letters.isFetchingNextPage}
        onLoad={() => void letters.fetchNextPage()}
      />
    </>
  );
}

function LetterRow(props: { letter: DeadLetter; disabled: boolean; onReplay: () => void }) {
  const { letter } = props;
  return (
    <tr>
      <th scope="row" className="break">
        {letter.to}
      </th>
      <td>{letter.subject}</td>
      <td>
        <code>{letter.template}</code>
      </td>
      <td className="num">{letter.attempts}</td>
      <td className="break">{letter.lastError ?? '—'}</td>
      <td>{when(letter.deadAt)}</td>
      <td>
        <button type="button" disabled={props.disabled} onClick={props.onReplay}>
          Replay<span className="visually-hidden"> the mail to {letter.to}</span>
        </button>
      </td>
    </tr>
  );
}
