// The CLI from source, for end-to-end tests that spawn a real process without a build.
import { main } from '../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
