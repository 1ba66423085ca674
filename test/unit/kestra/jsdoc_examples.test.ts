import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { afterAll, expect, test } from "vitest";

// Every `@example` of lib/kestra and cli must type-check against the real API: each is
// written to its own module, `from "podkit"` pointing at lib/mod.ts and relative imports
// at the file's own directory, and compiled with the project's compiler options.

const root = resolve(import.meta.dirname, "../../..");
const sources = ["lib/kestra", "cli"].flatMap((d) =>
  readdirSync(join(root, d))
    .filter((f) => f.endsWith(".ts"))
    .map((f) => join(root, d, f)),
);

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
      .join("\n")
      .replaceAll('from "podkit"', `from ${JSON.stringify(join(root, "lib/mod.ts"))}`)
      .replace(/from "(\.\.?\/[^"]+)"/g, (_, path: string) => `from ${JSON.stringify(join(dirname(file), path))}`);
    found.push({ source: relative(root, file), line: text.slice(0, match.index).split("\n").length, code });
  }
  return found;
}

const examples = sources.flatMap(examplesOf);
const dir = mkdtempSync(join(tmpdir(), "podkit-jsdoc-kestra-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("lib/kestra and cli have JSDoc examples", () => {
  expect(examples.length).toBeGreaterThan(10);
});

test("every JSDoc @example of lib/kestra and cli type-checks", () => {
  const files = examples.map((example, i) => {
    const path = join(dir, `example_${i}.mts`);
    writeFileSync(path, `${example.code}\nexport {};\n`);
    return path;
  });
  const { config } = ts.readConfigFile(join(root, "tsconfig.json"), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, root);
  const program = ts.createProgram(files, {
    ...options,
    noEmit: true,
    noUnusedLocals: false,
    rewriteRelativeImportExtensions: false,
    types: ["node"],
    typeRoots: [join(root, "node_modules/@types")],
  });
  const problems = ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file !== undefined && d.file.fileName.startsWith(dir))
    .map((d) => {
      const example = examples[files.indexOf(d.file?.fileName ?? "")];
      return `${example?.source}:${example?.line}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
    });
  expect(problems).toEqual([]);
}, 120_000);
