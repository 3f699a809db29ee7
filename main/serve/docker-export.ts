// `lathe export docker`: a self-contained Docker build context for one model version —
//   Dockerfile, .dockerignore, README.md, package.json
//   server.cjs              main/serve/standalone.ts bundled by esbuild (onnxruntime-node external)
//   model/                  the model package (writeModelPackage)
//   node_modules/           onnxruntime-node with only its linux x64 binary, and onnxruntime-common
//   k8s/                    deployment.yaml, service.yaml, hpa.yaml
// `docker build` needs no network: nothing is installed in the image.
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { isInside } from '../workspace/paths';
import { LatheError, servableSignature, type ModelVersion } from '../../shared/contract';
import { packageRoot } from '../version';
import { makeUserDirs } from '../workspace/make-dirs';

/** The base image, pinned to the exact Node release Lathe is tested on. */
export const BASE_IMAGE = 'node:20.20.2-bookworm-slim';
export const CONTAINER_PORT = 8080;

export interface DockerExportResult {
  dir: string;
  image: string;
  /** Files in the context, relative, sorted. */
  files: string[];
  /** Total size of the context in bytes. */
  bytes: number;
}

/** A Docker / Kubernetes name: lowercase letters, digits and dashes. */
export function imageName(model: string): string {
  return `lathe-${
    model
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'model'
  }`;
}

const sizeOf = (dir: string): { files: string[]; bytes: number } => {
  const files = (readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => statSync(join(dir, f)).isFile())
    .sort();
  return { files, bytes: files.reduce((n, f) => n + statSync(join(dir, f)).size, 0) };
};

/** Bundles standalone.ts with esbuild when the sources and esbuild are present, else copies the prebuilt bundle. */
async function bundleServer(outfile: string): Promise<void> {
  const root = packageRoot();
  const entry = join(root, 'main', 'serve', 'standalone.ts');
  const prebuilt = join(root, 'out', 'main', 'serve-standalone.cjs');
  if (existsSync(entry)) {
    try {
      const esbuild = await import('esbuild');
      await esbuild.build({
        entryPoints: [entry],
        outfile,
        bundle: true,
        platform: 'node',
        target: 'node20',
        format: 'cjs',
        external: ['onnxruntime-node'],
        minify: true,
        legalComments: 'none',
        logLevel: 'error',
        absWorkingDir: root,
      });
      return;
    } catch (err) {
      if (!existsSync(prebuilt)) throw err;
    }
  }
  if (!existsSync(prebuilt))
    throw new LatheError('FILE_NOT_FOUND', `${prebuilt} is missing: run npm run build`, {
      file: prebuilt,
    });
  cpSync(prebuilt, outfile);
}

/** The folder of an installed package, found from its main file (its exports may hide package.json). */
function packageDirOf(req: NodeJS.Require, name: string): string {
  let dir = dirname(req.resolve(name));
  while (!existsSync(join(dir, 'package.json')) || !isPackage(join(dir, 'package.json'), name)) {
    const up = dirname(dir);
    if (up === dir)
      throw new LatheError('FILE_NOT_FOUND', `cannot find the folder of package ${name}`);
    dir = up;
  }
  return dir;
}

