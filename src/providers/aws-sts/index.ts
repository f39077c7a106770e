export { AwsStsProvider, type AwsStsDeps } from './provider.js';
export { parseAwsStsConfig, type AwsStsConfig } from './config.js';
