// Strict base64 for request fields (attachment fileblobs, mime_email): Node's decoder silently skips
// characters it does not know, which would turn a client's mistake into a corrupt attachment.

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * The decoded bytes, or null when `text` is not base64. Line breaks and spaces are ignored (MIME-style
 * encoders wrap at 76 columns); padding may be left out, but a length no encoder produces is refused.
 */
export function decodeBase64(text: string): Buffer | null {
  const compact = text.replace(/[\r\n\t ]/g, '');
  if (!BASE64.test(compact) || compact.length % 4 === 1) return null;
  if (compact.includes('=') && compact.length % 4 !== 0) return null;
  return Buffer.from(compact, 'base64');
}
