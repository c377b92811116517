import { createHash } from 'node:crypto';

/**
 * A local, deterministic text embedding: word unigrams and bigrams hashed into `dims` buckets
 * with a sign, then normalised. No model, no network; similar wording → similar vectors.
 */
export function hashEmbedding(text: string, dims = 384): number[] {
  const v = new Float64Array(dims);
  const words = text
    .normalize('NFKC')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 1);
  const grams = [...words, ...words.slice(1).map((w, i) => `${words[i]} ${w}`)];
  for (const g of grams) {
    const h = createHash('md5').update(g).digest();
    const bucket = h.readUInt32LE(0) % dims;
    v[bucket]! += (h[4]! & 1 ? 1 : -1) * (g.includes(' ') ? 0.5 : 1);
  }
  let norm = Math.hypot(...v);
  if (norm === 0) {
    v[0] = 1;
    norm = 1;
  }
  return Array.from(v, (x) => x / norm);
}
