export { PostgresProvider, type DatabaseProviderDeps } from './provider.js';
export { scramVerifierAccepts } from './scram-verifier.js';
