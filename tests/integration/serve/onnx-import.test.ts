// Importing ONNX models trained elsewhere: files written here with the protobuf writer alone (per-column
// inputs of four element types and an ai.onnx.ml LabelEncoder as skl2onnx makes them; one [N, k] float
// input as torch exports, with logits and argmax label outputs), and one built by python's onnx.helper
// when python has onnx. Each is imported, served, batch-predicted and exported like a native version,
// with expected numbers computed here from the weights; bad files and signatures fail and change nothing.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelVersion } from '../../../shared/contract';
import { createServices, type Services } from '../../../main/services';
import { lathe } from '../../helpers/cli';
import { contractClient } from '../../helpers/services';
import { tempDir } from '../../helpers/workspace';
import { buildOnnx } from './external-onnx';

const t = tempDir('lathe-onnx-import-');
const W = join(t.dir, 'ws');
let services: Services;
const { call, failure } = contractClient(() => services);
const children: ChildProcess[] = [];

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const f32 = (x: number) => Math.fround(x);
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

// ---- churn: binary, one input per column (float, double, string, bool), probabilities output ----------
const CHURN_W = [-0.05, 0.02, 0.4, 0.3];
const CHURN_B = -0.5;
const PLANS = ['basic', 'plus', 'pro'];
const churnOnnx = buildOnnx({
  producer: 'skl2onnx-like',
  opsets: { '': 17, 'ai.onnx.ml': 2 },
  inputs: [
    { name: 'tenure', elem: 'float', shape: ['N', 1] },
    { name: 'charges', elem: 'double', shape: ['N', 1] },
    { name: 'plan', elem: 'string', shape: ['N', 1] },
    { name: 'senior', elem: 'bool', shape: ['N', 1] },
  ],
  outputs: [
    { name: 'logit', elem: 'float', shape: ['N', 1] },
    { name: 'output_probability', elem: 'float', shape: ['N', 2] },
  ],
  initializers: [
    { name: 'W', dims: [4, 1], data: CHURN_W },
    { name: 'B', dims: [1], data: [CHURN_B] },
    { name: 'one', dims: [1], data: [1] },
  ],
  nodes: [
    { op: 'Cast', inputs: ['charges'], outputs: ['charges_f'], attrs: { to: { i: 1 } } },
    {
      op: 'LabelEncoder',
      domain: 'ai.onnx.ml',
      inputs: ['plan'],
      outputs: ['plan_f'],
      attrs: {
        keys_strings: { strings: PLANS },
        values_floats: { floats: [0, 1, 2] },
        default_float: { f: -1 },
      },
    },
    { op: 'Cast', inputs: ['senior'], outputs: ['senior_f'], attrs: { to: { i: 1 } } },
    {
      op: 'Concat',
      inputs: ['tenure', 'charges_f', 'plan_f', 'senior_f'],
      outputs: ['x'],
      attrs: { axis: { i: 1 } },
    },
    { op: 'MatMul', inputs: ['x', 'W'], outputs: ['xw'] },
    { op: 'Add', inputs: ['xw', 'B'], outputs: ['logit'] },
    { op: 'Sigmoid', inputs: ['logit'], outputs: ['p1'] },
    { op: 'Sub', inputs: ['one', 'p1'], outputs: ['p0'] },
    {
      op: 'Concat',
      inputs: ['p0', 'p1'],
      outputs: ['output_probability'],
      attrs: { axis: { i: 1 } },
    },
  ],
});
const churnSignature = {
  task: 'binary',
  target: 'churned',
  classes: ['stay', 'leave'],
  features: [
    { name: 'tenure', type: 'number' },
    { name: 'charges', type: 'number' },
    { name: 'plan', type: 'string', values: PLANS },
    { name: 'senior', type: 'boolean' },
  ],
  inputs: [
    { name: 'tenure', features: ['tenure'] },
    { name: 'charges', features: ['charges'] },
    { name: 'plan', features: ['plan'] },
    { name: 'senior', features: ['senior'] },
  ],
  output: { name: 'output_probability', kind: 'probabilities' },
};
interface Customer {
  tenure: number | null;
  charges: number;
  plan: string;
  senior: boolean;
}
/** P(leave), from the weights (float32 like the graph; an unknown plan is the encoder's default -1). */
function churnP(c: Customer): number {
  const x = [c.tenure ?? 0, f32(c.charges), PLANS.indexOf(c.plan), c.senior ? 1 : 0];
  return sigmoid(x.reduce((s, v, i) => s + f32(v) * f32(CHURN_W[i]!), f32(CHURN_B)));
}
const customers: Customer[] = [
  { tenure: 2, charges: 70.5, plan: 'pro', senior: true },
  { tenure: 40, charges: 20.25, plan: 'basic', senior: false },
  { tenure: 12, charges: 55, plan: 'plus', senior: false },
  { tenure: 70, charges: 99.9, plan: 'pro', senior: true },
  { tenure: 5, charges: 30, plan: 'basic', senior: true },
];

