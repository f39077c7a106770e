export { MysqlProvider, type MysqlProviderDeps } from './provider.js';
