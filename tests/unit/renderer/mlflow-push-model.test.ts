import { describe, expect, it } from 'vitest';
import type { MlflowCredentialsOut, MlflowPushOut } from '../../../shared/contract';
import { ApiError } from '../../../renderer/api/errors';
import {
  EMPTY_PUSH_FORM,
  authOptions,
  buildPush,
  credentialFields,
  effectiveAuth,
  fieldOfError,
  pushSummary,
  savedFor,
  serverKey,
  type PushForm,
} from '../../../renderer/views/Mlflow/push-model';

const desktop: MlflowCredentialsOut = {
  store: 'safeStorage',
  saved: [{ url: 'http://mlflow:5000/team', kind: 'basic', username: 'ada' }],
};
const browser: MlflowCredentialsOut = { store: 'none', saved: [] };
const form = (over: Partial<PushForm>): PushForm => ({
  ...EMPTY_PUSH_FORM,
  url: 'http://mlflow:5000',
  ...over,
});

describe('the saved credentials of a URL', () => {
  it('matches the URL as the service keys it: origin and path, trailing slashes dropped', () => {
    expect(serverKey(' http://MLflow:5000/team/ ')).toBe('http://mlflow:5000/team');
    expect(serverKey('mlflow:5000 x')).toBeNull();
    expect(savedFor('http://mlflow:5000/team//', desktop)?.username).toBe('ada');
    expect(savedFor('http://mlflow:5000/other', desktop)).toBeNull();
    expect(savedFor('not a url', desktop)).toBeNull();
    expect(savedFor('http://mlflow:5000/team', null)).toBeNull();
  });

  it('offers the kept credentials instead of "none", since the service would use them anyway', () => {
    const saved = desktop.saved[0]!;
    expect(authOptions(saved).map((o) => o.value)).toEqual(['saved', 'token', 'basic']);
    expect(authOptions(saved)[0]!.label).toContain('user ada');
    expect(authOptions(null).map((o) => o.value)).toEqual(['none', 'token', 'basic']);
    expect(effectiveAuth('none', saved)).toBe('saved');
    expect(effectiveAuth('saved', null)).toBe('none');
    expect(effectiveAuth('token', saved)).toBe('token');
  });

  it('asks a token for token auth, a user name and a hidden password for basic, nothing else', () => {
    expect(credentialFields('token')).toEqual([{ key: 'token', label: 'Token', secret: true }]);
    expect(credentialFields('basic').map((f) => [f.key, f.secret])).toEqual([
      ['username', false],
      ['password', true],
    ]);
    expect(credentialFields('none')).toEqual([]);
    expect(credentialFields('saved')).toEqual([]);
  });
});

describe('buildPush', () => {
  it('names the empty URL, token or user name under its own field', () => {
    expect(buildPush('abc', form({ url: '  ' }), browser)).toEqual({
      errors: { url: expect.stringContaining('MLflow tracking URL') as string },
    });
    expect(buildPush('abc', form({ auth: 'token', token: ' ' }), browser)).toEqual({
      errors: { token: 'the token is empty' },
    });
    expect(buildPush('abc', form({ auth: 'basic', password: 'pw' }), browser)).toEqual({
      errors: { username: 'the user name is empty' },
    });
  });

  it('sends the chosen credentials, trimmed, and none for "none" or the kept ones', () => {
    expect(buildPush('m@1', form({ auth: 'token', token: ' t0k ' }), browser)).toEqual({
      input: { source: 'm@1', to: 'http://mlflow:5000', auth: { kind: 'token', token: 't0k' } },
      remember: null,
    });
    expect(
      buildPush('r', form({ auth: 'basic', username: ' ada ', password: ' pw ' }), browser),
    ).toMatchObject({ input: { auth: { kind: 'basic', username: 'ada', password: ' pw ' } } });
    expect(buildPush('r', form({ url: ' http://mlflow:5000/team ' }), desktop)).toEqual({
      input: { source: 'r', to: 'http://mlflow:5000/team' },
      remember: null,
    });
    // The kept credentials stop applying once the URL names another server.
    expect(buildPush('r', form({ auth: 'saved' }), desktop)).toEqual({
      input: { source: 'r', to: 'http://mlflow:5000' },
      remember: null,
    });
  });

  it('keeps credentials only when asked and the app has a safe store', () => {
    const asked = form({ auth: 'token', token: 't', remember: true });
    expect(buildPush('r', asked, desktop)).toMatchObject({
      remember: { kind: 'token', token: 't' },
    });
    expect(buildPush('r', asked, browser)).toMatchObject({ remember: null });
    const noKeyring: MlflowCredentialsOut = { store: 'none', unavailable: 'no keyring', saved: [] };
    expect(buildPush('r', asked, noKeyring)).toMatchObject({ remember: null });
    expect(buildPush('r', { ...asked, auth: 'none' }, desktop)).toMatchObject({ remember: null });
  });
});

