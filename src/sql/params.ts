import { StorageError, ValidationError } from '../domain/errors.js';

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
 * `language` (English by default) OR'ed with the unstemmed form (migration 0007's trend_tsquery),
 * so exact words in rows of other languages still match. websearch_to_tsquery accepts any user text without error.
 */
export function tsQuery(p: Params, q: string, language?: string): string {
  return `trend_tsquery(trend_ts_config(${p.add(language ?? 'en')}), ${p.add(q)})`;
}

/**
 * Runs a statement that parses caller text as a full-text query. PostgreSQL's parser has a fixed
 * stack: a query of 33 or more negations ("- - - …") fails inside the database, and that is the
 * caller's input, so it is a ValidationError naming `field`, like any other bad input.
 */
export async function withTextQuery<T>(field: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof StorageError && /tsquery stack too small/.test(err.message)) {
      throw new ValidationError(field, 'has too many operators for a full-text query', { cause: err });
    }
    throw err;
  }
}
