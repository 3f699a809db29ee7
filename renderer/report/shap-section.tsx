/**
 * The report's TreeSHAP section as the offline HTML file shows it. The file has no script, so this form
 * draws every class's beeswarm and puts the inputs past the top 20 in a `<details>` the reader opens, on
 * the same axes. The Evaluation view mounts its interactive form instead (renderer/views/Evaluation/
 * shap-panel.tsx: a class picker and "show all").
 */
import type { ReactNode } from 'react';
import type { Explanations } from '../../shared/contract';
import { Figure } from './charts';
import {
  meanAbsOf,
  rankedFor,
  SHAP_TOP,
  ShapBars,
  ShapBeeswarm,
  shapCaption,
  shapDomain,
  ShapLegend,
} from './shap-charts';

/** A face's form of the section. */
export type ShapSectionComponent = (props: { explanations: Explanations }) => ReactNode;

export function ShapCaption({ explanations }: { explanations: Explanations }) {
  return (
    <p className="muted small eval-lead" data-testid="eval-shap-caption">
      {shapCaption(explanations)}
    </p>
  );
}

export function barsTitle(e: Explanations): string {
  return e.outputs.length > 1 ? 'Mean |SHAP| per input, by class' : 'Mean |SHAP| per input';
}

/** The section as the HTML file shows it: everything drawn, the long tail folded away. */
export function ShapStatic({ explanations }: { explanations: Explanations }) {
  const e = explanations;
  const top = e.features.slice(0, SHAP_TOP);
  const rest = e.features.slice(SHAP_TOP);
  const max = Math.max(0, ...e.features.map((f) => meanAbsOf(f, null)));
  return (
    <>
      <ShapCaption explanations={e} />
      <Figure title={barsTitle(e)}>
        <ShapBars explanations={e} features={top} output={null} max={max} />
      </Figure>
      {rest.length > 0 && (
        <details className="shap-more">
          <summary>Mean |SHAP| of the other {rest.length} inputs</summary>
          <ShapBars
            explanations={e}
            features={rest}
            output={null}
            max={max}
            chart="shap-bars-rest"
          />
        </details>
      )}
      <ShapLegend />
      {e.outputs.map((name, k) => {
        const ranked = rankedFor(e, e.outputs.length > 1 ? k : null);
        const domain = shapDomain(ranked, k);
        const tail = ranked.slice(SHAP_TOP);
        return (
          <div key={name} className="shap-class">
            <Figure title={e.outputs.length > 1 ? `Beeswarm for “${name}”` : 'Beeswarm'}>
              <ShapBeeswarm
                explanations={e}
                features={ranked.slice(0, SHAP_TOP)}
                output={k}
                domain={domain}
                chart={k === 0 ? 'shap-beeswarm' : `shap-beeswarm-${k}`}
              />
            </Figure>
            {tail.length > 0 && (
              <details className="shap-more">
                <summary>
                  The other {tail.length} inputs{e.outputs.length > 1 ? ` for “${name}”` : ''}
                </summary>
                <ShapBeeswarm
                  explanations={e}
                  features={tail}
                  output={k}
                  domain={domain}
                  chart={k === 0 ? 'shap-beeswarm-rest' : `shap-beeswarm-rest-${k}`}
                />
              </details>
            )}
          </div>
        );
      })}
    </>
  );
}
