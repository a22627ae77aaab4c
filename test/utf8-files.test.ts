// Every file strata reads is UTF-8 (src/util/utf8.ts). A file saved in another encoding (Latin-1: "café" as
// 63 61 66 E9) is refused at the line and column of its first byte that is not UTF-8. Decoding it leniently would
// put U+FFFD in the value, and the author's text would be lost without a word.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadLayerSet } from "../src/index.js";
import { fileText, FileReadError } from "../src/core/dir-walk.js";
import { loadProject, readSchemaFile } from "../src/core/project.js";
import { loadScenarios } from "../src/review/scenarios.js";
import { decodeUtf8 } from "../src/util/utf8.js";
import { SCHEMAS_DIR } from "./helpers/paths.js";
import { layerCopy, removeLayerDirTemps } from "./hostile/layer-dir.js";

afterEach(removeLayerDirTemps);

const latin1 = (text: string) => Buffer.from(text, "latin1");
const NOT_UTF8 = (line: number, column: number, byte: number) =>
  `not UTF-8: byte 0xE9 at line ${line}, column ${column} (byte ${byte}) starts no UTF-8 character; save the file as UTF-8`;

describe("decodeUtf8 and fileText", () => {
  it("UTF-8 comes back as its text; anything else is where it stops, counted in characters", () => {
    expect(decodeUtf8(Buffer.from("a: é\n"))).toEqual({ ok: true, text: "a: é\n" });
    expect(decodeUtf8(Buffer.concat([Buffer.from("é\n€€ "), latin1("é")]))).toEqual({
      ok: false,
      problem: { byte: 0xe9, offset: 10, line: 2, column: 4, message: "byte 0xE9 at line 2, column 4 (byte 11) starts no UTF-8 character" },
    });
    expect(fileText(Buffer.from("x"))).toBe("x");
    const e = (() => {
      try {
        fileText(latin1("\n\ncafé"));
      } catch (err) {
        return err;
      }
    })() as FileReadError;
    expect(e).toBeInstanceOf(FileReadError);
    expect([e.code, e.message, e.at]).toEqual(["file-not-utf8", NOT_UTF8(3, 4, 6), { line: 3, column: 4 }]);
  });
});

describe("a file that is not UTF-8", () => {
  it("a layer file: one file-not-utf8 error at its line and column, the other files read", () => {
    const { layers } = layerCopy();
    writeFileSync(join(layers, "base", "latin.yaml"), latin1("name: latin\nstage: base\ndata:\n  description: café\n"));
    const set = loadLayerSet(layers, { schemasDir: SCHEMAS_DIR });
    expect(set.issues.filter((i) => i.severity === "error")).toEqual([
      { code: "file-not-utf8", severity: "error", message: NOT_UTF8(4, 19, 49), file: "base/latin.yaml", line: 4, column: 19 },
    ]);
    expect(set.files).toContain("base/latin.yaml");
    expect(set.stages.flatMap((s) => s.layers.map((l) => l.name))).toContain("base-model");
  });

  it("a scenario file: the same error, named by the scenario folder", () => {
    const { root } = layerCopy();
    const dir = join(root, "scenarios");
    mkdirSync(dir);
    writeFileSync(join(dir, "s.yaml"), latin1("name: café\n"));
    expect(loadScenarios(dir).issues).toEqual([{ code: "file-not-utf8", severity: "error", message: NOT_UTF8(1, 10, 10), file: `${dir}/s.yaml`, line: 1, column: 10 }]);
  });

  it("the project file: file-not-utf8 naming it, at the line and column", () => {
    const { root } = layerCopy();
    writeFileSync(join(root, "strata.yaml"), latin1("# Projet: modèle\nlayers: layers\n"));
    const project = loadProject(root);
    expect(project.issues).toEqual([
      { code: "file-not-utf8", severity: "error", message: `the project file ${join(root, "strata.yaml")}: ${NOT_UTF8(1, 14, 14).replace("0xE9", "0xE8")}`, file: join(root, "strata.yaml"), line: 1, column: 14 },
    ]);
  });

  it("a schema file: schema-unreadable naming it, at the line and column", () => {
    const { root } = layerCopy();
    const file = join(root, "s.json");
    writeFileSync(file, latin1('{\n  "description": "café"\n}\n'));
    expect(readSchemaFile(file, "schemas/s.json")).toEqual({
      issues: [{ code: "schema-unreadable", severity: "error", message: `cannot read the schema schemas/s.json: ${NOT_UTF8(2, 22, 24)}`, file: "schemas/s.json", line: 2, column: 22 }],
    });
  });
});
