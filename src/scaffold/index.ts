export { scaffold, DEFAULT_TESTS_DIR, type ScaffoldOptions } from './scaffold.js';
export { main as scaffoldTestsMain, SCAFFOLD_USAGE } from './cli.js';
export { loadDefinitions, DEFINITIONS_FILE_NAMES, DEFAULT_OUTPUT_DIR, TEST_NAME_PATTERN } from './load-definitions.js';
export type { LoadDefinitionsOptions, LoadedDefinitions, ConfigLocation } from './load-definitions.js';
export { fileSystemFrom, nodeFileSystem, type ScaffoldFs, type FsPromisesLike } from './file-system.js';
export { generatedFileState } from './generated-header.js';
export {
  SECRETS_FILE_NAME,
  PLACEHOLDER_PATTERN,
  secretEnvName,
  placeholderFor,
  parsePlaceholder,
  dummySecret,
  type SecretsFileContent,
} from './placeholders.js';
export {
  loadFunctionalConfig,
  resolveSecrets,
  readSecretsFile,
  findSecretsFile,
  prepareOutputDir,
  type ResolveSecretsOptions,
  type LoadFunctionalConfigOptions,
} from './runtime.js';
export type * from './types.js';
