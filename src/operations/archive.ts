// /v3/archive/search and /v3/archive/view (SPEC §3.2): the acting account's archived messages, newest
// first; a view reads the body from this node's disk, so it works on the node that accepted the message.
import { openArchivedBody } from '../archive/archive-files.js';
import type { DownloadLinks } from '../archive/download-links.js';
import { readMessageView } from '../archive/message-view.js';
import { apiException } from '../domain/errors.js';
import { DEFAULT_SEARCH_LIMIT } from '../domain/schemas/activity.js';
import type {
  ArchivedMessageResult,
  ArchiveEmail,
  ArchiveSearchBody,
  ArchiveSearchResult,
  ArchiveView,
} from '../domain/schemas/archive.js';
import PostalMime from 'postal-mime';
import type { MessageViewBody } from '../domain/schemas/sandbox.js';
import { searchDateRange } from '../domain/search-dates.js';
import { isMessageId } from '../spool/index.js';
import type { ArchivedMessage } from '../store/repositories/archive.js';
import { decodeIdCursor, filterValue, toActivityEvent } from './activity.js';
import { actingAccount, type Caller, type OperationsDeps } from './context.js';
import { pageOf } from './paging.js';

/** Where this node keeps archived bodies, and its name in the archive index. */
export interface ArchiveNode {
  dataDir: string;
  hostname: string;
}

const noSuchMessage = (emailId: string) =>
  apiException(`No archived message '${JSON.stringify(emailId).slice(1, -1)}' in this account`);

function toResult(m: ArchivedMessage): ArchivedMessageResult {
  return {
    email_id: m.emailId,
    date: m.date,
    username: m.username,
    sender: m.sender,
    recipients: m.recipients,
    subject: m.subject,
    size: m.size,
  };
}

export async function searchArchive(
  deps: OperationsDeps,
  caller: Caller,
  body: ArchiveSearchBody,
): Promise<ArchiveSearchResult> {
  const account = await actingAccount(deps, caller, body.subaccount_id);
  const limit = body.limit ?? DEFAULT_SEARCH_LIMIT;
  const rows = await deps.repos.archive.search({
    accountId: account.id,
    ...searchDateRange(body.start_date, body.end_date),
    username: filterValue(body.username),
    recipient: filterValue(body.search_recipient),
    sender: filterValue(body.search_sender),
    subject: filterValue(body.subject),
    beforeId: decodeIdCursor(body.continue_token),
    limit: limit + 1,
  });
  const page = pageOf(rows, limit, (m) => m.emailId);
  return { messages: page.items.map(toResult), continue_token: page.next };
}

/**
 * One archived message, answered by /archive/email (SMTP2GO's shape, headers as one block) and by its
 * alias /archive/view (Petrel's earlier shape, headers as a list): both are this one operation.
 */
export async function viewArchive(
  deps: OperationsDeps,
  caller: Caller,
  node: ArchiveNode,
  body: MessageViewBody,
  links: DownloadLinks,
): Promise<ArchiveView> {
  const account = await actingAccount(deps, caller, body.subaccount_id);
  const found = isMessageId(body.email_id)
    ? await deps.repos.archive.find(account.id, body.email_id)
    : undefined;
  if (!found) throw noSuchMessage(body.email_id);
  if (found.node !== node.hostname) {
    throw apiException(
      `The archived message '${found.emailId}' is stored on the node '${found.node}'; ask that node's API`,
    );
  }
  let view;
  try {
    view = await readMessageView(found.emailId, openArchivedBody(node.dataDir, found.emailId));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    // Purged by the retention between the lookup and the read: gone, like any unknown id.
    throw noSuchMessage(body.email_id);
  }
  const rows = await deps.repos.activity.search(
    {
      accountIds: [account.id],
      emailId: found.emailId,
      search: [],
      usernames: [],
      events: [],
      latest: false,
    },
    { beforeKey: null, bySent: false, limit: 1000 },
  );
  const shape = {
    accountNames: new Map([[account.id, account.name]]),
    includeHeaders: false,
    customHeaders: [],
  };
  const header = (name: string) => view.headers.find((h) => h.name.toLowerCase() === name)?.value ?? '';
  // The view's raw source is what the shared view code read (and bounded); attachments are listed from it.
  const parsed = await PostalMime.parse(view.raw).catch(() => null);
  const attachments = (parsed?.attachments ?? []).map((a) => ({
    filename: a.filename ?? '',
    mimetype: a.mimeType,
    size: typeof a.content === 'string' ? a.content.length : a.content.byteLength,
  }));
  return {
    ...view,
    attachment_count: attachments.length,
    attachments,
    byte_count: found.size,
    envelope_from: found.sender,
    recipient: found.recipients.join(', '),
    sender: parsed?.from?.address ?? header('from'),
    sent: found.date,
    subject: found.subject,
    to: header('to'),
    url: '',
    download_url: links.link({ kind: 'archive', accountId: account.id, emailId: found.emailId }),
    username: found.username,
    events: rows.reverse().map((row) => toActivityEvent(row, shape)),
  };
}

/** /archive/email: the header block as text, as SMTP2GO answers it. */
export function asArchiveEmail(view: ArchiveView): ArchiveEmail {
  const { headers, ...rest } = view;
  return { ...rest, headers: headers.map((h) => `${h.name}: ${h.value}`).join('\r\n') };
}
