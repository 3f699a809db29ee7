// The `lathe` command: parses arguments with the contract, calls the services, prints text or --json.
// It starts fast. This front imports no command: help, --version and usage errors read the command specs
// from the manifest the build writes beside it (MANIFEST_FILE), and the commands' runtime (command-groups:
// the command files, the services, the contract, DuckDB) is loaded only when a command runs, and then
// only its own file's modules. Built, the runtime is a bundle of its own (out/main/cli-run.cjs, see
// esbuild.config.mjs). Without the manifest (from source), it is built by loading every command file.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { preopenWorkspace, releaseUntaken, resolveWorkspaceDir } from '../api/preopen';
import { latheVersion } from '../version';
import { UsageError, helpOf, parseArgs, usageOf } from './args';
import type { Ctx, Io } from './command';
import type { CommandEntry } from './command-groups';

/** The manifest's file name, beside the built CLI bundle (written by esbuild.config.mjs). */
export const MANIFEST_FILE = 'cli-commands.json';

/** The commands' runtime: main/cli/command-groups.ts. */
export type Runtime = typeof import('./command-groups');
export const loadRuntime = (): Promise<Runtime> => import('./command-groups');

async function loadManifest(runtime: () => Promise<Runtime>): Promise<CommandEntry[]> {
  try {
    return JSON.parse(readFileSync(join(__dirname, MANIFEST_FILE), 'utf8')) as CommandEntry[];
  } catch {
    return (await runtime()).commandManifest();
  }
}

/**
 * A UsageError, also one a command threw: the runtime's bundle has its own copy of the class, so the
 * name tells, not instanceof.
 */
function isUsageError(err: unknown): err is UsageError {
  return err instanceof Error && err.name === 'UsageError';
}

function generalHelp(commands: CommandEntry[]): string {
  const width = Math.max(...commands.map((c) => c.path.join(' ').length));
  return [
    `Lathe ${latheVersion()} — an MLOps workbench on your own machine.`,
    '',
    'Usage: lathe <command> [arguments] [--workspace DIR] [--json]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.path.join(' ').padEnd(width)}  ${c.summary}`),
    '',
    'Every command takes --workspace DIR (default: $LATHE_HOME, else ~/.lathe) and --json.',
    "Run 'lathe <command> --help' for a command's options.",
  ].join('\n');
}

/** The help of a group of commands (`lathe data --help`): each command of the group with its summary. */
function groupHelp(group: string, commands: CommandEntry[]): string {
  const width = Math.max(...commands.map((c) => c.path.join(' ').length + 6));
  return [
    `Usage: lathe ${group} <command> [arguments] [--workspace DIR] [--json]`,
    '',
    'Commands:',
    ...commands.map((c) => `  ${`lathe ${c.path.join(' ')}`.padEnd(width)}  ${c.summary}`),
    '',
    `Run 'lathe ${group} <command> --help' for a command's options.`,
  ].join('\n');
}

function findCommand(
  commands: CommandEntry[],
  argv: string[],
): { command: CommandEntry; rest: string[] } | null {
  let best: { command: CommandEntry; rest: string[] } | null = null;
  for (const command of commands) {
    const n = command.path.length;
    if (command.path.every((w, i) => argv[i] === w) && (!best || n > best.command.path.length)) {
      best = { command, rest: argv.slice(n) };
    }
  }
  return best;
}

async function exitCodeFor(err: unknown, runtime: () => Promise<Runtime>): Promise<number> {
  if (isUsageError(err)) return 2;
  const { LatheError } = await runtime();
  if (err instanceof LatheError && err.code === 'CANCELLED') return 130;
  return 1;
}

/**
 * Runs one CLI invocation; resolves with the process exit code. `runtime` loads the commands' runtime
 * (main/cli/lathe.cjs passes one that keeps V8's code cache of its bundle).
 */
export async function main(
  argv: string[],
  io: Io = defaultIo(),
  runtime: () => Promise<Runtime> = loadRuntime,
): Promise<number> {
  const wantsJson = argv.includes('--json');
  const writeError = async (err: unknown) => {
    const shape = isUsageError(err)
      ? { code: 'INVALID_INPUT', message: err.message }
      : (await runtime()).toErrorShape(err);
    io.stderr.write(`error: ${shape.message}\n`);
    if (isUsageError(err) && err.usage) io.stderr.write(`usage: ${err.usage}\n`);
    if (wantsJson) io.stdout.write(`${JSON.stringify({ error: shape }, null, 2)}\n`);
  };
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.stdout.write(`${generalHelp(await loadManifest(runtime))}\n`);
    return 0;
  }
  if (argv[0] === '--version' || argv[0] === 'version') {
    io.stdout.write(
      wantsJson ? `${JSON.stringify({ version: latheVersion() })}\n` : `${latheVersion()}\n`,
    );
    return 0;
  }
  const commands = await loadManifest(runtime);
  const found = findCommand(commands, argv);
  if (!found) {
    const groups = commands.filter((c) => c.path[0] === argv[0]);
    // A group asked for its help (`lathe data --help`, `lathe data help`) lists its commands.
    if (groups.length && argv.length === 2 && ['--help', '-h', 'help'].includes(argv[1]!)) {
      io.stdout.write(`${groupHelp(argv[0]!, groups)}\n`);
      return 0;
    }
    const message = !groups.length
      ? `unknown command '${argv[0]}'; run 'lathe --help'`
      : argv.length === 1 || argv[1]!.startsWith('-')
        ? `'lathe ${argv[0]}' needs a command: ${groups.map((c) => c.path.join(' ')).join(', ')} (lathe ${argv[0]} --help says what each does)`
        : `unknown command 'lathe ${argv.slice(0, 2).join(' ')}'; try: ${groups.map((c) => c.path.join(' ')).join(', ')}`;
    await writeError(new UsageError(message));
    return 2;
  }
  const { command, rest } = found;
  const usage = usageOf(command);
  try {
    const args = parseArgs(command, rest, usage);
    if (args.flags.help) {
      io.stdout.write(`${helpOf(command)}\n`);
      return 0;
    }
    const json = args.flags.json === true;
    const workspaceDir = resolveWorkspaceDir(args.flags.workspace as string | undefined);
    if (command.opensWorkspace) preopenWorkspace(workspaceDir);
    const { loadCommand } = await runtime();
    const run = await loadCommand(command);
    if (!run)
      throw new Error(`command '${command.path.join(' ')}' is missing; rebuild: npm run build`);
    const ctx: Ctx = {
      args,
      json,
      workspaceDir,
      io,
      result(value, human) {
        io.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
      },
      say(message) {
        if (!json) io.stderr.write(`${message}\n`);
      },
    };
    return await run.run(ctx);
  } catch (err) {
    await writeError(err);
    return exitCodeFor(err, runtime);
  } finally {
    releaseUntaken();
  }
}

function defaultIo(): Io {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    interrupted: new Promise<void>((resolveInterrupt) => {
      let count = 0;
      const onSignal = (signal: NodeJS.Signals) => {
        count++;
        // A second Ctrl-C leaves at once; the lock is released on exit and a stale one is taken over.
        if (count > 1) process.exit(signal === 'SIGINT' ? 130 : 143);
        resolveInterrupt();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    }),
  };
}
