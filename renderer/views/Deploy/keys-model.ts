import type { ApiKeyInfo, KeysCreateIn } from '../../../shared/contract';

/** The rate limit box: empty is unlimited, else a positive whole number of requests per minute. */
export function parseRateLimit(text: string): { rateLimit?: number } | { error: string } {
  const t = text.trim();
  if (!t) return {};
  const n = Number(t);
  if (!/^\d+$/.test(t) || !Number.isSafeInteger(n) || n <= 0)
    return { error: `${JSON.stringify(t)}: requests per minute must be a whole number above 0` };
  return { rateLimit: n };
}

/** What `keys:create` gets from the form: no models chosen means every model. */
export function createInput(
  name: string,
  models: readonly string[],
  rate: string,
): KeysCreateIn | { error: string } {
  const parsed = parseRateLimit(rate);
  if ('error' in parsed) return parsed;
  return {
    name: name.trim(),
    ...(models.length ? { models: [...models] } : {}),
    ...parsed,
  };
}

/** The models column: "all models" for a key without a list. */
export function keyModels(key: Pick<ApiKeyInfo, 'models'>): string {
  return key.models === null ? 'all models' : key.models.join(', ');
}

/** The rate limit column. */
export function keyRate(key: Pick<ApiKeyInfo, 'rateLimit'>): string {
  return key.rateLimit === null ? 'unlimited' : `${key.rateLimit} req/min`;
}
