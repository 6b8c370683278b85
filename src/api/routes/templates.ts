// /v3/template/add|edit|view|search|delete: the account's email templates (SPEC §8).
import {
  TemplateAddBody,
  TemplateEditBody,
  TemplateIdBody,
  TemplateResult,
  TemplateSearchBody,
  TemplateSearchResult,
} from '../../domain/schemas/templates.js';
import { Type } from '@sinclair/typebox';
import {
  addTemplate,
  deleteTemplate,
  editTemplate,
  searchTemplates,
  viewTemplate,
} from '../../operations/templates.js';
import { endpoint } from '../endpoint.js';

const TAG = 'Templates';

export const templateEndpoints = [
  endpoint({
    path: '/template/add',
    tag: TAG,
    summary: 'Add an email template (Handlebars subject, HTML and text) under an id of your choice',
    body: TemplateAddBody,
    response: TemplateResult,
    handler: (ctx, body) => addTemplate(ctx.deps, ctx.caller, body),
  }),
  endpoint({
    path: '/template/edit',
    tag: TAG,
    summary: 'Change an email template; fields left out keep their value',
    body: TemplateEditBody,
    response: TemplateResult,
    handler: (ctx, body) => editTemplate(ctx.deps, ctx.caller, body),
  }),
  endpoint({
    path: '/template/view',
    tag: TAG,
    summary: 'One email template with its bodies and variables',
    body: TemplateIdBody,
    response: TemplateResult,
    handler: (ctx, body) => viewTemplate(ctx.deps, ctx.caller, body),
  }),
  endpoint({
    path: '/template/search',
    tag: TAG,
    summary: 'Search the email templates by id, name, subject or tag',
    body: TemplateSearchBody,
    response: TemplateSearchResult,
    handler: (ctx, body) => searchTemplates(ctx.deps, ctx.caller, body),
  }),
  endpoint({
    path: '/template/delete',
    tag: TAG,
    summary: 'Delete an email template',
    body: TemplateIdBody,
    response: Type.String({ description: "Successfully deleted template '<id>'" }),
    handler: (ctx, body) => deleteTemplate(ctx.deps, ctx.caller, body),
  }),
];
