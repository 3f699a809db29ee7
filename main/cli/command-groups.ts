// The commands' runtime, which the CLI's front (index.ts) loads when a command runs: each command file,
// loaded only when one of its commands runs (`lathe --help` and a command's --help read the specs from the
// manifest the build writes, out/main/cli-commands.json, and load none of them), and what the front needs
// once one ran, from the same modules the commands use (their LatheError class, not a copy).
import type { CommandSpec } from './args';
import type { Command } from './command';

export { LatheError, toErrorShape } from '../../shared/contract';

export const commandGroups = {
  alerts: () => import('./commands/alerts'),
  capture: () => import('./commands/capture'),
  data: () => import('./commands/data'),
  drift: () => import('./commands/drift'),
  eval: () => import('./commands/eval'),
  'mlflow-files': () => import('./commands/mlflow-files'),
  mlflow: () => import('./commands/mlflow'),
  models: () => import('./commands/models'),
  pipeline: () => import('./commands/pipeline'),
  'pipeline-export': () => import('./commands/pipeline-export'),
  projects: () => import('./commands/projects'),
  retrain: () => import('./commands/retrain'),
  'run-config': () => import('./commands/run-config'),
  runs: () => import('./commands/runs'),
  serve: () => import('./commands/serve'),
  server: () => import('./commands/server'),
  workspace: () => import('./commands/workspace'),
} as const;

export type GroupName = keyof typeof commandGroups;

/** A command as the manifest lists it: its spec and the file that runs it. */
export interface CommandEntry extends CommandSpec {
  group: GroupName;
}

const isCommand = (v: unknown): v is Command =>
  typeof v === 'object' &&
  v !== null &&
  Array.isArray((v as Command).path) &&
  typeof (v as Command).run === 'function';

/** The commands a command file exports, alone or in arrays. */
export function commandsOf(mod: Record<string, unknown>): Command[] {
  return Object.values(mod)
    .flatMap((v): unknown[] => (Array.isArray(v) ? (v as unknown[]) : [v]))
    .filter(isCommand);
}

const key = (path: string[]) => path.join(' ');

/** The command of `entry`, from its file. */
export async function loadCommand(entry: CommandEntry): Promise<Command | undefined> {
  const mod = (await commandGroups[entry.group]()) as Record<string, unknown>;
  return commandsOf(mod).find((c) => key(c.path) === key(entry.path));
}

/** Every command's spec and file, in the order `lathe --help` lists them (what the build writes). */
export async function commandManifest(): Promise<CommandEntry[]> {
  const groupOf = new Map<string, GroupName>();
  for (const group of Object.keys(commandGroups) as GroupName[]) {
    const mod = (await commandGroups[group]()) as Record<string, unknown>;
    for (const c of commandsOf(mod)) groupOf.set(key(c.path), group);
  }
  const { commands } = await import('./commands');
  return commands.map(({ path, summary, positionals, flags, opensWorkspace }) => {
    const group = groupOf.get(key(path));
    if (!group) throw new Error(`command '${key(path)}' is in no file of commandGroups`);
    return {
      path,
      summary,
      positionals,
      flags,
      ...(opensWorkspace ? { opensWorkspace } : {}),
      group,
    };
  });
}