describe('fieldOfError', () => {
  it('puts a refused URL, refused credentials and a refused folder under their fields', () => {
    expect(
      fieldOfError(
        new ApiError('INVALID_INPUT', "the MLflow server URL 'x' is not a URL", { field: 'to' }),
      ),
    ).toBe('url');
    expect(fieldOfError(new ApiError('INVALID_INPUT', 'refused', { status: 401 }))).toBe('auth');
    expect(fieldOfError(new ApiError('INVALID_INPUT', 'refused', { status: 403 }))).toBe('auth');
    expect(fieldOfError(new ApiError('INVALID_INPUT', 'not empty', { field: 'out' }))).toBe('out');
    expect(fieldOfError(new ApiError('NETWORK', 'cannot reach', { status: 503 }))).toBeNull();
    expect(fieldOfError(new Error('plain'))).toBeNull();
    expect(fieldOfError(null)).toBeNull();
  });
});

const pushed = (over: Partial<MlflowPushOut>): MlflowPushOut => ({
  to: 'http://mlflow:5000',
  source: 'penguins@1',
  experiment: { id: '3', name: 'penguins', status: 'created' },
  run: { latheRunId: 'r1', id: 'abc', status: 'created', url: 'http://mlflow:5000/#/x' },
  sent: { params: 3, tags: 1, metricPoints: 40, artifacts: 2, artifactBytes: 2048 },
  found: { params: 0, tags: 0, metricPoints: 0, artifacts: 0 },
  model: {
    name: 'penguins',
    latheVersion: 'penguins@1',
    registeredModel: 'created',
    version: '1',
    status: 'created',
    source: 'mlflow-artifacts:/3/abc/artifacts/model',
    aliases: [{ alias: 'champion', status: 'created' }],
  },
  changed: true,
  ...over,
});

describe('pushSummary', () => {
  it('says what a first push created and sent', () => {
    const s = pushSummary(pushed({}));
    expect(s.headline).toBe('Pushed penguins@1 to http://mlflow:5000');
    expect(s.lines).toEqual([
      'experiment penguins (3): created',
      'run abc: created',
      'sent 3 params, 1 tag, 40 metric points, 2 artifacts (2.0 KB)',
      'registered model penguins: created',
      'version 1 (from penguins@1): created',
      'alias @champion: created',
    ]);
  });

  it('says nothing changed when a push found everything there', () => {
    const s = pushSummary(
      pushed({
        experiment: { id: '3', name: 'penguins', status: 'exists' },
        run: { latheRunId: 'r1', id: 'abc', status: 'exists', url: 'u' },
        sent: { params: 0, tags: 0, metricPoints: 0, artifacts: 0, artifactBytes: 0 },
        found: { params: 3, tags: 1, metricPoints: 40, artifacts: 1 },
        model: null,
        changed: false,
      }),
    );
    expect(s.headline).toBe(
      'Nothing changed: http://mlflow:5000 already had everything of penguins@1',
    );
    expect(s.lines).toEqual([
      'experiment penguins (3): already there',
      'run abc: already there',
      'already there: 3 params, 1 tag, 40 metric points, 1 artifact',
    ]);
  });
});
