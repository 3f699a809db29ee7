// The `lathe` command: parses arguments with the contract, calls the services, prints text or --json.
import { LatheError, toErrorShape } from '../../shared/contract';
import { latheVersion } from '../version';
import { resolveWorkspaceDir } from '../api/workspace';
import { UsageError, helpOf, parseArgs, usageOf } from './args';
import type { Command, Ctx, Io } from './command';
import { commands } from './commands';

function generalHelp(): string {
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

function findCommand(argv: string[]): { command: Command; rest: string[] } | null {
  let best: { command: Command; rest: string[] } | null = null;
  for (const command of commands) {
    const n = command.path.length;
    if (command.path.every((w, i) => argv[i] === w) && (!best || n > best.command.path.length)) {
      best = { command, rest: argv.slice(n) };
    }
  }
  return best;
}

function exitCodeFor(err: unknown): number {
  if (err instanceof UsageError) return 2;
  if (err instanceof LatheError && err.code === 'CANCELLED') return 130;
  return 1;
}

/** Runs one CLI invocation; resolves with the process exit code. */
export async function main(argv: string[], io: Io = defaultIo()): Promise<number> {
  const wantsJson = argv.includes('--json');
  const writeError = (err: unknown) => {
    const shape =
      err instanceof UsageError
        ? { code: 'INVALID_INPUT', message: err.message }
        : toErrorShape(err);
    io.stderr.write(`error: ${shape.message}\n`);
    if (err instanceof UsageError && err.usage) io.stderr.write(`usage: ${err.usage}\n`);
    if (wantsJson) io.stdout.write(`${JSON.stringify({ error: shape }, null, 2)}\n`);
  };
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.stdout.write(`${generalHelp()}\n`);
    return 0;
  }
  if (argv[0] === '--version' || argv[0] === 'version') {
    io.stdout.write(
      wantsJson ? `${JSON.stringify({ version: latheVersion() })}\n` : `${latheVersion()}\n`,
    );
    return 0;
  }
  const found = findCommand(argv);
  if (!found) {
    const groups = commands.filter((c) => c.path[0] === argv[0]);
    const message = groups.length
      ? `unknown command 'lathe ${argv.slice(0, 2).join(' ')}'; try: ${groups.map((c) => c.path.join(' ')).join(', ')}`
      : `unknown command '${argv[0]}'; run 'lathe --help'`;
    writeError(new UsageError(message));
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
    const ctx: Ctx = {
      args,
      json,
      workspaceDir: resolveWorkspaceDir(args.flags.workspace as string | undefined),
      io,
      result(value, human) {
        io.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
      },
      say(message) {
        if (!json) io.stderr.write(`${message}\n`);
      },
    };
    return await command.run(ctx);
  } catch (err) {
    writeError(err);
    return exitCodeFor(err);
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
