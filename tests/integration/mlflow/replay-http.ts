import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHost, type Host } from '../../../main/host/server';
import { createServices, type Services } from '../../../main/services';
import { FIXTURES, tempDir } from '../../helpers/workspace';

/**
 * A Lathe host over a fresh temp workspace, as `lathe ui` / `lathe server` start it (port 0, loopback),
 * with a stub renderer folder: the MLflow routes do not need the UI.
 */
export async function startMlflowHost(prefix = 'lathe-mlflow-'): Promise<{
  services: Services;
  host: Host;
  base: string;
  close(): Promise<void>;
}> {
  const t = tempDir(prefix);
  const rendererDir = join(t.dir, 'renderer');
  mkdirSync(rendererDir, { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><div id="root"></div>');
  const services = await createServices({ workspaceDir: join(t.dir, 'ws'), validateOutput: true });
  const host = await startHost({ services, port: 0, rendererDir });
  return {
    services,
    host,
    base: `http://127.0.0.1:${host.port}`,
    async close() {
      await host.close();
      await services.close();
      t.remove();
    },
  };
}

export interface HttpAnswer {
  status: number;
  text: string;
  /** The body parsed as JSON; undefined when it is not JSON. */
  json: unknown;
  contentType: string;
}

/** One HTTP call as the Python client's `requests` session makes it. */
export async function httpCall(
  base: string,
  method: string,
  path: string,
  options: {
    query?: Record<string, unknown>;
    json?: unknown;
    raw?: string | Buffer;
    headers?: Record<string, string>;
  } = {},
): Promise<HttpAnswer> {
  const url = new URL(path, base);
  for (const [key, value] of Object.entries(options.query ?? {})) {
    // requests encodes a list as the key repeated, anything else with str().
    for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(key, String(v));
  }
  const headers: Record<string, string> = {
    'User-Agent': 'mlflow-python-client/2.17.0',
    ...options.headers,
  };
  let body: string | Buffer | undefined;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['Content-Type'] ??= 'application/json';
  } else if (options.raw !== undefined) body = options.raw;
  const res = await fetch(url, {
    method,
    headers,
    body: typeof body === 'string' || body === undefined ? body : new Uint8Array(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json, contentType: res.headers.get('content-type') ?? '' };
}

/** A step of a committed replay fixture (tests/fixtures/mlflow/client-*.json). */
export interface ReplayStep {
  call: string;
  follows: string;
  method: string;
  /** An MLflow REST path (/api/2.0/mlflow/...). */
  path?: string;
  /** A file under a run's artifact_uri (mlflow-artifacts:/...), resolved as MlflowArtifactsRepository does. */
  artifact?: string;
  /** An artifact_uri (or a folder under it) to list, as HttpArtifactRepository.list_artifacts does. */
  artifactList?: string;
  query?: Record<string, unknown>;
  json?: unknown;
  raw?: string;
  headers?: Record<string, string>;
  status?: number;
  statusBelow?: number;
  response?: unknown;
  rawResponse?: string;
  reads?: string[];
  count?: Record<string, number>;
  absent?: string[];
  emptyOrAbsent?: string[];
  save?: Record<string, string>;
}

export interface ReplayFixture {
  title: string;
  vars: Record<string, string>;
  steps: ReplayStep[];
}

export const REPLAY_DIR = join(FIXTURES, 'mlflow');

export function replayFixtures(): { file: string; fixture: ReplayFixture }[] {
  return readdirSync(REPLAY_DIR)
    .filter((f) => f.startsWith('client-') && f.endsWith('.json'))
    .sort()
    .map((file) => ({
      file,
      fixture: JSON.parse(readFileSync(join(REPLAY_DIR, file), 'utf8')) as ReplayFixture,
    }));
}

/** Replaces every {{name}} in strings with the saved value; an unknown name is a fixture error. */
export function fill(value: unknown, vars: Record<string, string>): unknown {
  if (typeof value === 'string') {
    return value.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
      const v = vars[name];
      if (v === undefined) throw new Error(`placeholder {{${name}}} has no value yet`);
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v) => fill(v, vars));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v, vars)]));
  }
  return value;
}

/** `a.b[0].c` in a parsed answer; undefined when any part is missing. */
export function pick(value: unknown, path: string): unknown {
  let at: unknown = value;
  for (const part of path.split('.')) {
    const m = /^([^[\]]+)((?:\[\d+\])*)$/.exec(part);
    if (!m) throw new Error(`bad path ${path}`);
    at = at && typeof at === 'object' ? (at as Record<string, unknown>)[m[1]!] : undefined;
    for (const index of m[2]!.match(/\d+/g) ?? []) {
      at = Array.isArray(at) ? at[Number(index)] : undefined;
    }
  }
  return at;
}

/**
 * Differences between what a step expects and what came back: objects by their listed keys, arrays as
 * "each expected element matches some element" (MLflow lists params/tags/metrics in no set order), a number
 * also matching the same number as a string (proto JSON writes int64 either way).
 */
