// /v3/single_sender_emails/add|view|remove (SPEC §5): addresses an account may send from under
// PETREL_SENDER_POLICY=verified once their owner followed the link of the verification message, which
// `add` queues through the spool like any other mail.
import type { Config } from '../config/settings.js';
import { fieldError } from '../domain/errors.js';
import { isValidEmailAddress } from '../domain/email-address.js';
import type {
  SingleSenderBody,
  SingleSendersResult,
  ViewSingleSendersBody,
} from '../domain/schemas/sender-domains.js';
import {
  newVerificationToken,
  systemSenderOf,
  verificationMessage,
  VERIFY_PATH,
} from '../sender-domains/single-sender-mail.js';
import type { Spool } from '../spool/types.js';
import { actingAccount, nowIso, type Caller, type OperationsDeps } from './context.js';

function checkedAddress(input: string): string {
  const address = input.trim();
  if (!isValidEmailAddress(address))
    throw fieldError(
      'email_address',
      `must be an email address, found '${JSON.stringify(input).slice(1, -1)}'`,
    );
  return address.toLowerCase();
}

export async function addSingleSender(
  deps: OperationsDeps,
  caller: Caller,
  spool: Spool,
  config: Pick<Config, 'publicUrl' | 'systemSender' | 'hostname'>,
  body: SingleSenderBody,
): Promise<SingleSendersResult> {
  const account = await actingAccount(deps, caller, body.subaccount_id);
  const address = checkedAddress(body.email_address);
  const existing = await deps.repos.senderDomains.findSingleSender(account.id, address);
  if (existing?.verified === 1) return { senders: [{ email_address: address, verified: true }] };
  const { token, hash } = newVerificationToken();
  await deps.repos.senderDomains.addSingleSender({
    account_id: account.id,
    email_address: address,
    verified: 0,
    token_hash: hash,
    created_at: nowIso(),
    verified_at: null,
  });
  const from = systemSenderOf(config);
  const message = verificationMessage({
    from,
    to: address,
    link: `${config.publicUrl}${VERIFY_PATH}${token}`,
    note: body.message,
    hostname: config.hostname,
  });
  const accepted = await spool.accept(
    {
      mailFrom: from,
      recipients: [address],
      auditRecipients: [],
      sandbox: false,
      senderKind: 'api',
      username: 'petrel',
      accountId: account.id,
      clientAddress: '127.0.0.1',
      clientHelo: config.hostname,
      tls: false,
      authenticated: true,
    },
    message,
    { maxBytes: 1024 * 1024 },
  );
  deps.logger.info(
    { account: account.id, id: accepted.id, key: caller.keyId },
    'single sender verification queued',
  );
  return { senders: [{ email_address: address, verified: false }] };
}

export async function viewSingleSenders(
  deps: OperationsDeps,
  caller: Caller,
  body: ViewSingleSendersBody,
): Promise<SingleSendersResult> {
  const account = await actingAccount(deps, caller, body.subaccount_id);
  const filter = body.email_address?.trim().toLowerCase() ?? '';
  const rows = await deps.repos.senderDomains.listSingleSenders(account.id);
  return {
    senders: rows
      .filter((r) => r.email_address.includes(filter))
      .map((r) => ({ email_address: r.email_address, verified: r.verified === 1 })),
  };
}

export async function removeSingleSender(
  deps: OperationsDeps,
  caller: Caller,
  body: SingleSenderBody,
): Promise<SingleSendersResult> {
  const account = await actingAccount(deps, caller, body.subaccount_id);
  const address = checkedAddress(body.email_address);
  if (!(await deps.repos.senderDomains.removeSingleSender(account.id, address)))
    throw fieldError('email_address', `must be a single sender email of this account, found '${address}'`);
  return { senders: [] };
}
