// The Qdrant side cannot run here (no server): its translations are pure and tested as such.
import { describe, expect, test } from 'vitest';
import { ConnectionError, StorageError, ValidationError } from '../src/domain/errors.js';
import { Params } from '../src/sql/params.js';
import { filterToQdrant, filterToSql, parseFilter } from '../src/vector/filter.js';
import { mapQdrantError } from '../src/vector/qdrant.js';
import { fromPayload, ID_KEY, pointId, QDRANT_DISTANCE, toPayload } from '../src/vector/qdrant-mapping.js';

describe('filter → Qdrant', () => {
  test('conditions map to Qdrant field conditions', () => {
    expect(filterToQdrant({ field: 'category', eq: 'tech' })).toEqual({
      must: [{ key: 'category', match: { value: 'tech' } }],
    });
    expect(filterToQdrant({ field: 'n', in: [1, 2] })).toEqual({
      must: [{ key: 'n', match: { any: [1, 2] } }],
    });
    expect(filterToQdrant({ field: 'a.b', gte: 1, lt: 5 })).toEqual({
      must: [{ key: 'a.b', range: { gte: 1, lt: 5 } }],
    });
    expect(filterToQdrant({ field: 'at', gt: new Date('2026-01-01T00:00:00Z') })).toEqual({
      must: [{ key: 'at', range: { gt: '2026-01-01T00:00:00.000Z' } }],
    });
    expect(filterToQdrant({ field: 'x', exists: true })).toEqual({ must_not: [{ is_empty: { key: 'x' } }] });
    expect(filterToQdrant({ field: 'x', exists: false })).toEqual({ must: [{ is_empty: { key: 'x' } }] });
  });

  test('and / or / not become must / should / must_not, nested', () => {
    expect(
      filterToQdrant({
        and: [{ field: 'a', eq: 1 }, { or: [{ field: 'b', eq: true }, { not: { field: 'c', eq: 'z' } }] }],
      }),
    ).toEqual({
      must: [
        { key: 'a', match: { value: 1 } },
        {
          should: [{ key: 'b', match: { value: true } }, { must_not: [{ key: 'c', match: { value: 'z' } }] }],
        },
      ],
    });
  });
});

describe('filter → SQL', () => {
  test('values are bound, never inlined; field paths are inlined only after the pattern check', () => {
    const p = new Params();
    const sql = filterToSql(
      {
        and: [
          { field: 'a.b', eq: "x'; DROP TABLE t; --" },
          { field: 'n', gte: 3 },
        ],
      },
      p,
    );
    expect(sql).not.toContain('DROP');
    expect(sql).toContain(`'{n}'`);
    expect(p.values).toContain(JSON.stringify({ a: { b: "x'; DROP TABLE t; --" } }));
    expect(p.values).toContain(3);
  });

  test('hostile field names and malformed filters are ValidationErrors', () => {
    for (const f of [
      { field: "a'b", eq: 1 },
      { field: 'a}', eq: 1 },
      { field: '', eq: 1 },
      { field: 'a..b', eq: 1 },
      { field: 'a', eq: 1.5 },
      { field: 'a', eq: null },
      { field: 'a', in: [] },
      { field: 'a', in: ['x', 1] },
      { field: 'a' },
      { field: 'a', gt: 'yesterday' },
      { or: [] },
      { not: [] },
      { field: 'a', eq: 'x', extra: 1 },
      'category = tech',
    ]) {
      expect(() => parseFilter(f), JSON.stringify(f)).toThrow(ValidationError);
    }
    const deep = Array.from({ length: 1200 }, (_, i) => ({ field: 'a', eq: i }));
    expect(() =>
      parseFilter({ or: [{ or: deep.slice(0, 100) }, ...Array(11).fill({ or: deep.slice(0, 100) })] }),
    ).toThrow(/at most/);
  });
});

describe('Qdrant ids and payloads', () => {
  test('caller ids map to stable RFC 4122 v5 UUIDs', () => {
    const id = pointId('trend_123');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(pointId('trend_123')).toBe(id);
    expect(pointId('trend_124')).not.toBe(id);
    expect(pointId('')).not.toBe(pointId(' '));
    const many = new Set(Array.from({ length: 10_000 }, (_, i) => pointId(`item_${i}`)));
    expect(many.size).toBe(10_000);
  });

  test('the original id travels in the payload and is stripped from metadata', () => {
    const payload = toPayload('trend_1', { a: 1 });
    expect(payload).toEqual({ a: 1, [ID_KEY]: 'trend_1' });
    expect(fromPayload(payload)).toEqual({ id: 'trend_1', metadata: { a: 1 } });
  });

  test('distances use Qdrant names; errors map to our kinds', () => {
    expect(QDRANT_DISTANCE).toEqual({ cosine: 'Cosine', euclid: 'Euclid', dot: 'Dot' });
    const refused = mapQdrantError(
      Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }),
      'query',
    );
    expect(refused).toBeInstanceOf(ConnectionError);
    const api = mapQdrantError(Object.assign(new Error('Bad Request'), { status: 400 }), 'upsert');
    expect(api).toBeInstanceOf(StorageError);
    expect(api).not.toBeInstanceOf(ConnectionError);
    expect(api.code).toBe('400');
  });
});
