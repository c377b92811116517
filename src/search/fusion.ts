/** The rank constant of reciprocal rank fusion (Cormack et al.): dampens the weight of the very top ranks. */
export const RRF_K = 60;

/** How much each side counts in the fused score (each 0–100; default 1 and 1). */
export interface FusionWeights {
  text: number;
  vector: number;
}

/** One fused result: its id, fused score and 1-based rank on each side (null: not in that side's candidates). */
export interface Fused {
  id: string;
  score: number;
  textRank: number | null;
  vectorRank: number | null;
}

/**
 * Weighted reciprocal rank fusion of two ranked id lists: score = w_text / (60 + textRank) +
 * w_vector / (60 + vectorRank), a missing side adding nothing. Highest score first, ties by id —
 * the order the single pgvector statement produces, so both engines agree.
 */
export function fuseRanks(
  textIds: readonly string[],
  vectorIds: readonly string[],
  weights: FusionWeights,
  limit: number,
): Fused[] {
  const byId = new Map<string, Fused>();
  const add = (ids: readonly string[], side: 'textRank' | 'vectorRank', weight: number) => {
    ids.forEach((id, i) => {
      let f = byId.get(id);
      if (!f) {
        f = { id, score: 0, textRank: null, vectorRank: null };
        byId.set(id, f);
      }
      if (f[side] !== null) return; // a repeated id keeps its best rank
      f[side] = i + 1;
      f.score += weight / (RRF_K + i + 1);
    });
  };
  add(textIds, 'textRank', weights.text);
  add(vectorIds, 'vectorRank', weights.vector);
  return [...byId.values()]
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, limit);
}
