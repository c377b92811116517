import type { Executor } from './executor.js';

export interface ColumnInfo {
  type: string;
  notNull: boolean;
  default: string | null;
  generated: boolean;
}

/** What a schema holds, in the catalog's own words, for comparison and health checks. */
export interface Catalog {
  enums: Record<string, string[]>;
  tables: Record<string, Record<string, ColumnInfo>>;
  /** index name → definition without the schema prefix */
  indexes: Record<string, string>;
  /** "table.constraint" → definition */
  constraints: Record<string, string>;
  /** trigger name → definition */
  triggers: Record<string, string>;
  /** view name → column names in order */
  views: Record<string, string[]>;
  materializedViews: Record<string, string[]>;
  /** "name(identity arguments)" → full argument list (with defaults) and result; extension members left out */
  functions: Record<string, { arguments: string; result: string }>;
  /** Installed extensions (the whole database) → version */
  extensions: Record<string, string>;
}

const stripSchema = (s: string, schema: string) => s.split(`${schema}.`).join('');

export async function readCatalog(db: Executor, schema = 'public'): Promise<Catalog> {
  const [enums, columns, indexes, constraints, triggers, views, functions, extensions] = await Promise.all([
    db.query<{ name: string; labels: string[] }>(
      `SELECT t.typname AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS labels
       FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
       WHERE n.nspname = $1 GROUP BY t.typname`,
      [schema],
    ),
    db.query<{
      rel: string;
      kind: string;
      col: string;
      type: string;
      not_null: boolean;
      def: string | null;
      generated: boolean;
    }>(
      `SELECT c.relname AS rel, c.relkind::text AS kind, a.attname AS col, format_type(a.atttypid, a.atttypmod) AS type,
              a.attnotnull AS not_null, pg_get_expr(d.adbin, d.adrelid) AS def, a.attgenerated <> '' AS generated
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
       LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
       WHERE n.nspname = $1 AND c.relkind IN ('r', 'v', 'm')
       ORDER BY c.relname, a.attnum`,
      [schema],
    ),
    db.query<{ name: string; def: string }>(
      'SELECT indexname AS name, indexdef AS def FROM pg_indexes WHERE schemaname = $1',
      [schema],
    ),
    db.query<{ rel: string; name: string; def: string }>(
      `SELECT c.relname AS rel, con.conname AS name, pg_get_constraintdef(con.oid) AS def
       FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND con.contype IN ('p', 'u', 'f', 'c')`,
      [schema],
    ),
    db.query<{ name: string; def: string }>(
      `SELECT t.tgname AS name, pg_get_triggerdef(t.oid) AS def
       FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND NOT t.tgisinternal`,
      [schema],
    ),
    db.query<{ name: string; kind: string }>(
      `SELECT c.relname AS name, c.relkind::text AS kind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND c.relkind IN ('v', 'm')`,
      [schema],
    ),
    db.query<{ signature: string; arguments: string; result: string }>(
      `SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS signature,
              pg_get_function_arguments(p.oid) AS arguments, pg_get_function_result(p.oid) AS result
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
       WHERE n.nspname = $1
         AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')`,
      [schema],
    ),
    db.query<{ name: string; version: string }>(
      'SELECT extname AS name, extversion AS version FROM pg_extension',
    ),
  ]);

  const catalog: Catalog = {
    enums: Object.fromEntries(enums.map((e) => [e.name, e.labels])),
    tables: {},
    indexes: Object.fromEntries(indexes.map((i) => [i.name, stripSchema(i.def, schema)])),
    constraints: Object.fromEntries(constraints.map((c) => [`${c.rel}.${c.name}`, c.def])),
    triggers: Object.fromEntries(triggers.map((t) => [t.name, stripSchema(t.def, schema)])),
    views: {},
    materializedViews: {},
    functions: Object.fromEntries(
      functions.map((f) => [f.signature, { arguments: f.arguments, result: f.result }]),
    ),
    extensions: Object.fromEntries(extensions.map((e) => [e.name, e.version])),
  };
  const viewKinds = new Map(views.map((v) => [v.name, v.kind]));
  for (const c of columns) {
    if (c.kind === 'r') {
      catalog.tables[c.rel] ??= {};
      catalog.tables[c.rel]![c.col] = {
        type: c.type,
        notNull: c.not_null,
        default: c.def,
        generated: c.generated,
      };
    } else {
      const target = viewKinds.get(c.rel) === 'm' ? catalog.materializedViews : catalog.views;
      target[c.rel] = [...(target[c.rel] ?? []), c.col];
    }
  }
  return catalog;
}
