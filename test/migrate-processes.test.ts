// Two processes running `trend-storage migrate` at once against one database end with one schema.
import { expect, test } from 'vitest';
import { embeddedEnv, run } from './support/cli.js';
import { createServerDatabase, describeServer, openServerDatabase } from './support/engines.js';

describeServer('migrate from two processes at once', () => {
  test('both succeed, each migration is applied once', async () => {
    const { url, drop } = await createServerDatabase();
    try {
      const env = embeddedEnv({ DATABASE_URL: url });
      const [a, b] = await Promise.all([run(['--json', 'migrate'], env), run(['--json', 'migrate'], env)]);
      expect([a.code, b.code]).toEqual([0, 0]);
      const applied = [...JSON.parse(a.stdout).applied, ...JSON.parse(b.stdout).applied].sort();
      expect(applied).toEqual([
        '0001_platform_schema',
        '0002_full_text_search',
        '0003_materialized_views',
        '0004_filter_indexes',
        '0005_vector_support',
        '0006_platform_extensions',
        '0007_search_statistics',
        '0008_trend_history',
      ]);
      const db = await openServerDatabase(url, 1);
      const [row] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM trend_storage_migrations');
      await db.close();
      expect(row!.n).toBe(8);
    } finally {
      await drop();
    }
  }, 60_000);
});
