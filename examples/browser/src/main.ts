import { createEventlyClient, isEventlyError } from '@evently/sdk';
import { EventSource } from 'eventsource';
import { apiUrl } from './config.js';
import { createEventsTable } from './events-table.js';
import { followAvailability } from './live-availability.js';

const $ = <T extends HTMLElement>(selector: string): T => {
  const found = document.querySelector<T>(selector);
  if (!found) throw new Error(`missing ${selector}`);
  return found;
};

// The `eventsource` package, not the browser's own EventSource: it connects through fetch, so the
// SDK can send the session's bearer (a native EventSource cannot set an Authorization header).
const client = createEventlyClient({ url: apiUrl(), EventSource });
const table = createEventsTable($<HTMLTableSectionElement>('#events'));
const status = $<HTMLSpanElement>('#status');
const form = $<HTMLFormElement>('#signin');
const formError = $<HTMLOutputElement>('#signin-error');

function setStatus(state: 'offline' | 'connecting' | 'live', text: string) {
  status.dataset.state = state;
  status.textContent = text;
}

/** Every published event, page by page (the list is public: no sign-in needed). */
async function loadEvents() {
  table.clear();
  let count = 0;
  for await (const event of client.paginate(client.events.list, {
    status: 'published',
    limit: 100,
  })) {
    table.add(event);
    count += 1;
  }
  $<HTMLParagraphElement>('#empty').hidden = count > 0;
}

form.addEventListener('submit', async (submitted) => {
  submitted.preventDefault();
  const data = new FormData(form);
  formError.value = '';
  const credentials = { email: String(data.get('email')), password: String(data.get('password')) };
  try {
    const { user } = await client.session.login(credentials);
    $<HTMLSpanElement>('#who').textContent = `signed in as ${user.email} (${user.role})`;
  } catch (error) {
    formError.value = isEventlyError(error) ? `${error.appCode}: ${error.message}` : String(error);
    return;
  }
  form.hidden = true;
  followAvailability(client, {
    onState: setStatus,
    onAvailability: async (eventId, availability) => {
      // An event published after the page loaded: read the list again.
      if (!table.has(eventId)) await loadEvents();
      const title = table.update(eventId, availability);
      $<HTMLParagraphElement>('#last-change').textContent =
        `Last change: ${title}, ${availability.available} of ${availability.capacity} seats free`;
    },
  });
});

loadEvents().catch((error: unknown) => {
  setStatus('offline', `cannot reach ${apiUrl()}: ${String(error)}`);
});
