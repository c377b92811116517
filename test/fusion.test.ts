// Reciprocal rank fusion as the Qdrant path applies it in the library, on recorded result lists.
import { describe, expect, test } from 'vitest';
import { fuseRanks, RRF_K } from '../src/search/fusion.js';

// Recorded from the hand-checked hybrid set of test/search.test.ts: the full-text ranking of
// "hyperloop" and the neighbours of [1, 0, 0, 0], both restricted to source 'reddit'.
const TEXT = ['a', 'c'];
const VECTOR = ['d', 'a', 'f', 'c'];
const even = { text: 1, vector: 1 };

describe('fuseRanks (the Qdrant path)', () => {
  test('fuses two recorded rankings: score, ranks and order', () => {
    expect(fuseRanks(TEXT, VECTOR, even, 10)).toEqual([
      { id: 'a', score: 1 / 61 + 1 / 62, textRank: 1, vectorRank: 2 },
      { id: 'c', score: 1 / 62 + 1 / 64, textRank: 2, vectorRank: 4 },
      { id: 'd', score: 1 / 61, textRank: null, vectorRank: 1 },
      { id: 'f', score: 1 / 63, textRank: null, vectorRank: 3 },
    ]);
  });

  test('weights scale each side; a zero weight keeps the ranks but adds nothing', () => {
    const textOnly = fuseRanks(TEXT, VECTOR, { text: 1, vector: 0 }, 10);
    expect(textOnly.slice(0, 2).map((f) => f.id)).toEqual(['a', 'c']);
    expect(textOnly.find((f) => f.id === 'd')).toEqual({ id: 'd', score: 0, textRank: null, vectorRank: 1 });
    const heavy = fuseRanks(['x', 'y'], ['y', 'x'], { text: 3, vector: 1 }, 10);
    expect(heavy.map((f) => f.id)).toEqual(['x', 'y']);
    expect(heavy[0]!.score).toBe(3 / (RRF_K + 1) + 1 / (RRF_K + 2));
  });

  test('one side empty: the other side in its own order', () => {
    expect(fuseRanks([], VECTOR, even, 10).map((f) => [f.id, f.textRank, f.vectorRank])).toEqual([
      ['d', null, 1],
      ['a', null, 2],
      ['f', null, 3],
      ['c', null, 4],
    ]);
    expect(fuseRanks(TEXT, [], even, 10).map((f) => f.id)).toEqual(['a', 'c']);
    expect(fuseRanks([], [], even, 10)).toEqual([]);
  });

  test('equal scores go by id; a repeated id keeps its best rank; limit cuts', () => {
    // 'q' is first on text and second on vectors, 'p' the reverse: equal scores.
    expect(fuseRanks(['q', 'p'], ['p', 'q'], even, 10).map((f) => f.id)).toEqual(['p', 'q']);
    expect(fuseRanks(['a', 'a', 'b'], [], even, 10)).toEqual([
      { id: 'a', score: 1 / 61, textRank: 1, vectorRank: null },
      { id: 'b', score: 1 / 63, textRank: 3, vectorRank: null },
    ]);
    expect(fuseRanks(TEXT, VECTOR, even, 2).map((f) => f.id)).toEqual(['a', 'c']);
  });
});
