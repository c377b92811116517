// Pure translations between this library's vector model and Qdrant's, unit-tested without a server.
import { createHash } from 'node:crypto';
import type { JsonObject } from '../domain/models.js';
import type { Distance } from './types.js';

/** Payload key holding the caller's id: Qdrant accepts only UUIDs and unsigned integers as ids. */
export const ID_KEY = '__trend_id';

// A fixed namespace: the same caller id maps to the same point id in every deployment.
const NAMESPACE = Buffer.from('6f1c2b4e9a3d4c5e8f7a1b2c3d4e5f60', 'hex');

/** RFC 4122 version-5 UUID (SHA-1, name-based) of a caller id. */
export function pointId(id: string): string {
  const h = createHash('sha1').update(NAMESPACE).update(id, 'utf8').digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function toPayload(id: string, metadata: JsonObject): Record<string, unknown> {
  return { ...metadata, [ID_KEY]: id };
}

export function fromPayload(payload: Record<string, unknown> | null | undefined): {
  id: string;
  metadata: JsonObject;
} {
  const { [ID_KEY]: id, ...metadata } = payload ?? {};
  return { id: String(id), metadata: metadata as JsonObject };
}

export const QDRANT_DISTANCE = { cosine: 'Cosine', euclid: 'Euclid', dot: 'Dot' } as const satisfies Record<
  Distance,
  string
>;

/** Qdrant already scores by our definitions; a vector may come back as number[] or a named map. */
export function vectorOf(v: unknown): number[] | undefined {
  return Array.isArray(v) ? (v as number[]) : undefined;
}
