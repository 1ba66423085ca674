import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import ts from "typescript";
import { afterAll, expect, test } from "vitest";

// Every `@example` of the core's JSDoc must type-check against the real API: each is
// written to its own module, with `from "podkit"` pointing at lib/mod.ts, and compiled
// with the project's compiler options.

const root = resolve(import.meta.dirname, "../../..");
const sources = [
  ...readdirSync(join(root, "lib")).filter((f) => f.endsWith(".ts")).map((f) => join(root, "lib", f)),
  ...readdirSync(join(root, "builders")).filter((f) => f.endsWith(".ts")).map((f) => join(root, "builders", f)),
];

interface Example {
  readonly source: string;
  readonly line: number;
  readonly code: string;
}

function examplesOf(file: string): Example[] {
  const text = readFileSync(file, "utf8");
  const found: Example[] = [];
  const block = /@example\s*\n((?:\s*\*.*\n)*?)\s*\*\s*```ts\n((?:\s*\*.*\n)*?)\s*\*\s*```/g;
  for (const match of text.matchAll(block)) {
    const code = (match[2] ?? "")
      .split("\n")
      .map((l) => l.replace(/^\s*\* ?/, ""))
      .join("\n");
    const line = text.slice(0, match.index).split("\n").length;
    found.push({ source: relative(root, file), line, code });
  }
  return found;
}

const examples = sources.flatMap(examplesOf);
const dir = mkdtempSync(join(tmpdir(), "podkit-jsdoc-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("the core's JSDoc has examples", () => {
  expect(examples.length).toBeGreaterThan(40);
});

test("every JSDoc @example type-checks", () => {
  const files = examples.map((example, i) => {
    const path = join(dir, `example_${i}.mts`);
    const code = example.code.replaceAll('from "podkit"', `from ${JSON.stringify(join(root, "lib/mod.ts"))}`);
    writeFileSync(path, `${code}\nexport {};\n`);
    return path;
  });
  const { config } = ts.readConfigFile(join(root, "tsconfig.json"), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, root);
  const program = ts.createProgram(files, { ...options, noEmit: true, noUnusedLocals: false, rewriteRelativeImportExtensions: false, types: ["node"], typeRoots: [join(root, "node_modules/@types")] });
  const problems = ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file !== undefined && d.file.fileName.startsWith(dir))
    .map((d) => {
      const index = files.indexOf(d.file?.fileName ?? "");
      const example = examples[index];
      return `${example?.source}:${example?.line}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
    });
  expect(problems).toEqual([]);
}, 120_000);
