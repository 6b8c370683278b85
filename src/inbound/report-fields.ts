// Reads the machine-readable part of a report: RFC 3464 message/delivery-status (a per-message group, then
// one group per recipient, separated by empty lines) and RFC 5965 message/feedback-report (one group).
// Each group is header-style fields; names are case-insensitive, folded lines are joined.

/** One group of fields, names lower-cased; a repeated field keeps every value in order. */
export type FieldGroup = Map<string, string[]>;

/** Bounds against a hostile report: a real one has a handful of groups and a few dozen fields. */
const MAX_GROUPS = 1000;
const MAX_FIELD_CHARS = 4000;

export function parseFieldGroups(text: string): FieldGroup[] {
  const groups: FieldGroup[] = [];
  for (const block of text.replace(/\r\n?/g, '\n').split(/\n[ \t]*\n/)) {
    if (groups.length >= MAX_GROUPS) break;
    const unfolded = block.replace(/\n[ \t]+/g, ' ');
    const group: FieldGroup = new Map();
    for (const line of unfolded.split('\n')) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      if (!/^[\x21-\x39\x3b-\x7e]+$/.test(name)) continue;
      const value = line
        .slice(colon + 1)
        .trim()
        .slice(0, MAX_FIELD_CHARS);
      const values = group.get(name);
      if (values) values.push(value);
      else group.set(name, [value]);
    }
    if (group.size > 0) groups.push(group);
  }
  return groups;
}

/** The first value of a field, or null. */
export function field(group: FieldGroup, name: string): string | null {
  return group.get(name)?.[0] ?? null;
}

/** `rfc822; a@b` → `a@b`; `dns; mx.example` → `mx.example` (RFC 3464 typed values). */
export function typedValue(value: string | null): string | null {
  if (value === null) return null;
  const semicolon = value.indexOf(';');
  const bare = (semicolon >= 0 ? value.slice(semicolon + 1) : value).trim();
  return bare === '' ? null : bare;
}

/** An address field's value without angle brackets, lower-cased. */
export function addressValue(value: string | null): string | null {
  const bare = typedValue(value);
  return bare === null ? null : bare.replace(/^<|>$/g, '').trim().toLowerCase();
}
