import { describe, expect, it } from 'vitest';
import { lineageTree } from '../../../../main/cli/lineage-tree';

describe('lineageTree', () => {
  it('prints sources first, edges as labels, shared nodes once, and marks the focus', () => {
    const text = lineageTree({
      focus: 'run1abcdef',
      nodes: [
        {
          id: 'run1abcdef',
          kind: 'run',
          label: 'r-1',
          hash: 'c0ffee0000000000',
          status: 'finished',
        },
        { id: 'v2', kind: 'version', label: 'joined@1', hash: 'bbbbbbbbbbbbbbbb' },
        { id: 'v1', kind: 'version', label: 'a@1', hash: 'aaaaaaaaaaaaaaaa' },
        { id: 'v3', kind: 'version', label: 'b@1', hash: 'cccccccccccccccc' },
        { id: 'file:aaaa', kind: 'file', label: '/d/a.csv', hash: 'aaaaaaaaaaaaaaaa' },
        { id: 'query:v3', kind: 'query', label: 'SELECT\n 1', hash: null },
      ],
      edges: [
        { from: 'file:aaaa', to: 'v1', label: 'import' },
        { from: 'query:v3', to: 'v3', label: 'query' },
        { from: 'v1', to: 'v2', label: 'sql(…)' },
        { from: 'v3', to: 'v2', label: 'sql(…)' },
        { from: 'v2', to: 'run1abcdef', label: 'train' },
      ],
    });
    expect(text).toBe(
      [
        'file /d/a.csv  sha256:aaaaaaaaaaaa',
        '└─ [import] a@1  aaaaaaaaaaaa',
        '   └─ [sql(…)] joined@1  bbbbbbbbbbbb',
        '      └─ [train] run run1abcd r-1 [finished]  config c0ffee000000  ◀',
        'query SELECT 1',
        '└─ [query] b@1  cccccccccccc',
        '   └─ [sql(…)] joined@1  bbbbbbbbbbbb (see above)',
      ].join('\n'),
    );
  });
});
