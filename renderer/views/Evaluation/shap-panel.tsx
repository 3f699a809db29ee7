/**
 * The Evaluation view's TreeSHAP section: mean |SHAP| bars beside a beeswarm, a class picker for a
 * multiclass model's beeswarm, and the top 20 inputs or all of them. The HTML report draws the same
 * charts without controls (renderer/report/shap-section.tsx).
 */
import { useState } from 'react';
import type { Explanations } from '../../../shared/contract';
import { Figure } from '../../report/charts';
import { rankedFor, SHAP_TOP, ShapBars, ShapBeeswarm, ShapLegend } from '../../report/shap-charts';
import { barsTitle, ShapCaption } from '../../report/shap-section';

/** The section as the Evaluation view shows it: a class picker and the top 20 inputs or all. */
export function ShapInteractive({ explanations }: { explanations: Explanations }) {
  const e = explanations;
  const [output, setOutput] = useState(0);
  const [all, setAll] = useState(false);
  const multiclass = e.outputs.length > 1;
  const k = Math.min(output, e.outputs.length - 1);
  const limit = all ? e.features.length : SHAP_TOP;
  const ranked = rankedFor(e, multiclass ? k : null);
  return (
    <>
      <ShapCaption explanations={e} />
      <div className="shap-controls">
        {multiclass && (
          <label>
            Beeswarm for class{' '}
            <select
              value={k}
              onChange={(ev) => setOutput(Number(ev.target.value))}
              data-testid="eval-shap-class"
            >
              {e.outputs.map((name, i) => (
                <option key={name} value={i}>
                  {name}
                </option>
              ))}
            </select>
          </label>
        )}
        {e.features.length > SHAP_TOP && (
          <button
            type="button"
            className="btn btn-small"
            onClick={() => setAll(!all)}
            data-testid="eval-shap-show-all"
            aria-pressed={all}
          >
            {all ? `Show the top ${SHAP_TOP}` : `Show all ${e.features.length} inputs`}
          </button>
        )}
      </div>
      <div className="shap-grid">
        <Figure title={barsTitle(e)}>
          <ShapBars explanations={e} features={e.features.slice(0, limit)} output={null} />
        </Figure>
        <Figure title={multiclass ? `Beeswarm for “${e.outputs[k]}”` : 'Beeswarm'}>
          <ShapBeeswarm explanations={e} features={ranked.slice(0, limit)} output={k} />
          <ShapLegend />
        </Figure>
      </div>
    </>
  );
}
