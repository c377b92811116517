// The public surface, read by the TypeScript compiler from src/index.ts: what is exported, and how
// every callable in it is shaped. It fails when an export appears or goes without a decision here.
import ts from 'typescript';
import { expect, test } from 'vitest';
import * as api from '../src/index.js';

/** src/index.ts as the compiler sees it: its checker and its module symbol. */
function compileIndex() {
  const program = ts.createProgram(['src/index.ts'], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    skipLibCheck: true,
  });
  const checker = program.getTypeChecker();
  return { checker, moduleSymbol: checker.getSymbolAtLocation(program.getSourceFile('src/index.ts')!)! };
}

function publicCallables(): {
  name: string;
  params: { name: string; optional: boolean; object: boolean }[];
}[] {
  const { checker, moduleSymbol } = compileIndex();
  const out: ReturnType<typeof publicCallables> = [];
  const describe = (name: string, sig: ts.Signature) => {
    out.push({
      name,
      params: sig.getParameters().map((p) => {
        const decl = p.valueDeclaration as ts.ParameterDeclaration | undefined;
        const type = checker.getNonNullableType(checker.getTypeOfSymbol(p));
        const isObject = (t: ts.Type) =>
          (t.flags & ts.TypeFlags.Object) !== 0 &&
          !checker.isArrayType(t) &&
          t.getCallSignatures().length === 0;
        const object = type.isUnion() ? type.types.every(isObject) : isObject(type);
        return { name: p.name, optional: Boolean(decl && checker.isOptionalParameter(decl)), object };
      }),
    });
  };
  const seen = new Set<ts.Symbol>();
  const visitType = (owner: string, type: ts.Type) => {
    for (const prop of checker.getPropertiesOfType(type)) {
      if (prop.name.startsWith('#') || prop.name.startsWith('__')) continue;
      const decl = prop.valueDeclaration ?? prop.declarations?.[0];
      if (!decl) continue;
      const flags = ts.getCombinedModifierFlags(decl as ts.Declaration);
      if (flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) continue;
      if (decl.getSourceFile().fileName.includes('node_modules')) continue; // Error.prototype and the like
      for (const sig of checker.getTypeOfSymbolAtLocation(prop, decl).getCallSignatures()) {
        describe(`${owner}.${prop.name}`, sig);
      }
    }
  };
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    if (seen.has(symbol)) continue;
    seen.add(symbol);
    const decl = symbol.valueDeclaration ?? symbol.declarations?.[0];
    if (!decl) continue;
    if (symbol.flags & ts.SymbolFlags.Function) {
      for (const sig of checker.getTypeOfSymbolAtLocation(symbol, decl).getCallSignatures()) {
        describe(exported.name, sig);
      }
    }
    if (symbol.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Interface)) {
      visitType(exported.name, checker.getDeclaredTypeOfSymbol(symbol));
      if (symbol.flags & ts.SymbolFlags.Class) {
        const statics = checker.getTypeOfSymbolAtLocation(symbol, decl);
        for (const sig of statics.getConstructSignatures()) {
          if (
            (sig.declaration &&
              ts.getCombinedModifierFlags(sig.declaration as ts.Declaration) & ts.ModifierFlags.Private) === 0
          ) {
            describe(`new ${exported.name}`, sig);
          }
        }
        visitType(exported.name, statics);
      }
    }
  }
  return out;
}

test('no public function takes more than two positional parameters; optional ones are in an options object', () => {
  const callables = publicCallables();
  expect(callables.length).toBeGreaterThan(80); // the walk reaches the repositories' methods
  expect(callables.map((c) => c.name)).toContain('TrendRepository.getTopTrends');
  const offenders = callables.flatMap((c) => {
    const params = [...c.params];
    // A trailing optional object parameter is the options object (a filter is one too). The bind
    // values of `query(text, params?)` follow every SQL driver's convention.
    if (c.name.endsWith('.query')) params.pop();
    if (params.length && params[params.length - 1]!.optional && params[params.length - 1]!.object)
      params.pop();
    const problems: string[] = [];
    if (params.length > 2) problems.push(`${params.length} positional parameters`);
    const optional = params.filter((p) => p.optional && !p.object);
    if (optional.length) problems.push(`optional positional ${optional.map((p) => p.name).join(', ')}`);
    return problems.map((p) => `${c.name}: ${p}`);
  });
  expect(offenders).toEqual([]);
});

