// The plumbing the OpenLedger command-line tools share: one command per run, options parsed
// strictly, a JSON result on stdout, usage errors (exit 2) told apart from failures (exit 1).
import { parseArgs } from 'node:util';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { parseOpen } from './index.mjs';

/** A usage error: printed with the usage text, exit code 2. */
export class UsageError extends Error {}

/** The options every tool takes: the node's WebSocket URL and the signing key. */
export const COMMON_OPTIONS = {
  url: { type: 'string', default: 'ws://127.0.0.1:9944' },
  suri: { type: 'string', default: '//Alice' },
};

/**
 * Parses `argv` as `<command> [options]` against `commands` (command → its `parseArgs` options,
 * on top of [`COMMON_OPTIONS`]); `help`, `--help`, `-h` or nothing is the command `help`.
 */
export function parseCommand(argv, commands) {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === 'help' || cmd === '--help' || cmd === '-h') return { cmd: 'help' };
  const options = commands[cmd];
  if (!options) throw new UsageError(`unknown command '${cmd}'`);
  try {
    const { values } = parseArgs({ args: rest, options: { ...COMMON_OPTIONS, ...options }, strict: true, allowPositionals: false });
    return { cmd, opts: values };
  } catch (e) {
    throw new UsageError(`${cmd}: ${e.message.replace(/\. To specify a positional argument.*$/s, '')}`);
  }
}

/** A required option's value. */
export function need(opts, key) {
  if (opts[key] === undefined || opts[key] === '') throw new UsageError(`--${key} is required`);
  return opts[key];
}

/** A required OPEN amount option, in planck (a usage error naming the option if it is bad). */
export function needOpen(opts, key) {
  try {
    return parseOpen(need(opts, key));
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`--${key}: ${e.message}`);
  }
}

/** Connects @polkadot/api to `url`, failing at once (not retrying) when nothing answers. */
export async function connect(url) {
  await cryptoWaitReady();
  const provider = new WsProvider(url, 0);
  const connected = new Promise((resolve, reject) => {
    provider.on('connected', resolve);
    provider.on('error', () => reject(new Error(`cannot connect to ${url}`)));
  });
  await provider.connect();
  await connected;
  const api = await ApiPromise.create({ provider, noInitWarn: true });
  return { api, provider };
}

/**
 * Runs a tool: parses the command line, `validate(cmd, opts)` checks every option before the
 * network is touched, `run(cmd, opts, values)` does the work and returns the JSON result.
 */
export function runCli(usage, commands, { validate, run }) {
  const main = async () => {
    const { cmd, opts } = parseCommand(process.argv.slice(2), commands);
    if (cmd === 'help') {
      console.log(usage);
      return;
    }
    const values = validate(cmd, opts);
    console.log(JSON.stringify(await run(cmd, opts, values)));
  };
  main().then(
    () => process.exit(0),
    (e) => {
      if (e instanceof UsageError) {
        console.error(`error: ${e.message}\n\n${usage}`);
        process.exit(2);
      }
      console.error(`error: ${e.message}`);
      process.exit(1);
    },
  );
}
