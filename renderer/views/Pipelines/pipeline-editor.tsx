import { useRef, useState, type KeyboardEvent } from 'react';
import type { PipelineIssue } from '../../../shared/contract';
import { issuePlace, issuesByLine, lineOffset } from './pipeline-model';

/**
 * The pipeline's YAML: a textarea with line numbers; a line an issue names is marked in the gutter and
 * its message written after the line's text, and every issue is listed under the editor (a click moves
 * the cursor to its line). Ctrl/Cmd+S saves.
 */
export function PipelineEditor({
  text,
  onChange,
  issues,
  onSave,
  label,
}: {
  text: string;
  onChange: (text: string) => void;
  issues: readonly PipelineIssue[];
  onSave: () => void;
  label: string;
}) {
  const area = useRef<HTMLTextAreaElement>(null);
  const [scroll, setScroll] = useState({ top: 0, left: 0 });
  const lines = text.split('\n');
  const byLine = issuesByLine(issues);
  const goTo = (line: number) => {
    const el = area.current;
    if (!el) return;
    const at = lineOffset(text, line);
    el.focus();
    el.setSelectionRange(at, at);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 's') {
      e.preventDefault();
      onSave();
    }
  };
  return (
    <div className="pl-editor-wrap">
      <div className="pl-editor" data-invalid={issues.length > 0 ? 'true' : 'false'}>
        <div className="pl-gutter" aria-hidden="true">
          <div style={{ transform: `translateY(${-scroll.top}px)` }}>
            {lines.map((_, i) => {
              const here = byLine.get(i + 1);
              return (
                <div
                  key={i}
                  className={here ? 'pl-gutter-line pl-gutter-issue' : 'pl-gutter-line'}
                  title={here?.map((h) => h.message).join('\n')}
                  data-testid={here ? `pipeline-issue-marker-${i + 1}` : undefined}
                >
                  {here && <span className="pl-marker">●</span>}
                  {i + 1}
                </div>
              );
            })}
          </div>
        </div>
        <div className="pl-code">
          <div
            className="pl-backdrop"
            aria-hidden="true"
            style={{ transform: `translate(${-scroll.left}px, ${-scroll.top}px)` }}
          >
            {lines.map((line, i) => {
              const here = byLine.get(i + 1);
              return (
                <div key={i} className={here ? 'pl-line pl-line-issue' : 'pl-line'}>
                  <span className="pl-ghost">{line}</span>
                  {here && (
                    <span
                      className="pl-inline-issue"
                      data-testid={`pipeline-inline-issue-${i + 1}`}
                    >
                      {here.map((h) => h.message).join('; ')}
                    </span>
                  )}
                </div>
              );
            })}
          </div>
          <textarea
            ref={area}
            className="pl-textarea"
            value={text}
            wrap="off"
            spellCheck={false}
            aria-label={label}
            aria-invalid={issues.length > 0 ? true : undefined}
            aria-describedby="pipeline-issues"
            onChange={(e) => onChange(e.target.value)}
            onScroll={(e) =>
              setScroll({ top: e.currentTarget.scrollTop, left: e.currentTarget.scrollLeft })
            }
            onKeyDown={onKeyDown}
            data-testid="pipeline-yaml"
          />
        </div>
      </div>
      <div id="pipeline-issues" aria-live="polite">
        {issues.length === 0 ? (
          <div className="pl-issues-ok muted small" data-testid="pipeline-issues-none">
            No problems found
          </div>
        ) : (
          <ul className="pl-issues" data-testid="pipeline-issues">
            {issues.map((issue, k) => (
              <li key={k} data-testid="pipeline-issue" data-line={issue.line ?? ''}>
                {issue.line ? (
                  <button type="button" className="pl-issue-jump" onClick={() => goTo(issue.line!)}>
                    {issuePlace(issue)}
                  </button>
                ) : (
                  issuePlace(issue) && <span className="muted">{issuePlace(issue)}</span>
                )}{' '}
                {issue.message}
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}