// ---- iris: multiclass, one [N, 4] float input (torch-like), logits and argmax label outputs -----------
const IRIS_W = [0.5, -0.2, 0.1, 0.3, 0.2, -0.4, -0.6, 0.1, 0.7, -0.3, 0.5, 0.9];
const IRIS_B = [0.1, 0.0, -0.2];
const SPECIES = ['setosa', 'versicolor', 'virginica'];
/** The iris graph; `batch` fixes the batch dimension as torch.onnx.export does without dynamic axes. */
const irisGraph = (batch: number | string = 'batch') =>
  buildOnnx({
    producer: 'pytorch-like',
    inputs: [{ name: 'input', elem: 'float', shape: [batch, 4] }],
    outputs: [
      { name: 'logits', elem: 'float', shape: [batch, 3] },
      { name: 'label', elem: 'int64', shape: [batch] },
    ],
    initializers: [
      { name: 'W', dims: [4, 3], data: IRIS_W },
      { name: 'B', dims: [3], data: IRIS_B },
    ],
    nodes: [
      { op: 'MatMul', inputs: ['input', 'W'], outputs: ['m'] },
      { op: 'Add', inputs: ['m', 'B'], outputs: ['logits'] },
      {
        op: 'ArgMax',
        inputs: ['logits'],
        outputs: ['label'],
        attrs: { axis: { i: 1 }, keepdims: { i: 0 } },
      },
    ],
  });
const irisOnnx = irisGraph();
const IRIS_FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];
const irisSignature = (output: { name: string; kind: string }) => ({
  task: 'multiclass',
  target: 'species',
  classes: SPECIES,
  features: IRIS_FEATURES.map((name) => ({ name, type: 'number' })),
  inputs: [{ name: 'input', features: IRIS_FEATURES }],
  output,
});
/** Softmax of the logits, from the weights. */
function irisP(x: number[]): number[] {
  const z = SPECIES.map((_, c) =>
    x.reduce((s, v, j) => s + f32(v) * f32(IRIS_W[j * 3 + c]!), f32(IRIS_B[c]!)),
  );
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}
const flowers = [
  [5.1, 3.5, 1.4, 0.2],
  [6.2, 2.9, 4.3, 1.3],
  [7.7, 3.0, 6.1, 2.3],
  [4.9, 3.1, 1.5, 0.1],
];

const files = {
  churn: join(t.dir, 'churn.onnx'),
  churnSig: join(t.dir, 'churn.signature.json'),
  iris: join(t.dir, 'iris.onnx'),
  irisSig: join(t.dir, 'iris.signature.yaml'),
  irisLabelsSig: join(t.dir, 'iris-labels.signature.json'),
};

const importChurn = () =>
  call('models:import', { name: 'churn', onnx: files.churn, signature: files.churnSig });

let churn: ModelVersion;
let iris: ModelVersion;

