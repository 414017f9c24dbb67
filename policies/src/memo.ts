/**
 * A memoised one-argument function. Address parsing is hot (every rule, host and config check parses the same few
 * CIDRs), and ipaddr.js tries IPv6 before IPv4; the cache is cleared past `max` entries so a long run stays bounded.
 * Thrown errors are not cached.
 */
export function memoise<A, R>(fn: (a: A) => R, max = 10_000): (a: A) => R {
  const cache = new Map<A, R>();
  return (a) => {
    if (cache.has(a)) return cache.get(a) as R;
    const r = fn(a);
    if (cache.size >= max) cache.clear();
    cache.set(a, r);
    return r;
  };
}
