import { fileURLToPath } from 'node:url';
import { loadCatalog } from '../../src/catalog/load.js';

export const FIXTURE_ROOT = fileURLToPath(new URL('../fixtures/catalog/', import.meta.url));
export const fixtureCatalog = () => loadCatalog(FIXTURE_ROOT);