test('the runtime exports are the documented API, and nothing internal', () => {
  expect(Object.keys(api).sort()).toEqual([
    'CATEGORY_TYPES',
    'ConnectionError',
    'DEFAULT_COLLECTION',
    'DEFAULT_DATA_DIR',
    'DEFAULT_DIMENSIONS',
    'DISTANCES',
    'EmptyNamespaceError',
    'FRESHNESS_DAYS',
    'IngestError',
    'IntegrityError',
    'LIMITS',
    'LimitExceededError',
    'MemoryCache',
    'MigrationError',
    'NotFoundError',
    'PAYLOAD_INDEX_TYPES',
    'PROCESSING_STATUSES',
    'PermissionDeniedError',
    'PickledValueError',
    'PurgeError',
    'RELEVANCE_WINDOW',
    'RedisCache',
    'SOURCE_TYPES',
    'StorageError',
    'TEXT_SORTS',
    'TREND_SORTS',
    'TREND_STATES',
    'TimeoutError',
    'ValidationError',
    'checkHealth',
    'createStorage',
    'describeDatabase',
    'migrate',
    'migrationStatus',
    'resolveConfig',
    'schemas',
  ]);
  expect(Object.keys(api.schemas).sort()).toEqual([
    'category',
    'language',
    'metrics',
    'processedItem',
    'processingStatus',
    'sourceType',
    'timestamp',
    'topic',
    'trend',
    'trendFilter',
    'trendState',
    'url',
    'uuid',
  ]);
});

test('every exported name, types included: removing one is a decision recorded here and in CHANGELOG.md', () => {
  const { checker, moduleSymbol } = compileIndex();
  expect(
    checker
      .getExportsOfModule(moduleSymbol)
      .map((s) => s.name)
      .sort(),
  ).toEqual(EXPORTED_NAMES);
});

const EXPORTED_NAMES = [
  'AppliedMigration',
  'BatchResult',
  'Bound',
  'CATEGORY_TYPES',
  'CacheConfig',
  'CacheOptions',
  'CacheRepository',
  'CacheStats',
  'CategoryType',
  'CollectionConfig',
  'CollectionOptions',
  'CollectionShape',
  'CompactHistoryOptions',
  'CompactHistoryReport',
  'ConnectionError',
  'CopyTarget',
  'CreateStorageOptions',
  'DEFAULT_COLLECTION',
  'DEFAULT_DATA_DIR',
  'DEFAULT_DIMENSIONS',
  'DISTANCES',
  'Database',
  'DatabaseConfig',
  'Distance',
  'EmptyNamespaceError',
  'Executor',
  'FRESHNESS_DAYS',
  'HealthCheck',
  'HealthReport',
  'HistoryOptions',
  'HybridHit',
  'HybridItemSearch',
  'HybridSearch',
  'HybridTrendSearch',
  'IngestCommitted',
  'IngestError',
  'IngestOptions',
  'IngestProgress',
  'IngestRange',
  'IngestReject',
  'IngestResult',
  'IngestSource',
  'IntegrityError',
  'ItemCountFilter',
  'ItemKey',
  'ItemRepository',
  'ItemSearch',
  'JsonObject',
  'JsonValue',
  'LIMITS',
  'LimitExceededError',
  'ListEndOptions',
  'MemoryCache',
  'MemoryCacheOptions',
  'Metrics',
  'MetricsInput',
  'Migration',
  'MigrationError',
  'MigrationStatus',
  'MoversOptions',
  'NotFoundError',
  'PAYLOAD_INDEX_TYPES',
  'PROCESSING_STATUSES',
  'PayloadIndexType',
  'PermissionDeniedError',
  'PgOptions',
  'PickledValueError',
  'PipelineResult',
  'PipelineRun',
  'PipelineRunRepository',
  'PluginHealth',
  'PluginHealthOptions',
  'PluginHealthRepository',
  'PluginRun',
  'PoolStats',
  'ProcessedItem',
  'ProcessedItemInput',
  'ProcessingStatus',
  'PurgeError',
  'PurgeOptions',
  'PurgeReport',
  'QueryLogError',
  'QueryLogEvent',
  'QueryLogOptions',
  'RELEVANCE_WINDOW',
  'ReadModels',
  'ReadOptions',
  'RecentRunsOptions',
  'RedisCache',
  'RedisCacheOptions',
  'Repositories',
  'RepositoryOptions',
  'Row',
  'SOURCE_TYPES',
  'Scalar',
  'ScrollOptions',
  'SearchOptions',
  'ServerVersions',
  'SourceDayCount',
  'SourcePopularity',
  'SourceType',
  'Storage',
  'StorageConfig',
  'StorageError',
  'StorageOptions',
  'StoredVector',
  'TEXT_SORTS',
  'TREND_SORTS',
  'TREND_STATES',
  'TableCounts',
  'TelemetryOptions',
  'TimeoutError',
  'TopTrendsOptions',
  'Topic',
  'TopicInput',
  'TopicPatch',
  'TopicRepository',
  'TopicSearch',
  'Transaction',
  'Trend',
  'TrendFilter',
  'TrendHistoryInput',
  'TrendHistoryPoint',
  'TrendInput',
  'TrendMove',
  'TrendPatch',
  'TrendRepository',
  'TrendSort',
  'TrendState',
  'TrendingTopic',
  'TtlOptions',
  'ValidationError',
  'VectorConfig',
  'VectorFilter',
  'VectorMatch',
  'VectorPoint',
  'VectorRecord',
  'VectorRepository',
  'checkHealth',
  'createStorage',
  'describeDatabase',
  'migrate',
  'migrationStatus',
  'resolveConfig',
  'schemas',
];
