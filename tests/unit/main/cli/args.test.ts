import { describe, expect, it } from 'vitest';
import { UsageError, parseArgs, usageOf, type CommandSpec } from '../../../../main/cli/args';

const spec: CommandSpec = {
  path: ['data', 'import'],
  summary: 'import',
  positionals: [{ name: 'FILE', required: true, description: 'file' }],
  flags: {
    name: { type: 'string', value: 'NAME', required: true, description: 'name' },
    limit: { type: 'number', value: 'N', description: 'n' },
  },
};
const parse = (argv: string[]) => parseArgs(spec, argv, usageOf(spec));

describe('parseArgs', () => {
  it('reads positionals, --flag value, --flag=value and global flags', () => {
    expect(parse(['a.csv', '--name', 'x', '--limit=5', '--json', '--workspace', '/w'])).toEqual({
      positionals: ['a.csv'],
      flags: { name: 'x', limit: 5, json: true, workspace: '/w' },
    });
  });

  it('refuses unknown flags, naming the flag and the command', () => {
    expect(() => parse(['a.csv', '--name', 'x', '--colour'])).toThrow(UsageError);
    expect(() => parse(['a.csv', '--name', 'x', '--colour'])).toThrow(
      "unknown option --colour for 'lathe data import'",
    );
  });

  it('refuses missing arguments, missing values and non-numbers', () => {
    expect(() => parse(['--name', 'x'])).toThrow('missing argument FILE');
    expect(() => parse(['a.csv'])).toThrow('missing option --name NAME');
    expect(() => parse(['a.csv', '--name'])).toThrow('option --name needs a value (NAME)');
    expect(() => parse(['a.csv', '--name', 'x', '--limit', 'many'])).toThrow(
      "option --limit: 'many' is not a number",
    );
    expect(() => parse(['a.csv', 'b.csv', '--name', 'x'])).toThrow("unexpected argument 'b.csv'");
  });

  it('lets --help through without required arguments', () => {
    expect(parse(['--help']).flags.help).toBe(true);
  });

  it('prints usage with required and optional parts', () => {
    expect(usageOf(spec)).toBe(
      'lathe data import FILE --name NAME [--limit N] [--workspace DIR] [--json]',
    );
  });
});
