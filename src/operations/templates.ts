// Email templates (SPEC §8): add, edit, view, search and delete an account's templates; and the template
// an email/send names by template_id, rendered with its template_data.
import { apiException, fieldError } from '../domain/errors.js';
import { nestingDepth } from '../domain/validate.js';
import type {
  TemplateAddBody,
  TemplateEditBody,
  TemplateIdBody,
  TemplatePreviewBody,
  TemplateResult,
  TemplateSearchBody,
  TemplateSearchResult,
} from '../domain/schemas/templates.js';
import type { TemplateRow } from '../store/repositories/templates.js';
import {
  checkTemplateSyntax,
  parseTemplateData,
  renderTemplate,
  type TemplateParts,
} from '../templates/render.js';
import { actingAccount, type Caller, type OperationsDeps } from './context.js';
import { decodeContinueToken, encodeContinueToken } from './paging.js';

const noSuchTemplate = (id: string) =>
  apiException(`No template '${JSON.stringify(id).slice(1, -1)}' in this account`);

function parseJson<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

function lastUpdated(iso: string): string {
  return iso.slice(0, 19).replace('T', ' ');
}

export function toTemplateResult(row: TemplateRow): TemplateResult {
  return {
    id: row.id,
    name: row.name,
    template_name: row.name,
    subject: row.subject,
    html_body: row.html_body,
    text_body: row.text_body,
    template_variables: parseJson<Record<string, unknown>>(row.variables, {}),
    tags: parseJson<string[]>(row.tags, []),
    last_updated: lastUpdated(row.updated_at),
  };
}

// Template variables are plain data for Handlebars: a few levels deep at most in any real template.
const MAX_VARIABLE_DEPTH = 32;

/** Refuses variables nested beyond MAX_VARIABLE_DEPTH (they would exhaust the stack when stored). */
function checkVariables(field: string, value: unknown): void {
  const depth = nestingDepth(value, MAX_VARIABLE_DEPTH);
  if (depth > MAX_VARIABLE_DEPTH)
    throw fieldError(
      field,
      `may nest lists and objects at most ${MAX_VARIABLE_DEPTH} levels deep, found more`,
    );
}

function checkParts(parts: Partial<TemplateParts>): void {
  for (const field of ['subject', 'html_body', 'text_body'] as const) {
    const source = parts[field];
    if (source !== undefined) checkTemplateSyntax(field, source);
  }
}

export async function addTemplate(
  deps: OperationsDeps,
  caller: Caller,
  body: TemplateAddBody,
): Promise<TemplateResult> {
  const account = await actingAccount(deps, caller, body.subaccount_id);
  checkParts(body);
  checkVariables('template_variables', body.template_variables);
  const row: TemplateRow = {
    account_id: account.id,
    id: body.id,
    name: body.template_name,
    subject: body.subject,
    html_body: body.html_body,
    text_body: body.text_body,
    variables: JSON.stringify(body.template_variables ?? {}),
    tags: JSON.stringify(body.tags ?? []),
    updated_at: new Date().toISOString(),
  };
  if (!(await deps.repos.templates.insert(row))) {
    throw apiException(`The template id '${body.id}' is already taken in this account`);
  }
  return toTemplateResult(row);
}

export async function editTemplate(
  deps: OperationsDeps,
  caller: Caller,
  body: TemplateEditBody,
): Promise<TemplateResult> {
  const account = await actingAccount(deps, caller, body.subaccount_id);
  const current = await deps.repos.templates.find(account.id, body.id);
  if (!current) throw noSuchTemplate(body.id);
  checkParts(body);
  checkVariables('template_variables', body.template_variables);
  const newId = body.new_id ?? current.id;
  if (newId !== current.id && (await deps.repos.templates.find(account.id, newId))) {
    throw fieldError('new_id', `is already the id of another template of this account, found '${newId}'`);
  }
  const row: TemplateRow = {
    ...current,
    id: newId,
    name: body.template_name ?? current.name,
    subject: body.subject ?? current.subject,
    html_body: body.html_body ?? current.html_body,
    text_body: body.text_body ?? current.text_body,
    variables:
      body.template_variables === undefined ? current.variables : JSON.stringify(body.template_variables),
    tags: body.tags === undefined ? current.tags : JSON.stringify(body.tags),
    updated_at: new Date().toISOString(),
  };
  if (!(await deps.repos.templates.update(account.id, current.id, row))) throw noSuchTemplate(body.id);
  return toTemplateResult(row);
}

