import { describe, expect, it } from 'vitest';
import { jsonStore } from '../../src/store/index.js';
import { storeContract } from './contract.js';

storeContract('json', () => jsonStore());

describe('jsonStore', () => {
  it('is one shared store writing .json', () => {
    expect(jsonStore()).toBe(jsonStore());
    expect(jsonStore().extension).toBe('.json');
  });
});
