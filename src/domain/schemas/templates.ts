// Request and response schemas of /v3/template/add|edit|view|search|delete (SPEC §8), with SMTP2GO's
// names (reference paths /template/*).
import { Type, type Static } from '@sinclair/typebox';
import { CommonRequestFields, ContinueTokenField, Nullable, PageSizeField, StringEnum } from './common.js';

const TemplateId = (description: string) =>
  Type.String({
    minLength: 1,
    maxLength: 100,
    pattern: '^[A-Za-z0-9._-]+$',
    patternHint: 'letters, digits, dot, underscore and hyphen',
    description,
  });

const Tags = Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 50 });
const Variables = Type.Record(Type.String(), Type.Unknown(), {
  description: 'Default values of the template variables (template_data overrides them)',
});
const Part = (description: string) => Type.String({ maxLength: 1_000_000, description });

export const TemplateAddBody = Type.Object({
  ...CommonRequestFields,
  template_name: Type.String({ minLength: 1, maxLength: 200, description: 'A name for people' }),
  id: TemplateId('The id email/send names it by (template_id); unique in the account'),
  subject: Type.String({ maxLength: 998, description: 'Handlebars template of the subject' }),
  html_body: Part('Handlebars template of the HTML body (values HTML-escaped)'),
  text_body: Part('Handlebars template of the text body'),
  template_variables: Type.Optional(Variables),
  tags: Type.Optional(Tags),
});
export type TemplateAddBody = Static<typeof TemplateAddBody>;

export const TemplateEditBody = Type.Object({
  ...CommonRequestFields,
  id: TemplateId('The template to change'),
  new_id: Type.Optional(TemplateId('A new id for it')),
  template_name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  subject: Type.Optional(Type.String({ maxLength: 998 })),
  html_body: Type.Optional(Part('Handlebars template of the HTML body')),
  text_body: Type.Optional(Part('Handlebars template of the text body')),
  template_variables: Type.Optional(Variables),
  tags: Type.Optional(Tags),
});
export type TemplateEditBody = Static<typeof TemplateEditBody>;

export const TemplateIdBody = Type.Object({
  ...CommonRequestFields,
  id: Type.String({ minLength: 1, maxLength: 100, description: 'The template id' }),
});
export type TemplateIdBody = Static<typeof TemplateIdBody>;

export const TemplateResult = Type.Object({
  id: Type.String(),
  name: Type.String(),
  template_name: Type.String(),
  subject: Type.String(),
  html_body: Type.String(),
  text_body: Type.String(),
  template_variables: Variables,
  tags: Type.Array(Type.String()),
  last_updated: Type.String({ description: 'UTC: 2006-01-02 15:04:05' }),
});
export type TemplateResult = Static<typeof TemplateResult>;

export const TemplateSearchBody = Type.Object({
  ...CommonRequestFields,
  search_terms: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { maxItems: 20 })),
  fuzzy_search: Type.Optional(
    Type.Boolean({
      description: 'search_terms match parts of id, name or subject (default: exact id or name)',
    }),
  ),
  tags: Type.Optional(Tags),
  sort_direction: Type.Optional(
    StringEnum(['asc', 'desc'], { description: 'By last_updated; newest first by default' }),
  ),
  page_size: PageSizeField,
  continue_token: ContinueTokenField,
});
export type TemplateSearchBody = Static<typeof TemplateSearchBody>;

export const TemplateListed = Type.Object({
  id: Type.String(),
  name: Type.String(),
  subject: Type.String(),
  tags: Type.Array(Type.String()),
  last_updated: Type.String(),
});

export const TemplateSearchResult = Type.Object({
  templates: Type.Array(TemplateListed),
  total_count: Type.Integer(),
  continue_token: Nullable(Type.String()),
});
export type TemplateSearchResult = Static<typeof TemplateSearchResult>;

/** The console's template preview (not an SMTP2GO endpoint): the parts as typed, rendered with data. */
export const TemplatePreviewBody = Type.Object({
  ...CommonRequestFields,
  subject: Type.String({ maxLength: 998, description: 'Handlebars template of the subject' }),
  html_body: Part('Handlebars template of the HTML body (values HTML-escaped)'),
  text_body: Part('Handlebars template of the text body'),
  template_variables: Type.Optional(Variables),
  template_data: Type.Optional(
    Type.Unknown({ description: 'Sample values, as email/send takes them: an object or a JSON string' }),
  ),
});
export type TemplatePreviewBody = Static<typeof TemplatePreviewBody>;
