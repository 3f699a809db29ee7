import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The package root (where package.json names "lathe"), from source or from the built out/ folder. */
export function packageRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const pkg = join(dir, 'package.json');
    if (
      existsSync(pkg) &&
      (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'lathe'
    )
      return dir;
    dir = dirname(dir);
  }
  throw new Error(`cannot find Lathe's package.json above ${__dirname}`);
}

let cached: string | undefined;
export function latheVersion(): string {
  cached ??= (
    JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }
  ).version;
  return cached;
}
