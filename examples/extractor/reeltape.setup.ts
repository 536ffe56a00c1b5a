import { fileURLToPath } from 'node:url';
import { configure } from 'reeltape';

// Cassettes of this example live next to it, whatever directory Vitest was started from.
configure({ dir: fileURLToPath(new URL('./cassettes', import.meta.url)) });
