import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { afterAll, expect, test } from "vitest";

// Every `@example` in the JSDoc of the library and the command line must type-check
// against the real API: each is written to its own module — `from "podkit"`,
// `from "podkit/kubernetes"` and `from "podkit/kestra"` pointing at the entry points,
// relative imports at the example's own directory — and all are compiled at once with the
// project's options.

const root = resolve(import.meta.dirname, "../..");
const ENTRY_POINTS: Readonly<Record<string, string>> = {
  podkit: join(root, "lib/mod.ts"),
  "podkit/kubernetes": join(root, "lib/kubernetes/mod.ts"),
  "podkit/kestra": join(root, "lib/kestra/mod.ts"),
  "podkit/testing": join(root, "lib/testing/mod.ts"),
};

interface Example {
  readonly source: string;
  readonly line: number;
  readonly code: string;
}

function sourcesIn(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts"))
    .map((f) => join(root, dir, f));
}

function examplesOf(file: string): Example[] {
  const text = readFileSync(file, "utf8");
  const block = /@example\s*\n((?:\s*\*.*\n)*?)\s*\*\s*```ts\n((?:\s*\*.*\n)*?)\s*\*\s*```/g;
  return [...text.matchAll(block)].map((match) => ({
    source: relative(root, file),
    line: text.slice(0, match.index).split("\n").length,
    code: (match[2] ?? "")
      .split("\n")
      .map((l) => l.replace(/^\s*\* ?/, ""))
      .join("\n")
      .replace(/from "(podkit(?:\/kubernetes|\/kestra|\/testing)?)"/g, (_, entry: string) => `from ${JSON.stringify(ENTRY_POINTS[entry])}`)
      .replace(/from "(\.\.?\/[^"]+)"/g, (_, path: string) => `from ${JSON.stringify(join(dirname(file), path))}`),
  }));
}

const areas = {
  core: [...sourcesIn("lib/compile"), ...sourcesIn("lib/plan"), ...sourcesIn("lib/run"), ...sourcesIn("builders"), join(root, "lib/mod.ts")],
  kubernetes: sourcesIn("lib/kubernetes"),
  kestra: sourcesIn("lib/kestra"),
  testing: sourcesIn("lib/testing"),
  cli: sourcesIn("cli"),
} as const;
const examplesByArea = Object.fromEntries(Object.entries(areas).map(([area, files]) => [area, files.flatMap(examplesOf)]));
const examples = Object.values(examplesByArea).flat();

// Inside node_modules, so that bare imports (`@kubernetes/client-node`) resolve.
mkdirSync(join(root, "node_modules/.cache"), { recursive: true });
const out = mkdtempSync(join(root, "node_modules/.cache/podkit-jsdoc-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

test.each([
  ["core", 40],
  ["kubernetes", 30],
  ["kestra", 5],
  ["cli", 3],
] as const)("the JSDoc of %s has examples", (area, atLeast) => {
  expect(examplesByArea[area]?.length).toBeGreaterThan(atLeast);
});

test("every JSDoc @example of podkit, podkit/kubernetes, podkit/kestra and the command line type-checks", () => {
  const files = examples.map((example, i) => {
    const path = join(out, `example_${i}.mts`);
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
    .filter((d) => d.file !== undefined && d.file.fileName.startsWith(out))
    .map((d) => {
      const example = examples[files.indexOf(d.file?.fileName ?? "")];
      return `${example?.source}:${example?.line}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
    });
  expect(problems).toEqual([]);
}, 180_000);
