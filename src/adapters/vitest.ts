/** reeltape/vitest — placeholder until issue 6 lands. */
export {};
