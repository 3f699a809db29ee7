// Traffic split between a champion and a challenger: deterministic by request id, so a retried
// request (same X-Request-Id) reaches the same version.

/** FNV-1a of the id, mapped to [0, 10000). */
export function bucketOf(requestId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < requestId.length; i++) {
    h ^= requestId.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // A final avalanche so ids that differ only at the end still spread over the range.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  return (h >>> 0) % 10000;
}

/** True when the request goes to the challenger, which takes `percent` (0–100) of the traffic. */
export function routesToChallenger(requestId: string, percent: number): boolean {
  return bucketOf(requestId) < Math.round(percent * 100);
}
