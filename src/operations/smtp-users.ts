// The SMTP-user operations of SPEC §1.3–§1.4, shared by the HTTP API and the CLI.
import { ValidationError, noSuchSmtpUser, usernameTaken } from '../domain/errors.js';
import { checkChosenPassword, generatePassword } from '../domain/password.js';
import type {
  AddSmtpUserBody,
  EditSmtpUserBody,
  RemoveSmtpUserBody,
  SmtpUserResult,
  ViewSmtpUsersBody,
} from '../domain/schemas/smtp-users.js';
import { toSendingSettingsView } from '../domain/sending-settings.js';
import { normaliseUsername } from '../domain/username.js';
import { hashPassword } from '../security/password-hash.js';
import { shortId } from '../security/ids.js';
import { isUniqueViolation } from '../store/database.js';
import type { SmtpUserRecord } from '../store/repositories/smtp-users.js';
import { actingAccount, isAccountOpen, nowIso, type Caller, type OperationsDeps } from './context.js';
import { applySenderSettings } from './sender-settings.js';
import { DEFAULT_PAGE_SIZE, decodeContinueToken, pageOf } from './paging.js';

export function toSmtpUserResult(
  user: SmtpUserRecord,
  accountOpen: boolean,
  password: string | null,
): SmtpUserResult {
  return {
    username: user.username,
    email_password: password,
    ...toSendingSettingsView(user.settings, accountOpen),
    description: user.description,
    comments: user.description,
  };
}

/** `description` wins over its alias `comments`; null means blank. */
function descriptionOf(body: { description?: string | null; comments?: string | null }): string | undefined {
  const value = body.description !== undefined ? body.description : body.comments;
  return value === undefined ? undefined : (value ?? '');
}

/** A chosen password is checked; a blank or absent one is generated. Returns null for "keep". */
function choosePassword(
  given: string | null | undefined,
  username: string,
  generateWhenBlank: boolean,
): string | null {
  if (given === undefined || given === null || given === '')
    return generateWhenBlank ? generatePassword() : null;
  const problem = checkChosenPassword(given, username);
  // The password rule words its own message ("email_password has an estimated 52 bits…", SPEC §1.8).
  if (problem !== null) throw new ValidationError('email_password', problem);
  return given;
}

function notifyChanged(deps: OperationsDeps, username: string): void {
  for (const listener of deps.onSmtpUserChanged) listener(normaliseUsername(username));
}

export async function addSmtpUser(
  deps: OperationsDeps,
  caller: Caller,
  body: AddSmtpUserBody,
): Promise<SmtpUserResult> {
  const account = await actingAccount(deps, caller, body.subaccount_id);
  const { settings, logWarnings } = applySenderSettings(deps, account.id, body, null);
  const password = choosePassword(body.email_password, body.username, true) as string;
  const now = nowIso();
  const user: SmtpUserRecord = {
    id: shortId(16),
    accountId: account.id,
    username: body.username,
    passwordHash: await hashPassword(password),
    description: descriptionOf(body) ?? '',
    settings,
    createdAt: now,
    updatedAt: now,
  };
  try {
    await deps.repos.smtpUsers.insert(user);
  } catch (err) {
    if (isUniqueViolation(err)) throw usernameTaken(body.username);
    throw err;
  }
  logWarnings({ username: user.username });
  deps.logger.info({ account: account.id, username: user.username, key: caller.keyId }, 'SMTP user added');
  notifyChanged(deps, user.username);
  return toSmtpUserResult(user, isAccountOpen(account), password);
}

export interface SmtpUserPage {
  results: SmtpUserResult[];
  continueToken: string | null;
}

export async function viewSmtpUsers(
  deps: OperationsDeps,
  caller: Caller,
  body: ViewSmtpUsersBody,
): Promise<SmtpUserPage> {
  const account = await actingAccount(deps, caller, body.subaccount_id);
  const open = isAccountOpen(account);
  if (body.username !== undefined && body.username !== '') {
    const user = await deps.repos.smtpUsers.findInAccount(account.id, body.username);
    return { results: user ? [toSmtpUserResult(user, open, null)] : [], continueToken: null };
  }
  const pageSize = body.page_size ?? DEFAULT_PAGE_SIZE;
  const after = decodeContinueToken(body.continue_token);
  const rows = await deps.repos.smtpUsers.listInAccount(account.id, after, pageSize + 1);
  const page = pageOf(rows, pageSize, (u) => normaliseUsername(u.username));
  return { results: page.items.map((u) => toSmtpUserResult(u, open, null)), continueToken: page.next };
}

export async function editSmtpUser(
  deps: OperationsDeps,
  caller: Caller,
  body: EditSmtpUserBody,
): Promise<SmtpUserResult> {
  const account = await actingAccount(deps, caller, body.subaccount_id);
  const current = await deps.repos.smtpUsers.findInAccount(account.id, body.username);
  if (!current) throw noSuchSmtpUser(body.username);
  const { settings, logWarnings } = applySenderSettings(deps, account.id, body, current.settings);
  const password = choosePassword(body.email_password, current.username, false);
  const updated: SmtpUserRecord = {
    ...current,
    passwordHash: password === null ? current.passwordHash : await hashPassword(password),
    description: descriptionOf(body) ?? current.description,
    settings,
    updatedAt: nowIso(),
  };
  if (!(await deps.repos.smtpUsers.update(updated))) throw noSuchSmtpUser(body.username);
  logWarnings({ username: updated.username });
  deps.logger.info(
    {
      account: account.id,
      username: updated.username,
      key: caller.keyId,
      passwordChanged: password !== null,
    },
    'SMTP user edited',
  );
  notifyChanged(deps, updated.username);
  return toSmtpUserResult(updated, isAccountOpen(account), password);
}

export async function removeSmtpUser(
  deps: OperationsDeps,
  caller: Caller,
  body: RemoveSmtpUserBody,
): Promise<SmtpUserResult> {
  const account = await actingAccount(deps, caller, body.subaccount_id);
  const current = await deps.repos.smtpUsers.findInAccount(account.id, body.username);
  if (!current || !(await deps.repos.smtpUsers.remove(account.id, current.id)))
    throw noSuchSmtpUser(body.username);
  deps.logger.info(
    { account: account.id, username: current.username, key: caller.keyId },
    'SMTP user removed',
  );
  notifyChanged(deps, current.username);
  return toSmtpUserResult(current, isAccountOpen(account), null);
}
