// Where the tests find the repository, the shipped layers, fixture layer folders and case files.
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const LAYERS_DIR = join(REPO_ROOT, "layers");
export const SCHEMAS_DIR = join(REPO_ROOT, "schemas");
export const FIXTURES_DIR = join(REPO_ROOT, "test", "fixtures");
export const CASES_DIR = join(REPO_ROOT, "test", "cases");
export const CLI = join(REPO_ROOT, "dist", "cli.js");

export const fixtureDir = (name: string): string => join(FIXTURES_DIR, name);
