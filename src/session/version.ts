import packageJson from '../../package.json' with { type: 'json' };

/** The reeltape version written into `meta.reeltape`. */
export const REELTAPE_VERSION: string = packageJson.version;
