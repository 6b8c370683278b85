// The unsubscribe footer: the built-in default, and the substitution of %%UNSUBSCRIBE%% and %%EMAIL%%
// into the account's HTML and text templates for one recipient.

export interface FooterTemplates {
  /** HTML template; blank means the built-in one. */
  html: string;
  /** Text template; blank means the built-in one. */
  text: string;
}

export const DEFAULT_FOOTER: Readonly<FooterTemplates> = {
  html:
    '<div style="margin-top:24px;font-family:Arial,Helvetica,sans-serif;font-size:12px;line-height:18px;color:#6b7280">' +
    'You are receiving this email at %%EMAIL%%. ' +
    '<a href="%%UNSUBSCRIBE%%" style="color:#6b7280;text-decoration:underline">Unsubscribe</a></div>',
  text: 'You are receiving this email at %%EMAIL%%.\nUnsubscribe: %%UNSUBSCRIBE%%',
};

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML content and quoted attribute values alike. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

export interface RenderedFooter {
  html: string;
  text: string;
}

function substitute(template: string, unsubscribeUrl: string, email: string): string {
  // A function replacement, so that '$&' and friends in an address are taken literally.
  return template.replace(/%%(UNSUBSCRIBE|EMAIL)%%/g, (_m, name: string) =>
    name === 'EMAIL' ? email : unsubscribeUrl,
  );
}

/** Both footers for one recipient; line breaks are left as `\n` for the part to turn into its own. */
export function renderFooter(
  templates: FooterTemplates,
  unsubscribeUrl: string,
  recipient: string,
): RenderedFooter {
  const html = templates.html.trim() === '' ? DEFAULT_FOOTER.html : templates.html;
  const text = templates.text.trim() === '' ? DEFAULT_FOOTER.text : templates.text;
  return {
    html: substitute(html, escapeHtml(unsubscribeUrl), escapeHtml(recipient)),
    text: substitute(text, unsubscribeUrl, recipient),
  };
}

/** The 1×1 open-tracking image. */
export function pixelHtml(openPixelUrl: string): string {
  return `<img src="${escapeHtml(openPixelUrl)}" width="1" height="1" alt="" border="0" style="width:1px;height:1px;border:0">`;
}
