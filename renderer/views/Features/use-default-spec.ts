import type { ChannelOutput } from '../../../shared/contract';
import { getApi } from '../../api';
import { useAsync, type AsyncState } from '../../lib/hooks';
import { draftFor } from './feature-spec-text';

/**
 * The default spec of `dataset` drafted for `target`. Right after the target changes, the previous
 * draft (which may use the new target as a feature) is not returned: the state is loading until the
 * redraft comes, so the preview never pairs that spec with the new target.
 */
export function useDefaultSpec(
  dataset: string,
  target: string,
): AsyncState<ChannelOutput<'features:default'>> & { reload: () => void } {
  const drafts = useAsync(
    () =>
      getApi()
        .invoke('features:default', { ref: dataset, ...(target ? { target } : {}) })
        .then((out) => ({ out, target })),
    [dataset, target],
  );
  const data = draftFor(drafts.data, target);
  if (drafts.status === 'error') return { ...drafts, data };
  if (data && drafts.status === 'ready') return { ...drafts, data };
  return { status: 'loading', data, error: null, reload: drafts.reload };
}
