export { describeIssues, loadServerConfig, parseServerConfig } from './load.js';
export { serverConfigSchema, type ServerConfig } from './schema.js';
