// The platform's vector usage: store embeddings with metadata, then search with a filter.
// Run: npx tsx examples/vector.ts   (pgvector inside the embedded store unless QDRANT_URL is set)
import { createHash } from 'node:crypto';
import { createStorage } from 'trend-storage';

/** A stand-in for a real embedding model: each word adds to a few hashed dimensions. */
function embed(text: string, dimensions = 384): number[] {
  const v = new Array<number>(dimensions).fill(0);
  for (const word of text.toLowerCase().split(/\W+/).filter(Boolean)) {
    const h = createHash('sha1').update(word).digest();
    for (let i = 0; i < 3; i++) v[h.readUInt16BE(i * 2) % dimensions]! += 1;
  }
  return v;
}

const storage = await createStorage();
try {
  const vectors = storage.vectors({ name: 'example_embeddings', dimensions: 384 });
  const docs = [
    { id: 'trend_1', text: 'open source language models top the benchmarks', category: 'Technology' },
    { id: 'trend_2', text: 'new language model weights released as open source', category: 'Technology' },
    { id: 'trend_3', text: 'football transfer window closes with record fees', category: 'Sports' },
  ];
  await vectors.upsertBatch(
    docs.map((d) => ({ id: d.id, vector: embed(d.text), metadata: { category: d.category } })),
  );

  const matches = await vectors.search(embed('open language models'), {
    limit: 5,
    minScore: 0.1,
    filter: { field: 'category', eq: 'Technology' },
  });
  for (const m of matches) console.log(`${m.id}  ${m.score.toFixed(3)}  ${m.metadata.category}`);
  console.log(`points in collection: ${await vectors.count()}`);
} finally {
  await storage.close();
}
