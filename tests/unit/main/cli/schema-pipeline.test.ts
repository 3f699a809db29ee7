import { describe, expect, it } from 'vitest';
import type { Io } from '../../../../main/cli/command';
import { main } from '../../../../main/cli/index';

/** Runs the CLI in-process from source, collecting what it prints. */
async function lathe(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = { stdout: '', stderr: '' };
  const sink = (key: 'stdout' | 'stderr') =>
    ({ write: (s: string) => ((out[key] += s), true) }) as unknown as NodeJS.WriteStream;
  const io: Io = {
    stdout: sink('stdout'),
    stderr: sink('stderr'),
    interrupted: new Promise(() => {}),
  };
  const code = await main(argv, io);
  return { code, ...out };
}

describe('lathe schema pipeline', () => {
  it('prints the JSON Schema of pipeline files with every step type', async () => {
    const out = await lathe(['schema', 'pipeline']);
    expect(out.code).toBe(0);
    const schema = JSON.parse(out.stdout) as {
      required: string[];
      properties: {
        params: unknown;
        schedule: unknown;
        steps: { items: { oneOf: { properties: { type: { const: string } } }[] } };
      };
    };
    expect(schema.required).toEqual(['name', 'steps']);
    expect(schema.properties.params).toBeDefined();
    expect(schema.properties.schedule).toBeDefined();
    expect(schema.properties.steps.items.oneOf.map((s) => s.properties.type.const)).toContain(
      'monitor',
    );
  });

  it('lists pipeline among the known kinds', async () => {
    const out = await lathe(['schema', 'pipelines']);
    expect(out.code).not.toBe(0);
    expect(out.stderr).toMatch(/unknown schema 'pipelines' \(known: .*\bpipeline\b/);
  });
});
