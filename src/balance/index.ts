/** Subset and endpoint pickers (pure). */
export { SmoothWeightedPicker, smoothStep } from './smooth';
export { RandomWeightedPicker, randomScan } from './random';
export { LeastRequestPicker, RoundRobinPicker, RandomPicker, createEndpointPicker, FULL_SCAN_MAX } from './endpoint';
export type { Rng, Skip, ActiveCount, EndpointPicker } from './types';
export { StickyPicker, SourceHashPicker, addressHash, hashString, mix32, peerSeed, rendezvous } from './sticky';