const isPackage = (file: string, name: string) =>
  (JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name === name;

/** Copies onnxruntime-node (JS + the linux x64 binary only) and onnxruntime-common into `modules`. */
function vendorOnnxRuntime(modules: string): void {
  const req = createRequire(join(packageRoot(), 'package.json'));
  const ortDir = dirname(req.resolve('onnxruntime-node/package.json'));
  const commonDir = packageDirOf(createRequire(join(ortDir, 'package.json')), 'onnxruntime-common');
  const binary = join(ortDir, 'bin', 'napi-v6', 'linux', 'x64');
  if (!existsSync(join(binary, 'onnxruntime_binding.node')))
    throw new LatheError(
      'FILE_NOT_FOUND',
      `onnxruntime-node has no linux x64 binary at ${binary}`,
      { file: binary },
    );
  const noMaps = (src: string) => !src.endsWith('.map') && !src.endsWith('.d.ts');
  const ort = join(modules, 'onnxruntime-node');
  cpSync(join(ortDir, 'package.json'), join(ort, 'package.json'));
  cpSync(join(ortDir, 'dist'), join(ort, 'dist'), { recursive: true, filter: noMaps });
  cpSync(binary, join(ort, 'bin', 'napi-v6', 'linux', 'x64'), { recursive: true });
  const common = join(modules, 'onnxruntime-common');
  cpSync(join(commonDir, 'package.json'), join(common, 'package.json'));
  cpSync(join(commonDir, 'dist', 'cjs'), join(common, 'dist', 'cjs'), {
    recursive: true,
    filter: noMaps,
  });
}

function dockerfile(v: ModelVersion, image: string): string {
  const label = (k: string, val: string) => `LABEL ${k}=${JSON.stringify(val)}`;
  return `# Lathe model server for ${v.model}@${v.version}. Build: docker build -t ${image}:${v.version} .
# Everything the image needs is in this folder (onnxruntime-node is vendored): the build uses no network.
FROM ${BASE_IMAGE}
${label('org.opencontainers.image.title', `${image}`)}
${label('org.opencontainers.image.description', `Lathe prediction server for ${v.model}@${v.version} (${servableSignature(v).output.task}, target ${servableSignature(v).output.target})`)}
${label('ai.lathe.model', v.model)}
${label('ai.lathe.version', String(v.version))}
${
  v.lineage
    ? `${label('ai.lathe.run', v.lineage.runId)}
${label('ai.lathe.dataset', `${v.lineage.dataset}@${v.lineage.datasetVersion}`)}
${label('ai.lathe.data-hash', v.lineage.datasetHash)}
${label('ai.lathe.config-hash', v.lineage.configHash)}`
    : `${label('ai.lathe.source', 'import')}
${label('ai.lathe.onnx-sha256', v.source.kind === 'import' ? v.source.sha256 : '')}`
}
ENV NODE_ENV=production HOST=0.0.0.0 PORT=${CONTAINER_PORT} LATHE_LOG_DIR=${LOG_DIR}
WORKDIR /app
# Files stay owned by root: the server runs as the unprivileged node user and cannot modify them.
COPY package.json server.cjs ./
COPY node_modules ./node_modules
COPY model ./model
# Captured predictions go to rotated segment files here; mount a volume to keep them (see README.md).
RUN mkdir -p ${LOG_DIR} && chown node:node ${LOG_DIR}
VOLUME ${LOG_DIR}
USER node
EXPOSE ${CONTAINER_PORT}
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \\
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||${CONTAINER_PORT})+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
STOPSIGNAL SIGTERM
CMD ["node", "server.cjs"]
`;
}

/** Where the image writes its capture log segments (LATHE_LOG_DIR): a volume. */
const LOG_DIR = '/var/log/lathe';

function k8s(v: ModelVersion, image: string): Record<string, string> {
  const name = image;
  const labels = `app.kubernetes.io/name: ${name}\n    ai.lathe/model: ${JSON.stringify(v.model)}\n    ai.lathe/version: "${v.version}"`;
  return {
    'deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels:
    ${labels}
spec:
  replicas: 2
  selector:
    matchLabels:
      app.kubernetes.io/name: ${name}
  template:
    metadata:
      labels:
        ${labels.replace(/\n {4}/g, '\n        ')}
    spec:
      securityContext:
        runAsNonRoot: true
        runAsUser: 1000
      terminationGracePeriodSeconds: 30
      containers:
        - name: server
          image: ${image}:${v.version}
          imagePullPolicy: IfNotPresent
          ports:
            - name: http
              containerPort: ${CONTAINER_PORT}
          env:
            - name: PORT
              value: "${CONTAINER_PORT}"
            - name: LATHE_LOG_DIR
              value: ${LOG_DIR}
          volumeMounts:
            # Captured predictions as rotated segment files, for lathe monitor ingest.
            - name: capture-log
              mountPath: ${LOG_DIR}
          resources:
            requests:
              cpu: 250m
              memory: 256Mi
            limits:
              cpu: "1"
              memory: 512Mi
          readinessProbe:
            httpGet:
              path: /ready
              port: http
            periodSeconds: 5
            failureThreshold: 2
          livenessProbe:
            httpGet:
              path: /health
              port: http
            initialDelaySeconds: 10
            periodSeconds: 10
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: ["ALL"]
      volumes:
        - name: capture-log
          persistentVolumeClaim:
            claimName: ${name}-capture-log
`,
    // Every replica writes its own segment files (each name carries a random instance id) into one
    // shared claim, which lathe monitor ingest reads from wherever it is mounted or copied.
    'capture-log.yaml': `apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: ${name}-capture-log
  labels:
    ${labels}
spec:
  accessModes: ["ReadWriteMany"]
  resources:
    requests:
      storage: 10Gi
`,
    'service.yaml': `apiVersion: v1
kind: Service
metadata:
  name: ${name}
  labels:
    ${labels}
spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/name: ${name}
  ports:
    - name: http
      port: 80
      targetPort: http
`,
    'hpa.yaml': `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: ${name}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: ${name}
  minReplicas: 2
  maxReplicas: 10
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: 70
`,
  };
}

function readme(v: ModelVersion, image: string): string {
  const example = Object.fromEntries(
    servableSignature(v).inputs.map((i) => [
      i.name,
      i.kind === 'numeric' ? 0 : i.kind === 'boolean' ? false : 'value',
    ]),
  );
  return `# ${v.model}@${v.version} — Lathe prediction server

${
  v.lineage
    ? `Run ${v.lineage.runId}, trained on ${v.lineage.dataset}@${v.lineage.datasetVersion} (data hash ${v.lineage.datasetHash}).`
    : `Imported ONNX model${v.source.kind === 'import' ? ` ${v.source.file} (sha256 ${v.source.sha256})` : ''}.`
}
Predicts \`${servableSignature(v).output.target}\` (${servableSignature(v).output.task}).

\`\`\`sh
docker build -t ${image}:${v.version} .
docker run --rm -p ${CONTAINER_PORT}:${CONTAINER_PORT} ${image}:${v.version}
curl -s localhost:${CONTAINER_PORT}/health
curl -s -X POST localhost:${CONTAINER_PORT}/v1/models/${encodeURIComponent(v.model)}/predict \\
  -H 'content-type: application/json' \\
  -d '${JSON.stringify(example)}'
curl -s localhost:${CONTAINER_PORT}/openapi.json
\`\`\`

Without Docker: \`node server.cjs\` (Node 20) from this folder.

- Endpoints: \`POST /v1/models/${v.model}/predict\` (one record, an array or \`{"records": [...]}\`), \`GET /health\`,
  \`GET /ready\`, \`GET /metrics\` (Prometheus), \`GET /openapi.json\`. A tree model (gbdt) also explains:
  \`{"records": [...], "explain": true}\` adds each feature's TreeSHAP contribution to every prediction.
- Environment: \`PORT\` (${CONTAINER_PORT}), \`HOST\` (0.0.0.0), \`MAX_BATCH\` (1000), \`API_KEYS_FILE\` (JSON array of
  \`{"name", "sha256", "models"?, "rateLimit"?}\`: every predict request then needs \`Authorization: Bearer KEY\`).
- Predictions are logged to stdout as JSON lines (\`"type":"prediction"\`), and each finished minute's service
  health (requests, rows and a latency histogram per status) as \`"type":"health"\`.
- Kubernetes: \`kubectl apply -f k8s/\` (Deployment with /ready and /health probes, Service, HPA on CPU, and
  \`capture-log.yaml\`, the volume claim of the capture log).

## Capture log (monitoring)

Every prediction is also written, one JSON line per record (inputs, prediction, score, probabilities, time,
request id and latency), to rotated segment files in \`LATHE_LOG_DIR\` (\`${LOG_DIR}\` in the image, a volume).
A segment is named \`${v.model}@${v.version}_<opened>_<instance>-<seq>.ndjson\`; it is written as \`….partial\` and renamed
when it holds \`LATHE_LOG_ROTATE_ROWS\` records (100000), \`LATHE_LOG_ROTATE_MB\` MiB (64), is
\`LATHE_LOG_ROTATE_SECONDS\` old (300) or the server stops. Each finished minute's service health goes beside
them as \`….health.ndjson\`. Set \`LATHE_LOG_DIR\` empty to turn it off.

\`\`\`sh
docker run --rm -p ${CONTAINER_PORT}:${CONTAINER_PORT} -v "$PWD/capture:${LOG_DIR}" ${image}:${v.version}
lathe monitor ingest ./capture   # imports finished segments; a segment ingested twice counts once
\`\`\`

In Kubernetes the Deployment mounts the claim \`${image}-capture-log\` (k8s/capture-log.yaml) at \`${LOG_DIR}\`;
copy its files out (e.g. \`kubectl cp\`) or mount it where \`lathe monitor ingest\` runs.
`;
}

/**
 * Writes the Docker build context of a model version into `out` (which must be empty or missing).
 * `writePackage` writes the model package into the folder it is given.
 */
export async function exportDocker(input: {
  version: ModelVersion;
  out: string;
  writePackage(dir: string): Promise<unknown>;
  /** The workspace folder: a context written inside it (or through a link into it) is refused. */
  workspaceDir?: string;
}): Promise<DockerExportResult> {
  const { version: v, out } = input;
  checkExportFolder(out, input.workspaceDir);
  const existed = existsSync(out);
  makeUserDirs(out, 'the Docker context', { field: 'out' });
  try {
    const image = imageName(v.model);
    await input.writePackage(join(out, 'model'));
    await bundleServer(join(out, 'server.cjs'));
    vendorOnnxRuntime(join(out, 'node_modules'));
    const manifests = k8s(v, image);
    mkdirSync(join(out, 'k8s'));
    for (const [f, text] of Object.entries(manifests)) writeFileSync(join(out, 'k8s', f), text);
    writeFileSync(join(out, 'Dockerfile'), dockerfile(v, image));
    writeFileSync(
      join(out, '.dockerignore'),
      'k8s\nREADME.md\nDockerfile\n.dockerignore\n**/*.map\n',
    );
    writeFileSync(join(out, 'README.md'), readme(v, image));
    writeFileSync(
      join(out, 'package.json'),
      `${JSON.stringify(
        {
          name: image,
          version: `${v.version}.0.0`,
          private: true,
          description: `Lathe prediction server for ${v.model}@${v.version}`,
          main: 'server.cjs',
          scripts: { start: 'node server.cjs' },
          engines: { node: '>=20' },
        },
        null,
        2,
      )}\n`,
    );
    return { dir: out, image, ...sizeOf(out) };
  } catch (err) {
    // Only what this export wrote goes: a folder the user made (empty) stays.
    if (existed)
      for (const f of readdirSync(out)) rmSync(join(out, f), { recursive: true, force: true });
    else rmSync(out, { recursive: true, force: true });
    throw err;
  }
}

/** `path` with links resolved as far as it exists (the rest appended): where writes to it would land. */
function realTarget(path: string): string {
  const missing: string[] = [];
  let at = resolve(path);
  while (!existsSync(at)) {
    const up = dirname(at);
    if (up === at) break;
    missing.unshift(basename(at));
    at = up;
  }
  return join(realpathSync(at), ...missing);
}

/**
 * The Docker context folder, checked before anything is written (words for every face: the app's field
 * and the CLI's --out are both "the folder"): no NUL, not a file, empty or missing, not in the workspace.
 */
export function checkExportFolder(out: string, workspaceDir?: string): void {
  const fail = (why: string) => {
    throw new LatheError('INVALID_INPUT', `the folder ${out} ${why}`, { field: 'out', path: out });
  };
  if (out.includes('\0')) fail('contains a NUL byte: choose another folder for the Docker context');
  if (workspaceDir) {
    const target = realTarget(out);
    const ws = realTarget(workspaceDir);
    if (target === ws || isInside(ws, target))
      fail(
        `is inside the workspace (${workspaceDir}): choose a folder outside it for the Docker context`,
      );
  }
  if (existsSync(out)) {
    if (!statSync(out).isDirectory())
      fail('is a file: choose a new or empty folder for the Docker context');
    if (readdirSync(out).length > 0)
      fail('is not empty: choose a new or empty folder for the Docker context');
  }
}
