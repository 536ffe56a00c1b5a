/** reeltape/jest — placeholder until issue 6 lands. */
export {};
