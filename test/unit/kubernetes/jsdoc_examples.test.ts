import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import ts from "typescript";
import { afterAll, expect, test } from "vitest";

// Every `@example` of the Kubernetes runner's JSDoc must type-check against the real API:
// each is written to its own module, with `from "podkit"` and `from "podkit/kubernetes"`
// pointing at the entry points, and compiled with the project's compiler options.

const root = resolve(import.meta.dirname, "../../..");
const dir = join(root, "lib/kubernetes");
const sources = readdirSync(dir)
  .filter((f) => f.endsWith(".ts") && !f.startsWith("_"))
  .map((f) => join(dir, f));

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
    found.push({ source: relative(root, file), line: text.slice(0, match.index).split("\n").length, code });
  }
  return found;
}

const examples = sources.flatMap(examplesOf);
// Inside node_modules, so that bare imports (`@kubernetes/client-node`) resolve.
mkdirSync(join(root, "node_modules/.cache"), { recursive: true });
const out = mkdtempSync(join(root, "node_modules/.cache/podkit-jsdoc-kubernetes-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

test("the Kubernetes runner's JSDoc has examples", () => {
  expect(examples.length).toBeGreaterThan(30);
});

test("every JSDoc @example of podkit/kubernetes type-checks", () => {
  const files = examples.map((example, i) => {
    const path = join(out, `example_${i}.mts`);
    const code = example.code
      .replaceAll('from "podkit/kubernetes"', `from ${JSON.stringify(join(root, "lib/kubernetes/mod.ts"))}`)
      .replaceAll('from "podkit"', `from ${JSON.stringify(join(root, "lib/mod.ts"))}`);
    writeFileSync(path, `${code}\nexport {};\n`);
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
    .filter((d) => d.file !== undefined && d.file.fileName.startsWith(out))
    .map((d) => {
      const example = examples[files.indexOf(d.file?.fileName ?? "")];
      return `${example?.source}:${example?.line}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
    });
  expect(problems).toEqual([]);
}, 120_000);
