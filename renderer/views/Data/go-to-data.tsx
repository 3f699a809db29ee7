import { navigate } from '../../lib/routes';

/** The way out of a view that needs a dataset when the project has none: to the Data view's import. */
export function GoToDataButton() {
  return (
    <button type="button" className="btn" onClick={() => navigate({ view: 'data', dataset: null })}>
      Go to Data
    </button>
  );
}
