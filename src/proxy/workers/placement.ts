/**
 * Which workers bind which listening socket. Each SO_REUSEPORT copy of a socket is a descriptor of
 * the one process, so N workers × M sockets must fit in the descriptor limit beside the connections
 * (2 descriptors each): while N × M fits in half the descriptors still free every worker binds every socket; past
 * that each socket is bound by fewer workers (at least one), spread by a hash of its key, and the
 * kernel hands its connections to those. Pure: every worker computes the same answer.
 */

/** How many workers bind each new socket: `workers` while workers × sockets ≤ half the descriptors still free (`fdLimit`), else fewer, at least 1. */
export function copiesFor(workers: number, sockets: number, fdLimit: number | null): number {
  if (fdLimit === null || sockets === 0) return workers;
  return Math.max(1, Math.min(workers, Math.floor(fdLimit / 2 / sockets)));
}

/**
 * Whether worker `index` (of `workers`) binds socket `key`, each socket being bound by `copies`
 * consecutive workers from a start its key hashes to. A port-0 socket starts at worker 0, which
 * binds it first and learns the port the others join.
 */
export function bindsHere(key: string, port: number, index: number, workers: number, copies: number): boolean {
  if (copies >= workers) return true;
  const start = port === 0 ? 0 : fnv1a(key) % workers;
  return (index - start + workers) % workers < copies;
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
