import { createRequire } from 'node:module';

/**
 * A loader that `require`s module `id` on its first call (synchronously; `require` of an ES module
 * works on Node >= 20.19) and returns the same exports afterwards. Keeps packages that only some
 * features need (YAML, globs, CSV parsing, faker) out of the cost of `import 'reeltape'`, which
 * every test file pays.
 *
 * @example
 * const yaml = lazyRequire<typeof import('yaml')>('yaml')
 * yaml().parseDocument(text)
 */
export function lazyRequire<T>(id: string): () => T {
  let exports: { value: T } | undefined;
  return () => {
    // the CommonJS build gets import.meta.url from tsup's shims
    exports ??= { value: createRequire(import.meta.url)(id) as T };
    return exports.value;
  };
}
