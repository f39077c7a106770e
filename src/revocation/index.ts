export { Reaper, type ReapResult, type ReaperOptions } from './reaper.js';
export { Revoker, errorSummary, type ProviderLookup, type RevokeOptions, type RevokerDeps } from './revoker.js';
