import type { Locator } from 'playwright-core';
import { AppPage } from './app-page';

/** The Pipelines view: `#/pipelines[/<name>]` (list, add, graph, runs, YAML). */
export class PipelinesPage extends AppPage {
  async openPipelines(url: string, name?: string): Promise<void> {
    await this.page.goto(`${url}#/pipelines${name ? `/${encodeURIComponent(name)}` : ''}`);
    await this.byTestId('pipelines-view').waitFor();
  }

  /** Adds a pipeline file by its path; the view opens it. */
  async add(file: string): Promise<void> {
    await this.byTestId('pipeline-add-file').fill(file);
    await this.byTestId('pipeline-add-submit').click();
  }

  node(step: string): Locator {
    return this.byTestId(`pipeline-node-${step}`);
  }

  /**
   * Each drawn edge that passes behind a step it neither starts nor ends at, as `from->to passes id`:
   * the edge's path sampled every few pixels against the cards' boxes on screen.
   */
  async edgesBehindNodes(): Promise<string[]> {
    return this.page.evaluate(() => {
      const cards = [...document.querySelectorAll<HTMLElement>('.pl-node[data-testid]')].map(
        (el) => ({
          id: el.dataset.testid!.slice('pipeline-node-'.length),
          box: el.getBoundingClientRect(),
        }),
      );
      const hits: string[] = [];
      for (const path of document.querySelectorAll<SVGPathElement>('path.pl-edge')) {
        const { from, to } = path.dataset;
        const origin = path.ownerSVGElement!.getBoundingClientRect();
        const length = path.getTotalLength();
        for (const { id, box } of cards) {
          if (id === from || id === to) continue;
          for (let at = 0; at <= length; at += 3) {
            const p = path.getPointAtLength(at);
            const [x, y] = [origin.left + p.x, origin.top + p.y];
            if (x > box.left + 2 && x < box.right - 2 && y > box.top + 2 && y < box.bottom - 2) {
              hits.push(`${from}->${to} passes ${id}`);
              break;
            }
          }
        }
      }
      return hits;
    });
  }

  /** Each step's status on the graph, by id. */
  async statuses(): Promise<Record<string, string>> {
    return this.page.evaluate(() =>
      Object.fromEntries(
        [...document.querySelectorAll<HTMLElement>('[data-testid^="pipeline-node-"][data-status]')]
          .filter((el) => el.classList.contains('pl-node'))
          .map((el) => [el.dataset.testid!.slice('pipeline-node-'.length), el.dataset.status!]),
      ),
    );
  }

  /**
   * Records every status each node shows from now on (a MutationObserver in the page), so a test can
   * tell that a step was drawn running before it was drawn succeeded, however fast it went.
   */
  async recordStatuses(): Promise<void> {
    await this.page.evaluate(() => {
      const seen: Record<string, string[]> = {};
      const note = (el: HTMLElement) => {
        if (!el.classList.contains('pl-node')) return;
        const id = el.dataset.testid!.slice('pipeline-node-'.length);
        const list = (seen[id] ??= []);
        if (list[list.length - 1] !== el.dataset.status) list.push(el.dataset.status!);
      };
      document.querySelectorAll<HTMLElement>('.pl-node').forEach(note);
      new MutationObserver((records) => {
        for (const r of records) if (r.target instanceof HTMLElement) note(r.target);
      }).observe(document.body, {
        subtree: true,
        attributes: true,
        attributeFilter: ['data-status'],
      });
      (window as unknown as { plSeen: typeof seen }).plSeen = seen;
    });
  }

  /** The statuses each node showed since recordStatuses, in order. */
  recorded(): Promise<Record<string, string[]>> {
    return this.page.evaluate(
      () => (window as unknown as { plSeen: Record<string, string[]> }).plSeen,
    );
  }

  /** A step's status on the graph, or the text of an error banner when the view shows one. */
  async statusOrError(step: string): Promise<string | null> {
    const banner = this.errorBanner();
    if ((await banner.count()) > 0) return `error: ${await banner.first().textContent()}`;
    return this.node(step).getAttribute('data-status');
  }

  /** The status badge over the graph: the shown run's. */
  shownStatus(): Promise<string | null> {
    return this.byTestId('pipeline-shown-status').getAttribute('data-status');
  }

  runRows(): Locator {
    return this.byTestId('pipeline-runs').locator('tbody tr');
  }

  async rerunFrom(step: string): Promise<void> {
    await this.byTestId(`pipeline-node-select-${step}`).click();
    await this.byTestId('pipeline-rerun-from').click();
  }

  yaml(): Locator {
    return this.byTestId('pipeline-yaml');
  }
}
