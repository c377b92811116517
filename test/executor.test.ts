import { expect, test } from 'vitest';
import { PGliteDatabase } from '../src/sql/pglite.js';
import { executorContract } from './contract/executor.js';
import { describeEachEngine } from './support/engines.js';

describeEachEngine('Executor contract', executorContract);

test('PGlite bounds GIN pending lists itself: it has no autovacuum to merge them', async () => {
  const db = await PGliteDatabase.open();
  try {
    expect(await db.query('SHOW gin_pending_list_limit')).toEqual([{ gin_pending_list_limit: '256kB' }]);
  } finally {
    await db.close();
  }
});
