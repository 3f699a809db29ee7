// lathe retrain, lathe retrain list, lathe models rollback.
import { resolve } from 'node:path';
import { LatheError, type Retraining } from '../../../shared/contract';
import { bool, givenStrs, invoke, num, str, withSession, type Command } from '../command';
import { createProgress, table } from '../output';
import { cancelOnInterrupt } from '../runners';

function humanRetraining(r: Retraining): string {
  const head = `Retraining ${r.id.slice(0, 8)} of ${r.model} (${r.trigger}${r.reason ? `: ${r.reason}` : ''}): ${r.status}${
    r.challengerVersion ? `  challenger v${r.challengerVersion}` : ''
  }${r.championVersion ? `  champion was v${r.championVersion}` : ''}`;
  const steps = r.steps.map(
    (s) =>
      `  ${s.status === 'ok' ? 'ok  ' : s.status === 'failed' ? 'FAIL' : 'skip'}  ${s.step.padEnd(8)}  ${s.message}`,
  );
  return [head, ...steps, ...(r.error ? [`Error: ${r.error}`] : [])].join('\n');
}

export const retrainCommands: Command[] = [
  {
    path: ['retrain'],
    summary:
      "Retrain a model's champion on new data with its config, evaluate it on the champion's held-out rows, run the gates and register a `challenger` (exit 1 when the job fails, or when --promote does not promote).",
    positionals: [{ name: 'NAME', required: true, description: 'the model' }],
    flags: {
      data: {
        type: 'string',
        value: 'DATASET[@V]',
        description: "new data (default: the latest version of the champion's dataset)",
      },
      file: {
        type: 'string',
        value: 'FILE',
        description: "new data from a file, imported as a new version of the champion's dataset",
      },
      'allow-schema-change': {
        type: 'boolean',
        description:
          "with --file: add it as a version even when its columns differ from the latest version of the champion's dataset (refused without --file: nothing else is imported)",
      },
      captured: {
        type: 'boolean',
        description: "new data: the champion's captured predictions joined with their actuals",
      },
      combine: {
        type: 'boolean',
        description: "train on the champion's training rows and the new rows together",
      },
      canary: {
        type: 'number',
        value: 'PERCENT',
        description:
          'serve the challenger as a canary of the champion for this share of requests (0 < PERCENT < 100)',
      },
      promote: {
        type: 'boolean',
        description:
          'move `champion` to the challenger when the gates hold (with --canary: when its canary holds, see retrain judge)',
      },
      reason: { type: 'string', value: 'TEXT', description: 'why (kept in the audit log)' },
    },
    async run(ctx) {
      const percent = num(ctx, 'canary');
      if (percent !== undefined && !(percent > 0 && percent < 100))
        throw new LatheError('INVALID_INPUT', `--canary ${percent}: expected 0 < PERCENT < 100`);
      const file = str(ctx, 'file');
      const input = {
        model: ctx.args.positionals[0]!,
        ...givenStrs(ctx, 'data', 'reason'),
        ...(file !== undefined ? { file: resolve(file) } : {}),
        ...(bool(ctx, 'allow-schema-change') ? { allowSchemaChange: true } : {}),
        ...(bool(ctx, 'captured') ? { captured: true } : {}),
        ...(bool(ctx, 'combine') ? { combine: true } : {}),
        ...(percent !== undefined ? { canaryPercent: percent } : {}),
        ...(bool(ctx, 'promote') ? { promote: true } : {}),
        trigger: 'manual' as const,
      };
      return withSession(ctx, async (s) => {
        // The job's steps on a progress bar; Ctrl-C stops it (the record ends failed, nothing promoted).
        const bar = createProgress(ctx.io.stderr, !ctx.json);
        const off = s.api.on('retrain:progress', (p) => {
          if (p.model === input.model) bar.update(p.fraction, p.message);
        });
        const retraining = s.api.invoke('retrain:run', input);
        const cancel = cancelOnInterrupt(
          ctx,
          bar,
          `the retraining of ${input.model}`,
          () => s.api.invoke('retrain:cancel', { model: input.model }),
          retraining,
        );
        let r: Retraining;
        try {
          r = await retraining;
        } finally {
          off();
          bar.done();
        }
        ctx.result(r, () => humanRetraining(r));
        if (r.status === 'canary' && s.mode === 'owner') {
          // The canary's server lives in this process: it serves until Ctrl-C, as lathe serve does, and is
          // judged every minute until a verdict (promoted or abandoned: the server then serves one model).
          ctx.say(
            `the canary serves from this process and is judged every minute (lathe retrain judge ${r.id.slice(0, 8)}): press Ctrl-C to stop it`,
          );
          let verdict: string | undefined;
          const timer = setInterval(() => {
            s.api
              .invoke('retrain:judge', { ref: r.id })
              .then((j) => {
                if (j.verdict === 'waiting' || verdict) return;
                verdict = j.verdict;
                clearInterval(timer);
                if (ctx.json) ctx.io.stdout.write(`${JSON.stringify(j)}\n`);
                else ctx.say(`${j.verdict}: ${j.message}`);
              })
              .catch((err: unknown) => ctx.say(`judge failed: ${(err as Error).message}`));
          }, 60_000);
          await ctx.io.interrupted;
          clearInterval(timer);
          return verdict === 'abandoned' ? 1 : 0;
        }
        if (r.status === 'failed') return cancel.asked ? 130 : 1;
        return input.promote && r.status !== 'promoted' && r.status !== 'canary' ? 1 : 0;
      });
    },
  },
  {
    path: ['retrain', 'list'],
    opensWorkspace: true,
    summary: "A model's retrainings, newest first: trigger, status, versions and steps.",
    positionals: [{ name: 'NAME', required: true, description: 'the model' }],
    flags: {},
    async run(ctx) {
      const list = await invoke(ctx, 'retrain:list', { model: ctx.args.positionals[0]! });
      ctx.result(list, () =>
        list.length === 0
          ? `No retrainings of ${ctx.args.positionals[0]!} yet: lathe retrain ${ctx.args.positionals[0]!}`
          : table(
              ['id', 'started', 'trigger', 'status', 'champion', 'challenger', 'data', 'note'],
              list.map((r) => [
                r.id.slice(0, 8),
                r.startedAt.slice(0, 19).replace('T', ' '),
                r.trigger,
                r.status,
                r.championVersion ?? '',
                r.challengerVersion ?? '',
                r.dataset ?? '',
                r.error ??
                  r.steps.find((x) => x.status === 'failed')?.message ??
                  r.steps.at(-1)?.message ??
                  '',
              ]),
              60,
            ),
      );
      return 0;
    },
  },
  {
    path: ['retrain', 'judge'],
    summary:
      "Judge a retraining's canary against the champion over the same period (5xx rate, latency p99, the metric on labelled rows or its CBPE estimate): promote it or abandon it (the canary stops). Waits (exit 2) until the canary has answered --min-requests. The app, lathe ui and lathe monitor watch judge canaries every minute.",
    positionals: [
      {
        name: 'ID|NAME',
        required: true,
        description: 'a retraining id (8+ characters), or a model: its latest retraining in canary',
      },
    ],
    flags: {
      'min-requests': {
        type: 'number',
        value: 'N',
        description: 'canary requests needed before a verdict (default 200)',
      },
    },
    async run(ctx) {
      const min = num(ctx, 'min-requests');
      if (min !== undefined && !(Number.isInteger(min) && min > 0))
        throw new LatheError('INVALID_INPUT', `--min-requests ${min}: expected a positive integer`);
      const out = await invoke(ctx, 'retrain:judge', {
        ref: ctx.args.positionals[0]!,
        ...(min !== undefined ? { minRequests: min } : {}),
      });
      ctx.result(out, () => `${out.verdict}: ${out.message}`);
      return out.verdict === 'abandoned' ? 1 : out.verdict === 'waiting' ? 2 : 0;
    },
  },
  {
    path: ['models', 'rollback'],
    summary:
      'Point `champion` back at the version it pointed to before its latest move (audited with the reason).',
    positionals: [{ name: 'NAME', required: true, description: 'the model' }],
    flags: {
      reason: { type: 'string', value: 'TEXT', description: 'why (kept in the audit log)' },
    },
    async run(ctx) {
      const r = await invoke(ctx, 'models:rollback', {
        name: ctx.args.positionals[0]!,
        ...givenStrs(ctx, 'reason'),
      });
      ctx.result(r, () => `${r.model}@champion rolled back: v${r.from} → v${r.to}`);
      return 0;
    },
  },
];
