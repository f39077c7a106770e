// The `warrant` command run from the TypeScript sources (through tsx), for tests that must not
// depend on a build in dist/. Behaves like bin/warrant.js.
import { main } from '../../src/cli/main.js';

const SERVER_COMMANDS = new Set(['dev', 'serve']);
const code = await main(process.argv.slice(2));
if (!SERVER_COMMANDS.has(process.argv[2] ?? '')) process.exit(code);
else process.exitCode = code;
