// /v3/sandbox/search and /v3/sandbox/view (SPEC §1.7): the acting account's sandboxed messages, held in
// this node's spool. Another account's message answers exactly like one that does not exist.
import type { DownloadLinks } from '../archive/download-links.js';
import { readHeaderFacts, readMessageView } from '../archive/message-view.js';
import { listHeldMessages, type HeldMessage } from '../archive/sandbox-messages.js';
import { apiException } from '../domain/errors.js';
import { DEFAULT_SEARCH_LIMIT } from '../domain/schemas/activity.js';
import type {
  MessageViewBody,
  SandboxMessage,
  SandboxSearchBody,
  SandboxSearchResult,
  StoredMessageView,
} from '../domain/schemas/sandbox.js';
import { isMessageId, type SpoolQueue } from '../spool/index.js';
import type { NodeQueues } from '../spool/node-queues.js';
import { decodeIdCursor, filterValue } from './activity.js';
import { actingAccount, type Caller, type OperationsDeps } from './context.js';
import { pageOf } from './paging.js';

const noSuchMessage = (emailId: string) =>
  apiException(`No sandboxed message '${JSON.stringify(emailId).slice(1, -1)}' in this account`);

async function toSandboxMessage(queue: SpoolQueue, held: HeldMessage): Promise<SandboxMessage> {
  const { message } = held;
  let subject = '';
  try {
    subject = (await readHeaderFacts(queue.openBody(message.id))).subject;
  } catch {
    // purged between the listing and now, or unreadable: listed without a subject
  }
  return {
    email_id: message.id,
    date: new Date(message.receivedAt).toISOString(),
    username: message.username,
    sender: message.mailFrom,
    recipients: held.recipients,
    subject,
  };
}

export async function searchSandbox(
  deps: OperationsDeps,
  caller: Caller,
  queues: NodeQueues,
  body: SandboxSearchBody,
): Promise<SandboxSearchResult> {
  const account = await actingAccount(deps, caller, body.subaccount_id);
  const limit = body.limit ?? DEFAULT_SEARCH_LIMIT;
  const before = decodeIdCursor(body.continue_token);
  const username = filterValue(body.username)?.toLowerCase();
  const recipient = filterValue(body.search_recipient)?.toLowerCase();
  const held = (await queues.all()).flatMap((queue) => listHeldMessages(queue).map((h) => ({ ...h, queue })));
  const matching = held
    .sort((a, b) => (a.message.id < b.message.id ? 1 : a.message.id > b.message.id ? -1 : 0))
    .filter(
      ({ message, recipients }) =>
        message.accountId === account.id &&
        (before === null || message.id < before) &&
        (username === undefined || message.username.toLowerCase() === username) &&
        (recipient === undefined || recipients.some((r) => r.toLowerCase().includes(recipient))),
    );
  const page = pageOf(matching.slice(0, limit + 1), limit, (h) => h.message.id);
  const messages: SandboxMessage[] = [];
  for (const item of page.items) messages.push(await toSandboxMessage(item.queue, item));
  return { messages, continue_token: page.next };
}

export async function viewSandbox(
  deps: OperationsDeps,
  caller: Caller,
  queues: NodeQueues,
  body: MessageViewBody,
  links: DownloadLinks,
): Promise<StoredMessageView> {
  const account = await actingAccount(deps, caller, body.subaccount_id);
  const found = isMessageId(body.email_id) ? await queues.find(body.email_id) : null;
  if (!found?.message.sandbox || found.message.accountId !== account.id) throw noSuchMessage(body.email_id);
  const { queue, message } = found;
  try {
    const view = await readMessageView(message.id, queue.openBody(message.id));
    return {
      ...view,
      download_url: links.link({ kind: 'sandbox', accountId: account.id, emailId: message.id }),
    };
  } catch (err) {
    // Purged by the retention between the lookup and the read: gone, like any unknown id.
    if (queue.getMessage(message.id) === undefined) throw noSuchMessage(body.email_id);
    throw err;
  }
}
