/**
 * setupFile of the `postgres` vitest project: the databases the tests'
 * storage locations stand for (test/helpers/backend.ts), made before each
 * test and dropped after the test that used them. Three, for the tests that
 * start relays on more than one location (a config built for a reload, a
 * daemon started in several directories in turn).
 */
import { afterAll, afterEach, beforeEach } from 'vitest';
import { dropSpareDatabases, dropUsedDatabases, prepareDatabases } from './backend.ts';

const DATABASES_PER_TEST = 3;

beforeEach(() => prepareDatabases(DATABASES_PER_TEST));
afterEach(() => dropUsedDatabases());
afterAll(() => dropSpareDatabases());
