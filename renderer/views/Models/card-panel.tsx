import { useState } from 'react';
import type { ModelCard, ModelVersion } from '../../../shared/contract';
import { getApi } from '../../api';
import { FormField, TextField } from '../../components/form-field';
import { Panel } from '../../components/page';
import { AsyncStatus, ErrorBanner } from '../../components/states';
import { formatTime } from '../../lib/format';
import { useAsync } from '../../lib/hooks';
import { useAction } from '../../lib/use-action';
import { Markdown } from './markdown';
import { BusyButton } from '../../components/busy-button';
import { handleSubmit } from '../../lib/forms';
import { saveFile } from '../../lib/save-file';

const FIELDS: [keyof Omit<ModelCard, 'sections'>, string][] = [
  ['intendedUse', 'Intended use'],
  ['trainingData', 'Training data'],
  ['metrics', 'Metrics'],
  ['fairness', 'Fairness'],
  ['limitations', 'Limitations'],
];

/** The version's model card: rendered, editable, exported as Markdown. */
export function CardPanel({
  version,
  revision,
  onChanged,
}: {
  version: ModelVersion;
  revision: number;
  onChanged: () => void;
}) {
  const ref = `${version.model}@${version.version}`;
  const card = useAsync(async () => {
    const [out, markdown] = await Promise.all([
      getApi().invoke('models:card:get', { ref }),
      getApi().invoke('models:card:markdown', { ref }),
    ]);
    return { ...out, markdown };
  }, [ref, revision]);
  const [draft, setDraft] = useState<ModelCard | null>(null);
  const saving = useAction();

  const save = async () => {
    if (!draft) return;
    await saving.run(() => getApi().invoke('models:card:set', { ref, card: draft }), {
      done: () => {
        setDraft(null);
        onChanged();
      },
    });
  };
  /** The draft with section `i` changed as `patch` says. */
  const patchSection = (i: number, patch: Partial<ModelCard['sections'][number]>) =>
    draft && {
      ...draft,
      sections: draft.sections.map((x, j) => (j === i ? { ...x, ...patch } : x)),
    };

  const data = card.data;
  return (
    <Panel
      title={`Model card · v${version.version}`}
      testId="model-card"
      busy={card.status === 'loading'}
      actions={
        data &&
        !draft && (
          <>
            <span className="muted small" data-testid="card-state">
              {data.edited
                ? `edited ${formatTime(data.updatedAt)} by ${data.updatedBy ?? ''}`
                : 'generated from the run'}
            </span>
            <button
              type="button"
              className="btn btn-small"
              onClick={() => setDraft(structuredClone(data.card))}
              data-testid="card-edit"
            >
              Edit
            </button>
            <button
              type="button"
              className="btn btn-small"
              onClick={() =>
                saveFile(
                  `${version.model}-v${version.version}-card.md`,
                  data.markdown,
                  'text/markdown',
                )
              }
              data-testid="card-export"
            >
              Export Markdown
            </button>
          </>
        )
      }
    >
      <AsyncStatus of={card} error="Could not load the card" testId="card-loading" retry={false} />
      {data && !draft && <Markdown source={data.markdown} testId="card-rendered" />}
      {draft && (
        <form className="form card-form" onSubmit={handleSubmit(save)}>
          {FIELDS.map(([key, label]) => (
            <FormField key={key} label={label}>
              <textarea
                rows={4}
                value={draft[key]}
                onChange={(e) => setDraft({ ...draft, [key]: e.target.value })}
                data-testid={`card-field-${key}`}
              />
            </FormField>
          ))}
          {draft.sections.map((s, i) => (
            <fieldset key={i} className="card-section">
              <div className="form-inline">
                <TextField
                  label="Section title"
                  grow
                  value={s.title}
                  onChange={(title) => setDraft(patchSection(i, { title }))}
                  testId={`card-section-title-${i}`}
                />
                <button
                  type="button"
                  className="btn btn-small btn-ghost"
                  onClick={() =>
                    setDraft({ ...draft, sections: draft.sections.filter((_, j) => j !== i) })
                  }
                >
                  Remove
                </button>
              </div>
              <textarea
                rows={3}
                value={s.body}
                onChange={(e) => setDraft(patchSection(i, { body: e.target.value }))}
                data-testid={`card-section-body-${i}`}
              />
            </fieldset>
          ))}
          {saving.message && <ErrorBanner error={saving.message} title="Card not saved" />}
          <div className="form-actions">
            <button
              type="button"
              className="btn btn-small"
              onClick={() =>
                setDraft({ ...draft, sections: [...draft.sections, { title: '', body: '' }] })
              }
              data-testid="card-add-section"
            >
              Add section
            </button>
            <span className="field-grow" />
            <button type="button" className="btn" onClick={() => setDraft(null)}>
              Cancel
            </button>
            <BusyButton
              busy={saving.busy}
              busyLabel="Saving…"
              type="submit"
              className="btn btn-primary"
              testId="card-save"
            >
              Save card
            </BusyButton>
          </div>
        </form>
      )}
    </Panel>
  );
}
