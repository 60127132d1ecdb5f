/**
 * Asterisk's string hash and the order its ao2 hash containers iterate in, for the lists that
 * Asterisk prints by walking such a container (channels, SIP peers, queues).
 */

/** ast_str_case_hash: djb2 over lower-cased bytes, masked to INT_MAX (ast_str_hash_restrict). */
export function astStrCaseHash(s: string): number {
  let h = 5381;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) & 0xff;
    const lc = c >= 65 && c <= 90 ? c + 32 : c;
    h = (Math.imul(h, 33) ^ lc) >>> 0;
  }
  return h & 0x7fffffff;
}

/** AST_NUM_CHANNEL_BUCKETS: the channel container's and the snapshot cache's buckets. */
export const CHANNEL_BUCKETS = 1567;

/**
 * Items in the order an ao2 hash container of `buckets` buckets, keyed by `key` with
 * ast_str_case_hash, iterates them: bucket by bucket, and in a bucket in the order they were
 * linked (`items` is in that order).
 */
export function hashContainerOrder<T>(items: readonly T[], key: (t: T) => string, buckets: number): T[] {
  return items
    .map((item, i) => ({ item, i, b: astStrCaseHash(key(item)) % buckets }))
    .sort((x, y) => x.b - y.b || x.i - y.i)
    .map((x) => x.item);
}
