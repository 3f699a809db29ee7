import { describe, expect, it } from 'vitest';
import {
  createInput,
  keyModels,
  keyRate,
  parseRateLimit,
} from '../../../renderer/views/Deploy/keys-model';

describe('the API keys form', () => {
  it('reads an empty rate limit as unlimited and a positive whole number as requests per minute', () => {
    expect(parseRateLimit('  ')).toEqual({});
    expect(parseRateLimit(' 60 ')).toEqual({ rateLimit: 60 });
  });

  it('refuses a rate limit that is not a whole number above 0, naming the value', () => {
    for (const bad of ['0', '-5', '1.5', 'abc', '1e3', '99999999999999999999'])
      expect(parseRateLimit(bad)).toEqual({
        error: `"${bad}": requests per minute must be a whole number above 0`,
      });
  });

  it('sends models and a rate limit only when given', () => {
    expect(createInput(' app ', [], '')).toEqual({ name: 'app' });
    expect(createInput('app', ['species', 'churn'], '30')).toEqual({
      name: 'app',
      models: ['species', 'churn'],
      rateLimit: 30,
    });
    expect(createInput('app', [], 'x')).toHaveProperty('error');
  });

  it('describes a key without a model list or a limit in words', () => {
    expect(keyModels({ models: null })).toBe('all models');
    expect(keyModels({ models: ['a', 'b'] })).toBe('a, b');
    expect(keyRate({ rateLimit: null })).toBe('unlimited');
    expect(keyRate({ rateLimit: 30 })).toBe('30 req/min');
  });
});
