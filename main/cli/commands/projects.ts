// `lathe projects …`: list, create, rename and delete the projects that group datasets, runs and models.
import { invoke, str, type Command } from '../command';
import { table } from '../output';

export const projectsList: Command = {
  path: ['projects', 'list'],
  opensWorkspace: true,
  summary: 'List projects with their dataset and run counts.',
  positionals: [],
  flags: {},
  async run(ctx) {
    const list = await invoke(ctx, 'projects:list', {});
    ctx.result(list, () =>
      table(
        ['name', 'datasets', 'runs', 'created', 'description'],
        list.map((p) => [p.name, p.datasetCount, p.runCount, p.createdAt, p.description]),
        60,
      ),
    );
    return 0;
  },
};

export const projectsCreate: Command = {
  path: ['projects', 'create'],
  summary: 'Create a project.',
  positionals: [{ name: 'NAME', required: true, description: 'project name' }],
  flags: { description: { type: 'string', value: 'TEXT', description: 'what it is for' } },
  async run(ctx) {
    const p = await invoke(ctx, 'projects:create', {
      name: ctx.args.positionals[0]!,
      description: str(ctx, 'description') ?? '',
    });
    ctx.result(p, () => `Created project ${p.name}`);
    return 0;
  },
};

export const projectsRename: Command = {
  path: ['projects', 'rename'],
  summary: 'Rename a project.',
  positionals: [
    { name: 'NAME', required: true, description: 'project name' },
    { name: 'NEW_NAME', required: true, description: 'the new name' },
  ],
  flags: {},
  async run(ctx) {
    const [name, to] = ctx.args.positionals as [string, string];
    const r = await invoke(ctx, 'projects:rename', { name, to });
    ctx.result(r, () => `Renamed project ${r.previous} to ${r.name}`);
    return 0;
  },
};

export const projectsDelete: Command = {
  path: ['projects', 'delete'],
  summary:
    'Delete an empty project; refused, naming them, while it holds datasets, runs or models.',
  positionals: [{ name: 'NAME', required: true, description: 'project name' }],
  flags: {},
  async run(ctx) {
    const r = await invoke(ctx, 'projects:delete', { name: ctx.args.positionals[0]! });
    ctx.result(r, () => `Deleted project ${r.name}`);
    return 0;
  },
};

export const projectCommands: Command[] = [
  projectsList,
  projectsCreate,
  projectsRename,
  projectsDelete,
];
