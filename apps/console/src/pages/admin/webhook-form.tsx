import { type WebhookTopic, type WebhookWithSecret, webhookTopics } from '@evently/sdk';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { trpc } from '../../api.js';
import { Field } from '../../components/ui.js';
import { Refusal } from './access.js';
import { CheckboxGroup } from './checkbox-group.js';

const topicHelp: Record<WebhookTopic, string> = {
  'event.published': 'an event went on sale',
  'event.updated': 'an event’s details changed',
  'event.cancelled': 'an event was cancelled',
  'booking.created': 'a booking was made (not paid yet)',
  'booking.confirmed': 'a booking was confirmed',
  'booking.cancelled': 'a booking was cancelled',
  'booking.expired': 'an unpaid booking expired',
  'waitlist.offered': 'a place was offered to someone waiting',
  'ticket.checked_in': 'a ticket was checked in at the door',
};
const topicOptions = webhookTopics.map((topic) => ({
  value: topic,
  label: topic,
  description: topicHelp[topic],
}));

/** A new webhook: its URL, what it hears of, a note; the answer carries its secret once. */
export function WebhookForm(props: {
  organizationId: string;
  onCreated: (made: WebhookWithSecret) => void;
}) {
  const queries = useQueryClient();
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [topics, setTopics] = useState<WebhookTopic[]>([]);
  const [noTopic, setNoTopic] = useState(false);
  const create = useMutation(
    trpc.webhooks.create.mutationOptions({
      onSuccess: async (made) => {
        setUrl('');
        setDescription('');
        setTopics([]);
        props.onCreated(made);
        await queries.invalidateQueries(trpc.webhooks.list.pathFilter());
      },
    }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setNoTopic(topics.length === 0);
    if (topics.length === 0) return;
    create.mutate({
      organizationId: props.organizationId,
      url: url.trim(),
      topics,
      ...(description.trim() && { description: description.trim() }),
    });
  };
  return (
    <form className="inline-form" onSubmit={submit} aria-labelledby="webhook-form-title">
      <h2 id="webhook-form-title">New webhook</h2>
      <Field
        label="URL"
        hint="A public http(s) address of yours; Evently posts each event there, signed."
      >
        {({ id, describedBy }) => (
          <input
            id={id}
            type="url"
            required
            placeholder="https://"
            aria-describedby={describedBy}
            value={url}
            onChange={(e) => setUrl(e.target.value)}
          />
        )}
      </Field>
      <Field label="Description (optional)">
        {({ id }) => (
          <input
            id={id}
            maxLength={500}
            value={description}
            onChange={(e) => setDescription(e.target.value)}
          />
        )}
      </Field>
      <CheckboxGroup
        legend="Topics"
        hint="What the webhook hears of: choose at least one."
        options={topicOptions}
        value={topics}
        onChange={(value) => {
          setTopics(value);
          if (value.length > 0) setNoTopic(false);
        }}
      />
      {noTopic && (
        <p className="note note-error" role="alert">
          Choose at least one topic.
        </p>
      )}
      <Refusal error={create.error} what="add webhooks" />
      <button type="submit" className="primary" disabled={create.isPending}>
        {create.isPending ? 'Creating…' : 'Create webhook'}
      </button>
    </form>
  );
}