export function mismatches(expected: unknown, actual: unknown, where = '$'): string[] {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${where}: expected a list, got ${JSON.stringify(actual)}`];
    return expected.flatMap((e, i) =>
      actual.some((a) => mismatches(e, a).length === 0)
        ? []
        : [`${where}[${i}]: nothing matches ${JSON.stringify(e)} in ${JSON.stringify(actual)}`],
    );
  }
  if (expected && typeof expected === 'object') {
    if (!actual || typeof actual !== 'object' || Array.isArray(actual)) {
      return [`${where}: expected an object, got ${JSON.stringify(actual)}`];
    }
    return Object.entries(expected).flatMap(([k, v]) =>
      mismatches(v, (actual as Record<string, unknown>)[k], `${where}.${k}`),
    );
  }
  if (typeof expected === 'number') {
    const n = typeof actual === 'string' && actual.trim() !== '' ? Number(actual) : actual;
    return n === expected ? [] : [`${where}: expected ${expected}, got ${JSON.stringify(actual)}`];
  }
  return actual === expected
    ? []
    : [`${where}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
}

const ARTIFACTS_ROUTE = '/api/2.0/mlflow-artifacts/artifacts';

/**
 * The path of an `mlflow-artifacts:` URI on the tracking server: MlflowArtifactsRepository.resolve_uri puts
 * the URI's path after /api/2.0/mlflow-artifacts/artifacts of the tracking URI (host and port, when the URI
 * names them, are the same server here).
 */
export function artifactPath(uri: string): string {
  const m = /^mlflow-artifacts:(?:\/\/[^/]+)?(\/.*)$/.exec(uri);
  if (!m) throw new Error(`artifact_uri ${uri} is not an mlflow-artifacts: URI`);
  return `${ARTIFACTS_ROUTE}${m[1]!.replace(/\/+$/, '')}`;
}

/** Replays one fixture against `base`; returns the problems, each naming the step (empty = it passes). */
export async function replay(base: string, fixture: ReplayFixture): Promise<string[]> {
  const vars: Record<string, string> = { ...fixture.vars };
  for (const [i, step] of fixture.steps.entries()) {
    const label = `step ${i + 1} (${step.call})`;
    let answer: HttpAnswer;
    let isMlflowJson = false;
    if (step.path) {
      isMlflowJson = true;
      answer = await httpCall(base, step.method, step.path, {
        query: fill(step.query, vars) as Record<string, unknown> | undefined,
        json: fill(step.json, vars),
        headers: step.headers,
      });
    } else if (step.artifact) {
      answer = await httpCall(
        base,
        step.method,
        artifactPath(fill(step.artifact, vars) as string),
        {
          raw: step.raw,
          headers: step.headers,
        },
      );
    } else if (step.artifactList) {
      const tail = artifactPath(fill(step.artifactList, vars) as string).slice(
        ARTIFACTS_ROUTE.length + 1,
      );
      answer = await httpCall(base, step.method, ARTIFACTS_ROUTE, { query: { path: tail } });
    } else throw new Error(`${label}: a step needs path, artifact or artifactList`);

    const problems: string[] = [];
    if (step.status !== undefined && answer.status !== step.status) {
      problems.push(`status ${answer.status}, expected ${step.status}`);
    }
    if (step.statusBelow !== undefined && answer.status >= step.statusBelow) {
      problems.push(`status ${answer.status}, expected below ${step.statusBelow}`);
    }
    // verify_rest_response: an /api/2.0 answer that is not a JSON object is an error for the client.
    if (
      isMlflowJson &&
      (!answer.json || typeof answer.json !== 'object' || Array.isArray(answer.json))
    ) {
      problems.push('the answer is not a JSON object');
    }
    if (step.response !== undefined) {
      problems.push(...mismatches(fill(step.response, vars), answer.json));
    }
    if (step.rawResponse !== undefined && answer.text !== step.rawResponse) {
      problems.push(
        `body ${JSON.stringify(answer.text.slice(0, 200))}, expected ${JSON.stringify(step.rawResponse)}`,
      );
    }
    for (const path of step.reads ?? []) {
      if (pick(answer.json, path) === undefined) problems.push(`${path} is missing`);
    }
    for (const [path, n] of Object.entries(step.count ?? {})) {
      const list = pick(answer.json, path);
      if (!Array.isArray(list) || list.length !== n) {
        problems.push(
          `${path} has ${Array.isArray(list) ? list.length : 'no'} items, expected ${n}`,
        );
      }
    }
    for (const path of step.absent ?? []) {
      if (pick(answer.json, path) !== undefined) problems.push(`${path} should be absent`);
    }
    for (const path of step.emptyOrAbsent ?? []) {
      const v = pick(answer.json, path);
      if (!(v === undefined || v === '' || (Array.isArray(v) && v.length === 0))) {
        problems.push(`${path} should be empty, got ${JSON.stringify(v)}`);
      }
    }
    for (const [name, path] of Object.entries(step.save ?? {})) {
      const v = pick(answer.json, path);
      if (typeof v !== 'string' || v === '')
        problems.push(`${path} (saved as ${name}) is not a string`);
      else vars[name] = v;
    }
    if (problems.length > 0) {
      return [
        `${label} ${step.method} ${step.path ?? step.artifact ?? step.artifactList}: ${problems.join('; ')}`,
        `answer: ${answer.status} ${answer.text.slice(0, 400)}`,
      ];
    }
  }
  return [];
}
