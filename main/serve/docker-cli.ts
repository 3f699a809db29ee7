// `lathe export docker --cli`: a Docker build context for an image holding the Lathe CLI, which exported
// pipelines run (`lathe pipeline export`), one container per step:
//   Dockerfile, .dockerignore, README.md
//   package.json, package-lock.json   the runtime packages the CLI's bundles load (DuckDB, onnxruntime-node,
//                                     tfjs and its wasm backend…), locked to this install's versions:
//                                     the image installs them with `npm ci --omit=dev`
//   main/cli/lathe.cjs, code-cache.cjs the `lathe` executable
//   out/main/*.cjs                    the built CLI (front and runtime), the training and evaluation
//                                     workers, the prediction server of `lathe export docker`
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LatheError, type ExportCliOut } from '../../shared/contract';
import { writeFolderWhole } from '../workspace/out-folder';
import { packageRoot } from '../version';
import { BASE_IMAGE, checkExportFolder } from './docker-export';
import { makeDirs } from '../workspace/make-dirs';

/** The image's name; its tag is Lathe's version. */
export const CLI_IMAGE = 'lathe-cli';
/** Where the image keeps the CLI, and the workspace it uses by default (a volume). */
const APP_DIR = '/opt/lathe';
const WORKSPACE_DIR = '/workspace';

/** The built files the image needs, from out/main; `optional` ones are copied when built. */
const BUNDLES: { file: string; optional?: true }[] = [
  { file: 'cli.cjs' },
  { file: 'cli-run.cjs' },
  { file: 'train-worker.cjs' },
  { file: 'eval-worker.cjs' },
  { file: 'validation-worker.cjs' },
  { file: 'cli-commands.json', optional: true },
  { file: 'serve-standalone.cjs', optional: true },
];

export interface ExportCliOptions {
  /** The workspace folder: a context written inside it is refused. */
  workspaceDir?: string;
  /** Lathe's package root, where out/, package.json and package-lock.json are read (default: this install's). */
  root?: string;
}

interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  dev?: boolean;
  devOptional?: boolean;
  optional?: boolean;
  [field: string]: unknown;
}
interface Lock {
  lockfileVersion: number;
  packages: Record<string, LockEntry>;
}

/**
 * The runtime packages: the package.json dependencies that the built bundles load (`require("NAME")`,
 * `require("NAME/…")` or `require.resolve("NAME")`). Renderer-only packages (chart.js…) and the optional
 * tfjs-node (a download at install) stay out.
 */
export function runtimeDependencies(
  dependencies: Readonly<Record<string, string>>,
  bundles: readonly string[],
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(dependencies).filter(([name]) =>
      bundles.some(
        (text) =>
          text.includes(`require("${name}")`) ||
          text.includes(`require("${name}/`) ||
          text.includes(`require.resolve("${name}")`),
      ),
    ),
  );
}

/** `node_modules/a/node_modules/b` → `node_modules/a`; `node_modules/@s/a` → ``. */
const parentOf = (at: string) => at.replace(/\/?node_modules\/(?:@[^/]+\/)?[^/]+$/, '');

/**
 * The root's package-lock.json cut down to `dependencies` and what they need, as Node resolves each
 * package from where it is installed. Entries keep their versions and integrity; their dev flags go (a
 * package the app only builds with may be one the CLI runs).
 */
export function prunedLock(
  lock: Lock,
  root: { name: string; version: string },
  dependencies: Readonly<Record<string, string>>,
): Lock {
  if (lock.lockfileVersion < 2 || !lock.packages)
    throw new LatheError(
      'INVALID_INPUT',
      `package-lock.json is version ${lock.lockfileVersion}: the CLI context needs a lockfile of npm 7 or later`,
    );
  const kept = new Map<string, LockEntry>();
  const visit = (from: string, name: string, optional: boolean) => {
    for (let at = from; ; at = parentOf(at)) {
      const key = `${at ? `${at}/` : ''}node_modules/${name}`;
      const entry = lock.packages[key];
      if (entry) {
        if (kept.has(key)) return;
        const { dev: _dev, devOptional, ...rest } = entry;
        kept.set(key, devOptional ? { ...rest, optional: true } : rest);
        for (const [deps, opt] of [
          [entry.dependencies, false],
          [entry.optionalDependencies, true],
          [entry.peerDependencies, true],
        ] as const)
          for (const dep of Object.keys(deps ?? {})) visit(key, dep, opt);
        return;
      }
      if (at === '') break;
    }
    if (!optional)
      throw new LatheError(
        'FILE_NOT_FOUND',
        `package-lock.json has no ${name} (needed by ${from || 'the CLI'}): run npm install`,
        { package: name },
      );
  };
  for (const name of Object.keys(dependencies)) visit('', name, false);
  const packages: Record<string, LockEntry> = {
    '': { name: root.name, version: root.version, dependencies: { ...dependencies } },
  };
  for (const key of [...kept.keys()].sort()) packages[key] = kept.get(key)!;
  return {
    name: root.name,
    version: root.version,
    lockfileVersion: 3,
    requires: true,
    packages,
  } as Lock;
}

