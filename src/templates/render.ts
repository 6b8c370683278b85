// Renders an email template (SPEC §8) with Handlebars: the subject and text body as plain text, the HTML
// body HTML-escaped ({{value}} escapes, {{{value}}} does not, as Handlebars defines). One private
// Handlebars instance with no helpers beyond the built-in ones; prototype access stays off (its default).
import type HandlebarsModule from 'handlebars';
import { fieldError } from '../domain/errors.js';
import { loadWhenUsed } from '../load-when-used.js';

type Engine = ReturnType<typeof HandlebarsModule.create>;
const handlebars = loadWhenUsed<typeof HandlebarsModule>('handlebars');
let loaded: Engine | null = null;
/** Handlebars, loaded the first time a template is checked or rendered (docs/memory.md). */
function engine(): Engine {
  loaded ??= handlebars().create();
  return loaded;
}

/** Data for a template: an object, or the same as a JSON string (SMTP2GO's type is string). */
export type TemplateData = Record<string, unknown>;

export interface TemplateParts {
  subject: string;
  html_body: string;
  text_body: string;
}

/**
 * Handlebars' parse error in one line: "Parse error on line 1:" and what it expected (the excerpt and
 * caret lines between them need a monospace block, and would repeat the template back).
 */
function syntaxReason(err: unknown): string {
  if (!(err instanceof Error)) return 'a syntax error';
  const lines = err.message.split('\n').map((l) => l.trim());
  const expected = lines.find((l, i) => i > 0 && l.startsWith('Expecting '));
  return expected ? `${lines[0]} ${expected}` : (lines[0] ?? 'a syntax error');
}

/** Refuses a part that Handlebars cannot compile, naming its field. */
export function checkTemplateSyntax(field: string, source: string): void {
  try {
    engine().precompile(source, { strict: false });
  } catch (err) {
    throw fieldError(field, `is not a valid Handlebars template: ${syntaxReason(err)}`);
  }
}

/** template_data as an object: given as one, or as a JSON string of one. */
export function parseTemplateData(value: unknown): TemplateData {
  if (value === undefined || value === null || value === '') return {};
  let data: unknown = value;
  if (typeof value === 'string') {
    try {
      data = JSON.parse(value) as unknown;
    } catch {
      throw fieldError(
        'template_data',
        'must be an object, or a JSON string of one; found text that is not JSON',
      );
    }
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw fieldError(
      'template_data',
      `must be an object, or a JSON string of one; found ${Array.isArray(data) ? 'a list' : typeof data}`,
    );
  }
  return data as TemplateData;
}

function render(field: string, source: string, data: TemplateData, escape: boolean): string {
  try {
    return engine().compile(source, { noEscape: !escape, strict: false })(data);
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : 'an error';
    throw fieldError(field, `could not be rendered: ${reason}`);
  }
}

/**
 * The parts filled in with `data` (over the template's own defaults). A failure names `template_id`
 * (what email/send was given); the console's preview names the part itself instead (`errorField`).
 */
export function renderTemplate(
  parts: TemplateParts,
  defaults: TemplateData,
  data: TemplateData,
  errorField: (part: keyof TemplateParts) => string = () => 'template_id',
): TemplateParts {
  const values = { ...defaults, ...data };
  return {
    // One line: a value with a line break must not end the Subject header.
    subject: render(errorField('subject'), parts.subject, values, false).replace(/[\r\n]+/g, ' '),
    html_body: render(errorField('html_body'), parts.html_body, values, true),
    text_body: render(errorField('text_body'), parts.text_body, values, false),
  };
}
