// Tree ensembles trained elsewhere: the ONNX files skl2onnx and onnxmltools (XGBoost) write, reproduced by
// tests/fixtures/onnx-trees/make.py from models trained with scikit-learn and XGBoost, with the libraries'
// own predictions. Each is imported with its signature and served (the package predictor, the REST server,
// batch prediction); skl2onnx's ZipMap output is served from the probability tensor it zips.
import type { ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../../main/services';
import { learnsMissing, unzipMaps } from '../../../main/serve/onnx-import';
import { writeModelPackage } from '../../../main/serve/package';
import { loadPredictor } from '../../../main/serve/predictor';
import { startServerCjs } from '../../helpers/server-process';
import { contractClient } from '../../helpers/services';
import { tempDir } from '../../helpers/workspace';

const FIXTURES = join(__dirname, '../../fixtures/onnx-trees');
const t = tempDir('lathe-onnx-trees-import-');
let services: Services;
const { call, failure } = contractClient(() => services);
const children: ChildProcess[] = [];

interface Fixture {
  records: Record<string, number | null>[];
  expected: number[] | number[][];
}
const fixture = (name: string) =>
  JSON.parse(readFileSync(join(FIXTURES, `${name}.expected.json`), 'utf8')) as Fixture;
const signature = (name: string) =>
  JSON.parse(readFileSync(join(FIXTURES, `${name}.signature.json`), 'utf8')) as {
    task: string;
    classes?: string[];
    output: { name: string; kind: string };
  };
const files = (name: string) => ({
  onnx: join(FIXTURES, `${name}.onnx`),
  signature: join(FIXTURES, `${name}.signature.json`),
});

const MODELS = [
  'sklearn-gb-binary',
  'sklearn-rf-multiclass',
  'xgboost-binary',
  'xgboost-multiclass',
  'xgboost-regression',
] as const;

beforeAll(async () => {
  services = await createServices({ workspaceDir: join(t.dir, 'ws'), validateOutput: true });
  for (const name of MODELS) await call('models:import', { name, ...files(name) });
}, 120_000);
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await services?.close();
  t.remove();
});