function dockerfile(version: string, image: string): string {
  const label = (k: string, v: string) => `LABEL ${k}=${JSON.stringify(v)}`;
  return `# The Lathe CLI ${version}, as exported pipelines run it. Build: docker build -t ${image} .
FROM ${BASE_IMAGE}
${label('org.opencontainers.image.title', CLI_IMAGE)}
${label('org.opencontainers.image.description', `Lathe ${version} command line: lathe pipeline run, train, predict, serve…`)}
${label('org.opencontainers.image.version', version)}
# onnxruntime-node's install would download CUDA libraries: the CLI runs on CPU.
ENV NODE_ENV=production LATHE_HOME=${WORKSPACE_DIR} ONNXRUNTIME_NODE_INSTALL=skip
WORKDIR ${APP_DIR}
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY main/cli ./main/cli
COPY out ./out
COPY resources ./resources
# The command on the PATH, and V8's code cache of the CLI's runtime (which also checks that it loads).
RUN ln -s ${APP_DIR}/main/cli/lathe.cjs /usr/local/bin/lathe \\
  && node -e "require('./main/cli/code-cache.cjs').requireWithCodeCache('${APP_DIR}/out/main/cli-run.cjs', { rebuild: true }).save()" \\
  && mkdir -p ${WORKSPACE_DIR} && chown node:node ${WORKSPACE_DIR}
# Files stay owned by root; the CLI runs as the unprivileged node user (uid 1000) on the workspace volume.
USER node
WORKDIR ${WORKSPACE_DIR}
VOLUME ${WORKSPACE_DIR}
ENTRYPOINT ["lathe"]
CMD ["--help"]
`;
}

function readme(version: string, image: string, deps: Record<string, string>): string {
  return `# Lathe CLI ${version} — Docker build context

An image with the \`lathe\` command (Node 20, ${Object.keys(deps).join(', ')}), for pipelines exported
with \`lathe pipeline export argo|k8s-jobs\`: each step runs \`lathe pipeline run FILE --only STEP\` in it.

\`\`\`sh
docker build -t ${image} .          # installs the locked packages with npm ci (needs the npm registry)
docker run --rm ${image} --help
docker run --rm -v "$PWD/workspace:${WORKSPACE_DIR}" -v "$PWD:/pipeline:ro" ${image} \\
  pipeline run /pipeline/pipeline.yaml --json
docker tag ${image} REGISTRY/${image} && docker push REGISTRY/${image}
\`\`\`

- The workspace is ${WORKSPACE_DIR} (\`LATHE_HOME\`, a volume); the CLI runs as the \`node\` user (uid 1000).
- \`ENTRYPOINT ["lathe"]\`: arguments after the image name are the command's.
`;
}

/**
 * Writes the Docker build context of the Lathe CLI image into `out` (new or empty, outside the workspace),
 * whole or not at all. Needs the built CLI (out/main, `npm run build`) and the root's package-lock.json.
 */
export async function exportCliContext(
  out: string,
  opts: ExportCliOptions = {},
): Promise<ExportCliOut> {
  checkExportFolder(out, opts.workspaceDir);
  const root = opts.root ?? packageRoot();
  const built = join(root, 'out', 'main');
  const missing = BUNDLES.filter((b) => !b.optional && !existsSync(join(built, b.file)));
  if (missing.length)
    throw new LatheError(
      'FILE_NOT_FOUND',
      `the built CLI is missing ${missing.map((b) => join(built, b.file)).join(', ')}: run npm run build`,
      { file: join(built, missing[0]!.file) },
    );
  const lockFile = join(root, 'package-lock.json');
  if (!existsSync(lockFile))
    throw new LatheError('FILE_NOT_FOUND', `${lockFile} is missing: run npm install`, {
      file: lockFile,
    });
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
    description?: string;
    license?: string;
    engines?: Record<string, string>;
    dependencies?: Record<string, string>;
  };
  const version = pkg.version;
  const image = `${CLI_IMAGE}:${version}`;
  const present = BUNDLES.filter((b) => existsSync(join(built, b.file)));
  const deps = runtimeDependencies(
    pkg.dependencies ?? {},
    present
      .filter((b) => b.file.endsWith('.cjs'))
      .map((b) => readFileSync(join(built, b.file), 'utf8')),
  );
  const lock = prunedLock(JSON.parse(readFileSync(lockFile, 'utf8')) as Lock, pkg, deps);

  const written = await writeFolderWhole(out, 'the Docker context', (dir) => {
    makeDirs(join(dir, 'out', 'main'));
    for (const b of present) cpSync(join(built, b.file), join(dir, 'out', 'main', b.file));
    makeDirs(join(dir, 'main', 'cli'));
    for (const f of ['lathe.cjs', 'code-cache.cjs'])
      cpSync(join(root, 'main', 'cli', f), join(dir, 'main', 'cli', f));
    // The pipelines shipped with Lathe: `lathe demo` runs one.
    const shipped = join(root, 'resources', 'pipelines');
    makeDirs(join(dir, 'resources', 'pipelines'));
    if (existsSync(shipped))
      cpSync(shipped, join(dir, 'resources', 'pipelines'), { recursive: true });
    writeFileSync(
      join(dir, 'package.json'),
      `${JSON.stringify(
        {
          // The CLI finds its root by this name (main/version.ts) and reads its version here.
          name: pkg.name,
          version: pkg.version,
          private: true,
          description: pkg.description,
          license: pkg.license,
          bin: { lathe: 'main/cli/lathe.cjs' },
          engines: pkg.engines,
          dependencies: deps,
        },
        null,
        2,
      )}\n`,
    );
    writeFileSync(join(dir, 'package-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
    writeFileSync(join(dir, 'Dockerfile'), dockerfile(version, image));
    writeFileSync(
      join(dir, '.dockerignore'),
      'node_modules\nREADME.md\nDockerfile\n.dockerignore\n',
    );
    writeFileSync(join(dir, 'README.md'), readme(version, image, deps));
  });
  return { dir: written.dir, image, bytes: written.bytes, files: written.files };
}
