import { describeDatabase } from '../../config.js';
import { createStorage } from '../../storage.js';
import type { Out } from '../output.js';

export async function migrateCommand(out: Out, opts: { dryRun?: boolean }): Promise<number> {
  const storage = await createStorage({ autoMigrate: false });
  try {
    const where = describeDatabase(storage.config.database);
    const { pending } = await storage.migrationStatus();
    const tag = (m: { version: number; name: string }) => `${String(m.version).padStart(4, '0')}_${m.name}`;
    if (opts.dryRun) {
      out.line(pending.length ? `${where}: ${pending.length} pending` : `${where}: up to date`);
      for (const m of pending) out.line(`  pending ${tag(m)}`);
      out.result({ database: where, pending: pending.map(tag) });
      return 0;
    }
    const applied = await storage.migrate({ onApply: (m) => out.line(`applied ${tag(m)}`) });
    if (!applied.length) out.line(`${where}: up to date`);
    out.result({ database: where, applied: applied.map(tag) });
    return 0;
  } finally {
    await storage.close();
  }
}