describe('imported tree ensembles (skl2onnx, onnxmltools)', () => {
  it.each(MODELS)('%s: the package predictor gives what the library predicted', async (name) => {
    const version = await call('models:version', { ref: name });
    const dir = join(t.dir, 'packages', name);
    await writeModelPackage({
      version,
      run: null,
      artifacts: services.workspace.artifacts,
      dir,
      latheVersion: 'test',
    });
    const predictor = await loadPredictor(dir);
    try {
      const { records, expected } = fixture(name);
      const got = await predictor.predictRecords(records);
      const sig = signature(name);
      let worst = 0;
      got.forEach((p, r) => {
        if (sig.classes) {
          const want = expected[r] as number[];
          sig.classes.forEach((c, i) => {
            worst = Math.max(worst, Math.abs(p.probabilities![c]! - want[i]!));
          });
          const top = want.indexOf(Math.max(...want));
          expect(p.prediction).toBe(sig.classes[top]);
        } else {
          const want = expected[r] as number;
          worst = Math.max(worst, Math.abs((p.prediction as number) - want) / Math.abs(want));
        }
      });
      // float32 sums on both sides (onnxruntime's float input, the libraries' float32 trees).
      expect(worst).toBeLessThanOrEqual(1e-5);
    } finally {
      await predictor.close();
    }
  });

  it('serves skl2onnx ZipMap probabilities over REST and XGBoost missing values in batch prediction', async () => {
    const gb = fixture('sklearn-gb-binary');
    const server = await call('serve:start', { ref: 'sklearn-gb-binary' });
    try {
      const r = await fetch(`${server.url}/v1/models/sklearn-gb-binary/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ records: gb.records.slice(0, 20) }),
      });
      const body = (await r.json()) as {
        predictions: { prediction: string; probabilities: Record<string, number> }[];
      };
      expect(r.status).toBe(200);
      body.predictions.forEach((p, i) => {
        const [p0, p1] = gb.expected[i] as number[];
        expect(p.probabilities['0']).toBeCloseTo(p0!, 5);
        expect(p.probabilities['1']).toBeCloseTo(p1!, 5);
        expect(p.prediction).toBe(p1! > p0! ? '1' : '0');
      });
    } finally {
      await call('serve:stop', { id: server.id });
    }

    // Batch prediction (the SQL executor of the synthesized spec) feeds an XGBoost model NaN for an
    // empty cell, as XGBoost itself was fed: the model learned where missing values go.
    const xg = fixture('xgboost-binary');
    expect(xg.records.some((rec) => Object.values(rec).includes(null))).toBe(true);
    const input = join(t.dir, 'rows.csv');
    writeFileSync(
      input,
      `id,f0,f1,f2,f3\n${xg.records
        .map((rec, i) => [`r${i}`, ...['f0', 'f1', 'f2', 'f3'].map((f) => rec[f] ?? '')].join(','))
        .join('\n')}\n`,
    );
    const output = join(t.dir, 'scored.csv');
    const batch = await call('predict:batch', {
      model: 'xgboost-binary',
      input,
      output,
      idColumn: 'id',
    });
    expect(batch.rows).toBe(xg.records.length);
    const lines = readFileSync(output, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('id,prediction,probability_0,probability_1');
    lines.slice(1).forEach((line, i) => {
      const [id, , q0, q1] = line.split(',');
      expect(id).toBe(`r${i}`);
      const [p0, p1] = xg.expected[i] as number[];
      expect(Number(q0)).toBeCloseTo(p0!, 5);
      expect(Number(q1)).toBeCloseTo(p1!, 5);
    });
  });

  it('a Docker context of an imported skl2onnx model (ZipMap) serves with plain node', async () => {
    const rf = fixture('sklearn-rf-multiclass');
    const classes = signature('sklearn-rf-multiclass').classes!;
    const ctx = await call('export:docker', {
      ref: 'sklearn-rf-multiclass',
      out: join(t.dir, 'rf-ctx'),
    });
    const { child, ready } = await startServerCjs(ctx.dir, children);
    const r = await fetch(`${String(ready.url)}/v1/models/sklearn-rf-multiclass/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ records: rf.records.slice(0, 25) }),
    });
    expect(r.status).toBe(200);
    const body = (await r.json()) as {
      predictions: { probabilities: Record<string, number> }[];
    };
    body.predictions.forEach((p, i) =>
      classes.forEach((c, j) =>
        expect(p.probabilities[c]).toBeCloseTo((rf.expected[i] as number[])[j]!, 5),
      ),
    );
    child.kill('SIGTERM');
  });

  it('finds the ZipMap and the learned missing directions in the graphs', () => {
    const gb = readFileSync(files('sklearn-gb-binary').onnx);
    const { zipped, bytes } = unzipMaps(gb);
    expect([...zipped]).toEqual([
      ['output_probability', { tensor: 'probabilities', labels: ['0', '1'] }],
    ]);
    expect(bytes.length).toBeLessThan(gb.length);
    const rf = unzipMaps(readFileSync(files('sklearn-rf-multiclass').onnx)).zipped;
    expect(rf.get('output_probability')!.labels).toEqual(
      signature('sklearn-rf-multiclass').classes,
    );
    // No ZipMap: the same bytes.
    const xg = readFileSync(files('xgboost-binary').onnx);
    expect(unzipMaps(xg).bytes).toBe(xg);
    expect(learnsMissing(xg)).toBe(true);
    expect(learnsMissing(gb)).toBe(false);
    expect(learnsMissing(Buffer.from('not a model'))).toBe(false);
  });

  it('refuses a ZipMap whose classes are not the signature classes, or declared as labels', async () => {
    const sig = JSON.parse(readFileSync(files('sklearn-rf-multiclass').signature, 'utf8')) as {
      classes: string[];
      output: { name: string; kind: string };
    };
    const swapped = join(t.dir, 'swapped.json');
    writeFileSync(swapped, JSON.stringify({ ...sig, classes: [...sig.classes].reverse() }));
    const e = await failure('models:import', {
      name: 'rf-swapped',
      onnx: files('sklearn-rf-multiclass').onnx,
      signature: swapped,
    });
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.message).toContain('sklearn-rf-multiclass.onnx');
    expect(e.message).toMatch(
      new RegExp(
        `output 'output_probability' \\(a ZipMap\\) is keyed by the classes ${sig.classes.join(', ')}, but the signature declares ${[...sig.classes].reverse().join(', ')}: list them in the model's order`,
      ),
    );
    const labels = join(t.dir, 'labels.json');
    writeFileSync(labels, JSON.stringify({ ...sig, output: { ...sig.output, kind: 'labels' } }));
    const l = await failure('models:import', {
      name: 'rf-labels',
      onnx: files('sklearn-rf-multiclass').onnx,
      signature: labels,
    });
    expect(l.message).toMatch(
      /output 'output_probability' is a ZipMap of class probabilities; declare its kind as probabilities/,
    );
    // Its label output, a tensor, serves as labels beside the ZipMap.
    const label = join(t.dir, 'label.json');
    writeFileSync(
      label,
      JSON.stringify({ ...sig, output: { name: 'output_label', kind: 'labels' } }),
    );
    const v = await call('models:import', {
      name: 'rf-label',
      onnx: files('sklearn-rf-multiclass').onnx,
      signature: label,
    });
    expect(v.version).toBe(1);
  });
});
