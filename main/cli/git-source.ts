// The git commit a config file belongs to, for a run's lineage: HEAD of the repository holding the file,
// `+dirty` when tracked files have changes. Uses the git binary when there is one, else reads .git itself.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';

/** The .git directory of the repository holding `dir` (following a worktree's `gitdir:` file), or null. */
export function findGitDir(dir: string): string | null {
  for (let d = resolve(dir); ; d = dirname(d)) {
    const dotGit = join(d, '.git');
    if (existsSync(dotGit)) {
      if (statSync(dotGit).isDirectory()) return dotGit;
      const m = /^gitdir:\s*(.+)$/m.exec(readFileSync(dotGit, 'utf8'));
      if (m) return isAbsolute(m[1]!.trim()) ? m[1]!.trim() : resolve(d, m[1]!.trim());
      return null;
    }
    if (dirname(d) === d) return null;
  }
}

/** HEAD's commit from the files of a .git directory: a detached hash, a loose ref or a packed one. */
export function readHead(gitDir: string): string | null {
  const head = readFileSync(join(gitDir, 'HEAD'), 'utf8').trim();
  const ref = /^ref:\s*(.+)$/.exec(head)?.[1];
  if (!ref) return /^[0-9a-f]{40,64}$/.test(head) ? head : null;
  // A worktree keeps its HEAD but shares refs with the main repository (commondir).
  const common = existsSync(join(gitDir, 'commondir'))
    ? resolve(gitDir, readFileSync(join(gitDir, 'commondir'), 'utf8').trim())
    : gitDir;
  for (const base of [gitDir, common]) {
    const loose = join(base, ref);
    if (existsSync(loose)) return readFileSync(loose, 'utf8').trim() || null;
  }
  const packed = join(common, 'packed-refs');
  if (!existsSync(packed)) return null; // a branch without commits yet
  for (const line of readFileSync(packed, 'utf8').split('\n')) {
    const [hash, name] = line.trim().split(' ');
    if (name === ref && hash && /^[0-9a-f]{40,64}$/.test(hash)) return hash;
  }
  return null;
}

/**
 * The commit of the repository holding `file`, `<hash>+dirty` when tracked files differ from it, or null
 * when the file is not in a repository (or the repository has no commit yet).
 */
export function gitCommitOf(file: string): string | null {
  const dir = dirname(resolve(file));
  const gitDir = findGitDir(dir);
  if (!gitDir) return null;
  const git = (args: string[]) =>
    execFileSync('git', ['-C', dir, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 10_000,
    }).trim();
  try {
    const commit = git(['rev-parse', 'HEAD']);
    const dirty = git(['status', '--porcelain', '--untracked-files=no']) !== '';
    return `${commit}${dirty ? '+dirty' : ''}`;
  } catch {
    // No git binary (or it refused the folder): the commit from .git's files, without a dirty check.
    try {
      return readHead(gitDir);
    } catch {
      return null;
    }
  }
}
