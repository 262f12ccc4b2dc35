// The search form's tag filter, in logfmt as Jaeger's users type it: `error=true http.status_code=5..
// "user name"="Ada L"`. The query API wants a JSON object of strings (its `tags` parameter).

export type ParsedTags = { ok: true; tags: Record<string, string> } | { ok: false; error: string };

function readToken(text: string, from: number): { value: string; next: number } | { error: string } {
  if (text[from] !== '"') {
    let i = from;
    while (i < text.length && !/\s|=/.test(text[i] as string)) i++;
    return { value: text.slice(from, i), next: i };
  }
  let value = '';
  for (let i = from + 1; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '\\' && i + 1 < text.length) {
      value += text[++i];
    } else if (c === '"') {
      return { value, next: i + 1 };
    } else {
      value += c;
    }
  }
  return { error: `a quote opened at position ${from + 1} is never closed` };
}

/** Parses `key=value` pairs separated by spaces; quotes ("…", with \" and \\) allow spaces and "=". */
export function parseTags(text: string): ParsedTags {
  const tags: Record<string, string> = {};
  let i = 0;
  for (;;) {
    while (i < text.length && /\s/.test(text[i] as string)) i++;
    if (i >= text.length) return { ok: true, tags };
    const key = readToken(text, i);
    if ('error' in key) return { ok: false, error: key.error };
    if (key.value === '') return { ok: false, error: `expected a tag key at position ${i + 1}` };
    if (text[key.next] !== '=') {
      return { ok: false, error: `tag "${key.value}" has no value: write ${key.value}=<value>` };
    }
    const value = readToken(text, key.next + 1);
    if ('error' in value) return { ok: false, error: value.error };
    if (value.next < text.length && !/\s/.test(text[value.next] as string)) {
      return { ok: false, error: `unexpected "${text[value.next]}" at position ${value.next + 1}` };
    }
    tags[key.value] = value.value;
    i = value.next;
  }
}

function quote(text: string): string {
  return text === '' || /[\s="\\]/.test(text) ? `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"` : text;
}

/** The logfmt text that `parseTags` reads back as `tags`. */
export function formatTags(tags: Readonly<Record<string, string>>): string {
  return Object.entries(tags)
    .map(([k, v]) => `${quote(k)}=${quote(v)}`)
    .join(' ');
}
