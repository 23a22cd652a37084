/**
 * Seeded randomness for tests that choose at random (kill points, say), so
 * that a failure can be replayed: the seed comes from RELAY_TEST_SEED when
 * set, else from the clock, and the test prints it when it fails.
 */
export function testSeed(): number {
  const given = process.env.RELAY_TEST_SEED;
  if (given !== undefined && given !== '') {
    const seed = Number(given);
    if (!Number.isSafeInteger(seed)) throw new Error(`RELAY_TEST_SEED must be an integer, not '${given}'`);
    return seed >>> 0;
  }
  return (Date.now() ^ (process.pid << 16)) >>> 0;
}

/** mulberry32: numbers in [0, 1), the same sequence for the same seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
