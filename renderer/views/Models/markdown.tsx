import type { ReactNode } from 'react';

const ENTITIES: Record<string, string> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#39;': "'",
  '&#58;': ':',
};

/**
 * The entities and backslash escapes exported cards use to keep raw HTML and links out
 * (main/registry/model-card.ts, inertMarkdown), back to the characters they stand for: React then renders
 * them as text.
 */
export function decodeEntities(text: string): string {
  return text.replace(
    /&(amp|lt|gt|quot|#39|#58);|\\([\\[])/g,
    (e, _name, escaped?: string) => escaped ?? ENTITIES[e] ?? e,
  );
}

/** `code`, **bold** and _emphasis_ inside a line, as React nodes (never HTML). */
function inline(encoded: string): ReactNode[] {
  const text = decodeEntities(encoded);
  const out: ReactNode[] = [];
  // `_` only emphasizes at word edges, so names like val_f1_macro stay as written.
  const re = /`([^`]+)`|\*\*([^*]+)\*\*|(?<![A-Za-z0-9])_([^_]+)_(?![A-Za-z0-9])/g;
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    if (m.index > last) out.push(text.slice(last, m.index));
    if (m[1] !== undefined) out.push(<code key={m.index}>{m[1]}</code>);
    else if (m[2] !== undefined) out.push(<strong key={m.index}>{m[2]}</strong>);
    else out.push(<em key={m.index}>{m[3]}</em>);
    last = re.lastIndex;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

const cells = (line: string) =>
  line
    .trim()
    .replace(/^\||\|$/g, '')
    .split('|')
    .map((c) => c.trim());

/**
 * The small Markdown subset model cards use — headings, paragraphs, `-` lists, pipe tables, inline code,
 * bold, emphasis — rendered as React elements, so card text can never inject markup.
 */
export function Markdown({ source, testId }: { source: string; testId?: string }) {
  const blocks: ReactNode[] = [];
  const lines = source.split('\n');
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (!line.trim()) {
      i++;
      continue;
    }
    const heading = /^(#{1,4})\s+(.*)$/.exec(line);
    if (heading) {
      const level = heading[1]!.length;
      const content = inline(heading[2]!);
      blocks.push(
        level === 1 ? (
          <h2 key={i}>{content}</h2>
        ) : level === 2 ? (
          <h3 key={i}>{content}</h3>
        ) : (
          <h4 key={i}>{content}</h4>
        ),
      );
      i++;
      continue;
    }
    if (line.trim().startsWith('|')) {
      const rows: string[][] = [];
      while (i < lines.length && lines[i]!.trim().startsWith('|')) {
        if (!/^\s*\|?\s*:?-{3,}/.test(lines[i]!)) rows.push(cells(lines[i]!));
        i++;
      }
      const [head, ...body] = rows;
      blocks.push(
        <table key={i} className="table table-dense">
          <thead>
            <tr>
              {head!.map((c, k) => (
                <th key={k}>{inline(c)}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {body.map((r, j) => (
              <tr key={j}>
                {r.map((c, k) => (
                  <td key={k}>{inline(c)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>,
      );
      continue;
    }
    if (/^\s*[-*]\s+/.test(line)) {
      const items: string[] = [];
      while (i < lines.length && /^\s*[-*]\s+/.test(lines[i]!)) {
        items.push(lines[i]!.replace(/^\s*[-*]\s+/, ''));
        i++;
      }
      blocks.push(
        <ul key={i}>
          {items.map((it, k) => (
            <li key={k}>{inline(it)}</li>
          ))}
        </ul>,
      );
      continue;
    }
    const para: string[] = [];
    while (
      i < lines.length &&
      lines[i]!.trim() &&
      !/^(#{1,4}\s|\s*\||\s*[-*]\s+)/.test(lines[i]!)
    ) {
      para.push(lines[i]!);
      i++;
    }
    blocks.push(<p key={i}>{inline(para.join(' '))}</p>);
  }
  return (
    <div className="markdown" data-testid={testId}>
      {blocks}
    </div>
  );
}
