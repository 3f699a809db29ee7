/** A usage mistake: unknown command or flag, missing argument. Exit code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

export type FlagType = 'string' | 'boolean' | 'number';

export interface FlagSpec {
  type: FlagType;
  description: string;
  required?: boolean;
  /** Shown in help, e.g. FILE, N. */
  value?: string;
  /** A string flag that may be given more than once; its value is then a string[]. */
  multiple?: boolean;
}

export interface CommandSpec {
  /** Words after `lathe`, e.g. ['data', 'import']. */
  path: string[];
  summary: string;
  /** `variadic` (last one only) takes every remaining argument, e.g. `ID...`. */
  positionals: { name: string; required: boolean; description: string; variadic?: boolean }[];
  flags: Record<string, FlagSpec>;
  /**
   * The command always opens its workspace first thing (it calls a channel in a session): the CLI's front
   * then opens the workspace while it loads the commands' runtime (main/workspace/preopen.ts). Leave it
   * out for a command that may not open its workspace, or opens another.
   */
  opensWorkspace?: true;
}

/** Flags every command takes. */
export const GLOBAL_FLAGS: Record<string, FlagSpec> = {
  workspace: {
    type: 'string',
    value: 'DIR',
    description: 'workspace folder (default: $LATHE_HOME, else ~/.lathe)',
  },
  json: { type: 'boolean', description: 'print machine-readable JSON on stdout, nothing else' },
  help: { type: 'boolean', description: 'show help for the command' },
};

export interface ParsedArgs {
  positionals: string[];
  flags: Record<string, string | boolean | number | string[]>;
}

/** Parses `--flag value`, `--flag=value`, `--bool` and positionals against a command's spec. */
export function parseArgs(spec: CommandSpec, argv: string[], usage: string): ParsedArgs {
  const all = { ...GLOBAL_FLAGS, ...spec.flags };
  const flags: Record<string, string | boolean | number | string[]> = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h') {
      flags.help = true;
      continue;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = arg.slice(2, eq >= 0 ? eq : undefined);
      const def = all[name];
      if (!def)
        throw new UsageError(`unknown option --${name} for 'lathe ${spec.path.join(' ')}'`, usage);
      if (def.type === 'boolean') {
        if (eq >= 0) throw new UsageError(`option --${name} takes no value`, usage);
        flags[name] = true;
        continue;
      }
      const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined || (eq < 0 && value.startsWith('--'))) {
        throw new UsageError(
          `option --${name} needs a value${def.value ? ` (${def.value})` : ''}`,
          usage,
        );
      }
      if (def.type === 'number') {
        const n = Number(value);
        if (value.trim() === '' || !Number.isFinite(n))
          throw new UsageError(`option --${name}: '${value}' is not a number`, usage);
        flags[name] = n;
      } else if (def.multiple) {
        const previous = flags[name];
        flags[name] = [...(Array.isArray(previous) ? previous : []), value];
      } else flags[name] = value;
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1 && !/^-\d/.test(arg)) {
      throw new UsageError(`unknown option ${arg} for 'lathe ${spec.path.join(' ')}'`, usage);
    }
    positionals.push(arg);
  }
  if (flags.help) return { positionals, flags };
  const required = spec.positionals.filter((p) => p.required);
  if (positionals.length < required.length) {
    throw new UsageError(`missing argument ${required[positionals.length]!.name}`, usage);
  }
  if (positionals.length > spec.positionals.length && !spec.positionals.at(-1)?.variadic) {
    throw new UsageError(`unexpected argument '${positionals[spec.positionals.length]}'`, usage);
  }
  for (const [name, def] of Object.entries(spec.flags)) {
    if (def.required && flags[name] === undefined)
      throw new UsageError(`missing option --${name}${def.value ? ` ${def.value}` : ''}`, usage);
  }
  return { positionals, flags };
}

export function usageOf(spec: CommandSpec): string {
  const pos = spec.positionals
    .map((p) => `${p.required ? p.name : `[${p.name}]`}${p.variadic ? '...' : ''}`)
    .join(' ');
  const flags = Object.entries(spec.flags)
    .map(([n, f]) => {
      const token = `--${n}${f.type === 'boolean' ? '' : ` ${f.value ?? 'VALUE'}`}`;
      return `${f.required ? token : `[${token}]`}${f.multiple ? '...' : ''}`;
    })
    .join(' ');
  return ['lathe', ...spec.path, pos, flags, '[--workspace DIR] [--json]']
    .filter(Boolean)
    .join(' ');
}

export function helpOf(spec: CommandSpec): string {
  const lines = [`Usage: ${usageOf(spec)}`, '', spec.summary, ''];
  if (spec.positionals.length) {
    lines.push('Arguments:');
    for (const p of spec.positionals) lines.push(`  ${p.name.padEnd(22)} ${p.description}`);
    lines.push('');
  }
  lines.push('Options:');
  for (const [n, f] of Object.entries({ ...spec.flags, ...GLOBAL_FLAGS })) {
    lines.push(
      `  ${`--${n}${f.type === 'boolean' ? '' : ` ${f.value ?? 'VALUE'}`}`.padEnd(22)} ${f.description}`,
    );
  }
  return lines.join('\n');
}