export async function viewTemplate(
  deps: OperationsDeps,
  caller: Caller,
  body: TemplateIdBody,
): Promise<TemplateResult> {
  const account = await actingAccount(deps, caller, body.subaccount_id);
  const found = await deps.repos.templates.find(account.id, body.id);
  if (!found) throw noSuchTemplate(body.id);
  return toTemplateResult(found);
}

export async function deleteTemplate(
  deps: OperationsDeps,
  caller: Caller,
  body: TemplateIdBody,
): Promise<string> {
  const account = await actingAccount(deps, caller, body.subaccount_id);
  if (!(await deps.repos.templates.remove(account.id, body.id))) throw noSuchTemplate(body.id);
  return `Successfully deleted template '${body.id}'`;
}

export async function searchTemplates(
  deps: OperationsDeps,
  caller: Caller,
  body: TemplateSearchBody,
): Promise<TemplateSearchResult> {
  const account = await actingAccount(deps, caller, body.subaccount_id);
  const after = decodeContinueToken(body.continue_token);
  const offset = after === null ? 0 : Number(after);
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw fieldError('continue_token', 'is not a continue_token this API gave out');
  }
  const limit = body.page_size ?? 100;
  const terms = (body.search_terms ?? []).map((t) => t.trim()).filter((t) => t !== '');
  const search = {
    accountId: account.id,
    terms: body.fuzzy_search ? terms.map((t) => t.toLowerCase()) : [],
    exact: body.fuzzy_search ? [] : terms,
    tags: (body.tags ?? []).map((t) => t.toLowerCase()),
    ascending: body.sort_direction === 'asc',
    offset,
    limit: limit + 1,
  };
  const [rows, total] = await Promise.all([
    deps.repos.templates.search(search),
    deps.repos.templates.count(search),
  ]);
  return {
    templates: rows.slice(0, limit).map((row) => {
      const t = toTemplateResult(row);
      return { id: t.id, name: t.name, subject: t.subject, tags: t.tags, last_updated: t.last_updated };
    }),
    total_count: total,
    continue_token: rows.length > limit ? encodeContinueToken(String(offset + limit)) : null,
  };
}

/** The subject and bodies of email/send's template_id, rendered with template_data. */
export async function renderSendTemplate(
  deps: OperationsDeps,
  accountId: string,
  templateId: string,
  templateData: unknown,
): Promise<TemplateParts> {
  const data = parseTemplateData(templateData);
  checkVariables('template_data', data);
  const found = await deps.repos.templates.find(accountId, templateId);
  if (!found) {
    throw fieldError(
      'template_id',
      `must name a template of this account, found '${JSON.stringify(templateId).slice(1, -1)}'`,
    );
  }
  return renderTemplate(found, parseJson<Record<string, unknown>>(found.variables, {}), data);
}

/**
 * The console editor's preview: the parts as typed, checked and rendered exactly as email/send renders a
 * stored template, with errors naming the part (or template_data) at fault.
 */
export async function previewTemplate(
  deps: OperationsDeps,
  caller: Caller,
  body: TemplatePreviewBody,
): Promise<TemplateParts> {
  // Only to refuse another account's subaccount_id, as every endpoint does; nothing is read or stored.
  await actingAccount(deps, caller, body.subaccount_id);
  checkParts(body);
  checkVariables('template_variables', body.template_variables);
  const data = parseTemplateData(body.template_data);
  checkVariables('template_data', data);
  return renderTemplate(body, body.template_variables ?? {}, data, (part) => part);
}