beforeAll(async () => {
  writeFileSync(files.churn, churnOnnx);
  writeFileSync(files.churnSig, JSON.stringify(churnSignature, null, 2));
  writeFileSync(files.iris, irisOnnx);
  // YAML, as a user would write it.
  writeFileSync(
    files.irisSig,
    [
      'task: multiclass',
      'target: species',
      `classes: [${SPECIES.join(', ')}]`,
      'features:',
      ...IRIS_FEATURES.map((n) => `  - { name: ${n}, type: number }`),
      'inputs:',
      `  - name: input`,
      `    features: [${IRIS_FEATURES.join(', ')}]`,
      'output: { name: logits, kind: logits }',
      '',
    ].join('\n'),
  );
  writeFileSync(
    files.irisLabelsSig,
    JSON.stringify(irisSignature({ name: 'label', kind: 'labels' })),
  );
  services = await createServices({ workspaceDir: W });
  churn = await importChurn();
  // Aliases and stages work on imported versions as on native ones; the tests below use churn@champion.
  await call('models:alias', { ref: 'churn@1', alias: 'champion' });
  await call('models:stage', { ref: 'churn@champion', stage: 'staging' });
  iris = await call('models:import', {
    name: 'iris',
    onnx: files.iris,
    signature: files.irisSig,
    description: 'a torch classifier',
  });
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await services?.close().catch(() => undefined);
  t.remove();
});

