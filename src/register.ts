/**
 * `reeltape/register`: installs reeltape's interception for the life of the process as soon as it
 * is imported, before the modules that build HTTP clients at module scope (SDK clients keep the
 * `fetch` or `http.request` they find when built). Import it first, or preload it:
 * `node --import reeltape/register app.js`, `node -r reeltape/register app.cjs`. The Vitest plugin
 * and the Jest setup install interception themselves. Requests outside any cassette pass through.
 *
 * @example
 * import 'reeltape/register';
 * import OpenAI from 'openai';
 * const client = new OpenAI(); // sees reeltape's fetch
 */
import { installInterception } from './interception/index.js';

installInterception();
