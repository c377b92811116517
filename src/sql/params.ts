/** Collects bind parameters while a statement is built, handing out their $n placeholders. */
export class Params {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/**
 * A full-text query over a `search_vector` column. The text is parsed with the stemmer of
 * `language` (English by default) OR'ed with the unstemmed form, so exact words in rows of
 * other languages still match. websearch_to_tsquery accepts any user text without error.
 */
export function tsQuery(p: Params, q: string, language?: string): string {
  const text = p.add(q);
  return `(websearch_to_tsquery(trend_ts_config(${p.add(language ?? 'en')}), ${text}) || websearch_to_tsquery('simple', ${text}))`;
}