const post = async (url: string, model: string, body: unknown) => {
  const r = await fetch(`${url}/v1/models/${model}/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return {
    status: r.status,
    body: (await r.json()) as {
      error?: string;
      fields?: { field: string; message: string }[];
      predictions: { prediction: unknown; probabilities?: Record<string, number> }[];
    },
  };
};

/** The registry as a user could see it change: models, versions and the audit log. */
async function registryState() {
  const models = await call('models:list', {});
  const detail = await Promise.all(models.map((m) => call('models:get', { ref: m.name })));
  const history = await Promise.all(models.map((m) => call('models:history', { name: m.name })));
  return JSON.stringify({ models, detail, history });
}

describe('importing external ONNX models', () => {
  it('registers an imported version with its source, signature and artifacts', async () => {
    expect(churn).toMatchObject({
      model: 'churn',
      version: 1,
      runId: null,
      lineage: null,
      metrics: {},
      stage: 'none',
      source: {
        kind: 'import',
        file: files.churn,
        signatureFile: files.churnSig,
        sha256: sha256(churnOnnx),
        sizeBytes: churnOnnx.length,
      },
    });
    expect(churn.signature).toEqual({
      inputs: [
        { name: 'tenure', type: 'DOUBLE', kind: 'numeric' },
        { name: 'charges', type: 'DOUBLE', kind: 'numeric' },
        { name: 'plan', type: 'VARCHAR', kind: 'categorical', values: PLANS },
        { name: 'senior', type: 'BOOLEAN', kind: 'boolean' },
      ],
      output: { task: 'binary', target: 'churned', classes: ['stay', 'leave'] },
    });
    // The ONNX file is stored as it was given, and kept by garbage collection.
    await call('workspace:gc', {});
    expect(
      sha256(
        await services.workspace.artifacts.read(
          churn.source.kind === 'import' ? churn.source.sha256 : '',
        ),
      ),
    ).toBe(sha256(churnOnnx));
    const history = await call('models:history', { name: 'churn' });
    expect(history.entries.map((e) => e.action)).toEqual(['import', 'alias', 'stage']);
    expect(history.entries[0]!.details).toMatchObject({
      file: files.churn,
      sha256: sha256(churnOnnx),
    });
    expect(iris.signature!.output).toEqual({
      task: 'multiclass',
      target: 'species',
      classes: SPECIES,
    });
    expect((await call('models:get', { ref: 'iris' })).description).toBe('a torch classifier');
  });

  it('serves an imported model: predictions match the weights, 422 and OpenAPI from the signature', async () => {
    expect(await call('models:version', { ref: 'churn@champion' })).toMatchObject({
      version: 1,
      aliases: ['champion'],
      stage: 'staging',
    });
    const server = await call('serve:start', { ref: 'churn@champion' });
    try {
      const r = await post(server.url, 'churn', { records: customers });
      expect(r.status, r.body.error).toBe(200);
      customers.forEach((c, i) => {
        const p = churnP(c);
        const got = r.body.predictions[i]!;
        expect(got.probabilities!.leave).toBeCloseTo(p, 5);
        expect(got.probabilities!.stay).toBeCloseTo(1 - p, 5);
        expect(got.prediction).toBe(p > 0.5 ? 'leave' : 'stay');
      });
      // Missing numbers are 0, as in batch prediction.
      const missing = await post(server.url, 'churn', { ...customers[0]!, tenure: null });
      expect(missing.body.predictions[0]!.probabilities!.leave).toBeCloseTo(
        churnP({ ...customers[0]!, tenure: null }),
        5,
      );
      const bad = await post(server.url, 'churn', { ...customers[0]!, plan: 'gold', charges: 'x' });
      expect(bad.status).toBe(422);
      expect(bad.body.fields).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            field: 'plan',
            message: expect.stringMatching(/"basic"/) as string,
          }),
          expect.objectContaining({ field: 'charges' }),
        ]),
      );
      const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
        components: {
          schemas: Record<
            string,
            { required?: string[]; properties: Record<string, { enum?: unknown[] }> }
          >;
        };
      };
      const record = doc.components.schemas.churn_Record!;
      expect(record.required).toEqual(['tenure', 'charges', 'plan', 'senior']);
      expect(record.properties.plan!.enum).toEqual([...PLANS, null]);
    } finally {
      await call('serve:stop', { id: server.id });
    }
  });

  it('serves a single [N, k] input with logits, and the same graph with its label output', async () => {
    const labels = await call('models:import', {
      name: 'iris-labels',
      onnx: files.iris,
      signature: files.irisLabelsSig,
    });
    const servers = [
      await call('serve:start', { ref: 'iris' }),
      await call('serve:start', { ref: labels.model }),
    ];
    try {
      const body = flowers.map((x) => Object.fromEntries(IRIS_FEATURES.map((n, j) => [n, x[j]])));
      const [logits, label] = [
        await post(servers[0]!.url, 'iris', body),
        await post(servers[1]!.url, 'iris-labels', body),
      ];
      expect(logits.status, logits.body.error).toBe(200);
      expect(label.status, label.body.error).toBe(200);
      flowers.forEach((x, i) => {
        const p = irisP(x);
        const best = SPECIES[p.indexOf(Math.max(...p))];
        SPECIES.forEach((s, c) =>
          expect(logits.body.predictions[i]!.probabilities![s]).toBeCloseTo(p[c]!, 5),
        );
        expect(logits.body.predictions[i]!.prediction).toBe(best);
        // A labels output gives the label; its probabilities are 1 for it.
        expect(label.body.predictions[i]!.prediction).toBe(best);
        expect(label.body.predictions[i]!.probabilities![best!]).toBe(1);
      });
      // The iris flowers reach different classes: the test would notice a constant answer.
      expect(new Set(logits.body.predictions.map((p) => p.prediction)).size).toBeGreaterThan(1);
    } finally {
      for (const s of servers) await call('serve:stop', { id: s.id });
    }
  });

  it('scores a graph with a fixed batch of 1 (torch without dynamic axes) row by row', async () => {
    const fixed = join(t.dir, 'iris-fixed.onnx');
    writeFileSync(fixed, irisGraph(1));
    const v = await call('models:import', {
      name: 'iris-fixed',
      onnx: fixed,
      signature: files.irisSig,
    });
    const server = await call('serve:start', { ref: v.model });
    try {
      const body = flowers.map((x) => Object.fromEntries(IRIS_FEATURES.map((n, j) => [n, x[j]])));
      const r = await post(server.url, 'iris-fixed', body);
      expect(r.status, r.body.error).toBe(200);
      expect(r.body.predictions).toHaveLength(flowers.length);
      flowers.forEach((x, i) =>
        SPECIES.forEach((s, c) =>
          expect(r.body.predictions[i]!.probabilities![s]).toBeCloseTo(irisP(x)[c]!, 5),
        ),
      );
    } finally {
      await call('serve:stop', { id: server.id });
    }
    // A batch of 3 pads the last of two chunks of five rows.
    const x3 = join(t.dir, 'iris-fixed3.onnx');
    writeFileSync(x3, irisGraph(3));
    await call('models:import', { name: 'iris-fixed3', onnx: x3, signature: files.irisSig });
    const input = join(t.dir, 'flowers.csv');
    const rows = [...flowers, [6.0, 2.2, 5.0, 1.5]];
    writeFileSync(
      input,
      `${IRIS_FEATURES.join(',')}\n${rows.map((x) => x.join(',')).join('\n')}\n`,
    );
    const output = join(t.dir, 'flowers-scored.csv');
    const b = await call('predict:batch', { model: 'iris-fixed3', input, output });
    expect(b.rows).toBe(rows.length);
    const lines = readFileSync(output, 'utf8').trim().split('\n').slice(1);
    expect(lines).toHaveLength(rows.length);
    lines.forEach((line, i) => {
      const cells = line.split(',');
      expect(cells[0]).toBe(String(i));
      SPECIES.forEach((_, c) => expect(Number(cells[2 + c])).toBeCloseTo(irisP(rows[i]!)[c]!, 5));
    });
  });

  it('batch-predicts an imported model: row count, ids and probabilities', async () => {
    const rows = [...customers, { tenure: 3, charges: 10, plan: 'enterprise', senior: false }];
    const input = join(t.dir, 'customers.csv');
    writeFileSync(
      input,
      `customer,tenure,charges,plan,senior\n${rows
        .map((c, i) => `c${i},${c.tenure},${c.charges},${c.plan},${c.senior}`)
        .join('\n')}\n`,
    );
    const output = join(t.dir, 'scored.csv');
    const r = await call('predict:batch', {
      model: 'churn@champion',
      input,
      output,
      idColumn: 'customer',
    });
    expect(r).toMatchObject({ model: 'churn', version: 1, rows: rows.length });
    expect(r.columns).toEqual(['customer', 'prediction', 'probability_stay', 'probability_leave']);
    const lines = readFileSync(output, 'utf8').trim().split('\n').slice(1);
    expect(lines.map((l) => l.split(',')[0])).toEqual(rows.map((_, i) => `c${i}`));
    lines.forEach((line, i) => {
      const [, prediction, stay, leave] = line.split(',');
      // An unknown plan reaches the model as an unknown category (the encoder's default).
      const p = churnP(rows[i]!);
      expect(Number(leave)).toBeCloseTo(p, 5);
      expect(Number(stay)).toBeCloseTo(1 - p, 5);
      expect(prediction).toBe(p > 0.5 ? 'leave' : 'stay');
    });
  });

  it('exports a Docker context that serves the imported file with plain node', async () => {
    const out = join(t.dir, 'docker-churn');
    const r = await call('export:docker', { ref: 'churn@champion', out });
    expect(r.files).toEqual(
      expect.arrayContaining(['model/model.onnx', 'model/package.json', 'server.cjs']),
    );
    expect(sha256(readFileSync(join(out, 'model', 'model.onnx')))).toBe(sha256(churnOnnx));
    const meta = JSON.parse(readFileSync(join(out, 'model', 'package.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(meta).toMatchObject({
      runId: null,
      source: { kind: 'import', sha256: sha256(churnOnnx) },
    });
    expect(readFileSync(join(out, 'Dockerfile'), 'utf8')).toContain(
      `ai.lathe.onnx-sha256="${sha256(churnOnnx)}"`,
    );
    const child = spawn(process.execPath, ['server.cjs'], {
      cwd: out,
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    const first = await new Promise<{ url: string }>((resolve, reject) => {
      createInterface({ input: child.stdout }).once('line', (l) =>
        resolve(JSON.parse(l) as { url: string }),
      );
      child.once('exit', (code) => reject(new Error(`server.cjs exited ${code}`)));
    });
    const res = await post(first.url, 'churn', customers[1]);
    expect(res.status, res.body.error).toBe(200);
    expect(res.body.predictions[0]!.probabilities!.leave).toBeCloseTo(churnP(customers[1]!), 5);
    child.kill('SIGTERM');
  });

  it('writes a model card that shows the source, the sha256 and the signature', async () => {
    const md = await call('models:card:markdown', { ref: 'churn@1' });
    expect(md).toContain(`Imported`);
    expect(md).toContain('## Source');
    expect(md).toContain(sha256(churnOnnx));
    expect(md).toContain('ONNX input `plan` ← plan');
    expect(md).toContain('ONNX output `output_probability`: probabilities');
    expect(md).toContain('| plan | VARCHAR | categorical |');
    const card = await call('models:card:get', { ref: 'churn@1' });
    expect(card.card.trainingData).toMatch(/outside Lathe/);
  });

  it('a gate policy refuses to promote an imported version until an override reason is given', async () => {
    await call('gates:set', {
      project: 'Default',
      policy: { metrics: [{ metric: 'accuracy', min: 0.9 }] },
    });
    try {
      const e = await failure('models:alias', { ref: 'iris@1', alias: 'champion' });
      expect(e.code).toBe('GATE_FAILED');
      expect(e.message).toMatch(/iris@1 is an imported ONNX model with no evaluation/);
      const v = await call('models:alias', {
        ref: 'iris@1',
        alias: 'champion',
        override: 'validated by the vendor',
      });
      expect(v.aliases).toEqual(['champion']);
    } finally {
      await call('gates:set', { project: 'Default', policy: null });
    }
  });

  it('refuses to evaluate an imported version, naming it', async () => {
    const e = await failure('eval:run', { target: 'churn@1' });
    expect(e.message).toMatch(/churn@1 is an imported ONNX model/);
  });

  it('a new file is the next version; the same file twice is refused', async () => {
    const again = join(t.dir, 'iris-batch2.onnx');
    writeFileSync(again, irisGraph(2));
    const v1 = await call('models:import', {
      name: 'iris-next',
      onnx: files.iris,
      signature: files.irisSig,
    });
    const v2 = await call('models:import', {
      name: 'iris-next',
      onnx: again,
      signature: files.irisSig,
    });
    expect([v1.version, v2.version]).toEqual([1, 2]);
    const dup = await failure('models:import', {
      name: 'iris-next',
      onnx: files.iris,
      signature: files.irisSig,
    });
    expect(dup.message).toMatch(
      /iris\.onnx \(sha256 \w{12}…\) is already version 1 of model 'iris-next'/,
    );
    expect((await call('models:get', { ref: 'iris-next' })).versionCount).toBe(2);
  });
});

describe('bad imports fail clearly and leave the registry unchanged', () => {
  const attempt = async (
    onnx: Uint8Array | string,
    signature: unknown,
    ext = 'json',
  ): Promise<{ code: string; message: string; onnxFile: string; sigFile: string }> => {
    const id = Math.random().toString(36).slice(2, 8);
    const onnxFile = join(t.dir, `bad-${id}.onnx`);
    const sigFile = join(t.dir, `bad-${id}.${ext}`);
    writeFileSync(onnxFile, onnx);
    writeFileSync(sigFile, typeof signature === 'string' ? signature : JSON.stringify(signature));
    const before = await registryState();
    const blobs = services.workspace.artifacts.list().length;
    const e = await failure('models:import', { name: 'churn', onnx: onnxFile, signature: sigFile });
    expect(await registryState()).toBe(before);
    expect(services.workspace.artifacts.list().length).toBe(blobs);
    return { ...e, onnxFile, sigFile };
  };

  it('a signature missing a field names the file and the field', async () => {
    const { output: _o, ...noOutput } = churnSignature;
    const e = await attempt(churnOnnx, noOutput);
    expect(e.code).toBe('INVALID_CONFIG');
    expect(e.message).toContain(e.sigFile);
    expect(e.message).toMatch(/: output is required$/);
    const noValues = await attempt(churnOnnx, {
      ...churnSignature,
      features: churnSignature.features.map((f) =>
        f.name === 'plan' ? { name: 'plan', type: 'string' } : f,
      ),
    });
    expect(noValues.message).toMatch(/features\.2\.values: string feature 'plan' needs its values/);
    const bin = await attempt(churnOnnx, { ...churnSignature, classes: ['a', 'b', 'c'] });
    expect(bin.message).toMatch(/classes: a binary model has two classes/);
    const yaml = await attempt(churnOnnx, 'task: [unclosed', 'yaml');
    expect(yaml.message).toMatch(/not valid YAML/);
  });

  it('an ONNX input the signature does not map (or names wrongly) is named', async () => {
    const renamed = {
      ...churnSignature,
      inputs: churnSignature.inputs.map((i) =>
        i.name === 'tenure' ? { ...i, name: 'tenure_months' } : i,
      ),
    };
    const e = await attempt(churnOnnx, renamed);
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.message).toContain(e.onnxFile);
    expect(e.message).toMatch(/input 'tenure' is not mapped/);
    const extra = await attempt(churnOnnx, {
      ...churnSignature,
      features: [...churnSignature.features, { name: 'age', type: 'number' }],
      inputs: [...churnSignature.inputs, { name: 'age', features: ['age'] }],
    });
    expect(extra.message).toMatch(
      /the model has no input 'age' \(its inputs: tenure, charges, plan, senior\)/,
    );
    const output = await attempt(churnOnnx, {
      ...churnSignature,
      output: { name: 'probabilities', kind: 'probabilities' },
    });
    expect(output.message).toMatch(
      /no output 'probabilities' \(its outputs: logit, output_probability\)/,
    );
  });

  it('a wrong element type or rank is named with the input or output', async () => {
    const planAsNumber = {
      ...churnSignature,
      features: churnSignature.features.map((f) =>
        f.name === 'plan' ? { name: 'plan', type: 'number' } : f,
      ),
    };
    const e = await attempt(churnOnnx, planAsNumber);
    expect(e.message).toMatch(/input 'plan' is string\[N, 1\] but its feature plan needs float32/);
    const labels = await attempt(churnOnnx, {
      ...churnSignature,
      output: { name: 'output_probability', kind: 'labels' },
    });
    expect(labels.message).toMatch(
      /output 'output_probability' is float32\[N, 2\] but labels need int64/,
    );
    const wide = await attempt(irisOnnx, {
      ...irisSignature({ name: 'logits', kind: 'logits' }),
      features: IRIS_FEATURES.slice(0, 3).map((name) => ({ name, type: 'number' })),
      inputs: [{ name: 'input', features: IRIS_FEATURES.slice(0, 3) }],
    });
    expect(wide.message).toMatch(
      /input 'input' is float32\[batch, 4\] but the signature maps 3 features onto it/,
    );
    const classes = await attempt(irisOnnx, {
      ...irisSignature({ name: 'logits', kind: 'logits' }),
      classes: ['a', 'b'],
    });
    expect(classes.message).toMatch(/logits of 2 classes need \[N, 2\]/);
  });

  it('a ZipMap output (skl2onnx default) keyed by other classes than the signature is refused', async () => {
    const zipmap = buildOnnx({
      opsets: { '': 17, 'ai.onnx.ml': 1 },
      inputs: [{ name: 'input', elem: 'float', shape: ['N', 2] }],
      outputs: [{ name: 'output_probability', elem: 'float', shape: [], seqOfMaps: true }],
      nodes: [
        {
          op: 'ZipMap',
          domain: 'ai.onnx.ml',
          inputs: ['input'],
          outputs: ['output_probability'],
          attrs: { classlabels_strings: { strings: ['no', 'yes'] } },
        },
      ],
    });
    // Served from the tensor it zips (tests/integration/onnx-trees), once its labels are the classes.
    const e = await attempt(zipmap, {
      task: 'binary',
      classes: ['yes', 'no'],
      features: [
        { name: 'p0', type: 'number' },
        { name: 'p1', type: 'number' },
      ],
      inputs: [{ name: 'input', features: ['p0', 'p1'] }],
      output: { name: 'output_probability', kind: 'probabilities' },
    });
    expect(e.message).toContain(e.onnxFile);
    expect(e.message).toMatch(
      /output 'output_probability' \(a ZipMap\) is keyed by the classes no, yes, but the signature declares yes, no: list them in the model's order/,
    );
  });

  it('a file that is not ONNX is refused', async () => {
    const e = await attempt('this is not a model', churnSignature);
    expect(e.code).toBe('CORRUPT_FILE');
    expect(e.message).toMatch(/bad-\w+\.onnx is not an ONNX model onnxruntime can load/);
    const missing = await failure('models:import', {
      name: 'churn',
      onnx: join(t.dir, 'nope.onnx'),
      signature: files.churnSig,
    });
    expect(missing.message).toMatch(/nope\.onnx does not exist/);
  });
});

/** A python that can import onnx: /usr/bin/python3 as CI installs it (python3-onnx), else python3. */
function pythonWithOnnx(): string | null {
  for (const py of ['/usr/bin/python3', 'python3']) {
    try {
      execFileSync(py, ['-c', 'import onnx'], { stdio: 'ignore' });
      return py;
    } catch {
      /* next */
    }
  }
  return null;
}
const python = pythonWithOnnx();

describe.skipIf(!python)(
  'a model built by python onnx.helper (skipped when no python3 can import onnx)',
  () => {
    it('imports, serves and checks a regression written by onnx.helper with onnx.checker', async () => {
      const file = join(t.dir, 'helper.onnx');
      execFileSync(python!, [
        '-c',
        `
import sys, onnx
from onnx import helper, TensorProto, numpy_helper
import numpy as np
W = numpy_helper.from_array(np.array([[1.5], [-2.0]], dtype=np.float32), 'coef')
B = numpy_helper.from_array(np.array([0.25], dtype=np.float32), 'intercept')
g = helper.make_graph(
  [helper.make_node('MatMul', ['float_input', 'coef'], ['mm']),
   helper.make_node('Add', ['mm', 'intercept'], ['variable'])],
  'linear', [helper.make_tensor_value_info('float_input', TensorProto.FLOAT, [None, 2])],
  [helper.make_tensor_value_info('variable', TensorProto.FLOAT, [None, 1])], [W, B])
m = helper.make_model(g, opset_imports=[helper.make_opsetid('', 13)], producer_name='onnx.helper')
m.ir_version = 8
onnx.checker.check_model(m)
onnx.save(m, sys.argv[1])
`,
        file,
      ]);
      const sig = t.file(
        'helper.signature.yaml',
        'task: regression\ntarget: y\nfeatures:\n  - {name: a, type: number}\n  - {name: b, type: number}\ninputs:\n  - {name: float_input, features: [a, b]}\noutput: {name: variable, kind: value}\n',
      );
      const v = await call('models:import', { name: 'linear', onnx: file, signature: sig });
      expect(v.signature!.output).toEqual({ task: 'regression', target: 'y' });
      const server = await call('serve:start', { ref: 'linear' });
      try {
        const r = await post(server.url, 'linear', [
          { a: 1, b: 1 },
          { a: 2, b: -0.5 },
        ]);
        expect(r.status, r.body.error).toBe(200);
        expect(r.body.predictions.map((p) => p.prediction)).toEqual([1.5 - 2 + 0.25, 3 + 1 + 0.25]);
      } finally {
        await call('serve:stop', { id: server.id });
      }
    });
  },
);

describe('lathe models import', () => {
  it('imports from the command line, prints the source and fails with exit 1 on a bad signature', () => {
    const cli = join(t.dir, 'cli-ws');
    const ok = lathe([
      'models',
      'import',
      'iris',
      '--onnx',
      files.iris,
      '--signature',
      files.irisSig,
      '--workspace',
      cli,
      '--json',
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ModelVersion.parse(ok.json)).toMatchObject({ model: 'iris', version: 1, runId: null });
    const show = lathe(['models', 'show', 'iris@1', '--workspace', cli]);
    expect(show.stdout).toContain(`source imported ONNX ${files.iris}`);
    expect(show.stdout).toContain(`sha256 ${sha256(irisOnnx)}`);
    const bad = t.file('cli-bad.json', JSON.stringify({ ...churnSignature, task: 'clustering' }));
    const r = lathe([
      'models',
      'import',
      'churn',
      '--onnx',
      files.churn,
      '--signature',
      bad,
      '--workspace',
      cli,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(bad);
    expect(r.stderr).toMatch(/task: /);
    const schema = lathe(['schema', 'onnx-signature']);
    expect(schema.code).toBe(0);
    expect(schema.json).toMatchObject({
      properties: {
        output: { properties: { kind: { enum: ['probabilities', 'logits', 'labels', 'value'] } } },
      },
    });
    const list = lathe(['models', 'list', '--workspace', cli, '--json']);
    expect((list.json as { name: string }[]).map((m) => m.name)).toEqual(['iris']);
  });
});
