/**
 * `deno doc --lint` of every entry point of deno.json, as JSR scores a package: fails when
 * there are more findings than those recorded in deno_doc_lint_known.txt, and shows which
 * ones are new and which are gone, so that their number only shrinks.
 *
 * The known findings are, at the time of writing, references from podkit's public types to
 * `@kubernetes/client-node`'s (`V1Pod`, `V1Container`, `KubeConfig`: re-exporting them
 * would pull in client-node's own undocumented declarations), types used by exported ones
 * but not exported themselves, and constructors without JSDoc. Each is recorded by rule,
 * file, message and the source line it points at. The gate is their number, since code
 * moves between files and symbols get renamed.
 *
 * `node test/runtimes/deno_doc_lint.ts [--write]` (`--write` records the current findings)
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";

const root = resolve(import.meta.dirname, "../..");
const knownFile = join(root, "test/runtimes/deno_doc_lint_known.txt");
const config = JSON.parse(readFileSync(join(root, "deno.json"), "utf8")) as { exports: Record<string, string> };
const entries = Object.values(config.exports);

let output: string;
try {
  output = execFileSync("deno", ["doc", "--lint", ...entries], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
} catch (error) {
  const e = error as { stdout?: string; stderr?: string; message: string };
  output = `${e.stdout ?? ""}${e.stderr ?? ""}`;
  if (!/documentation lint errors?/.test(output)) {
    console.error(`deno doc --lint failed: ${e.message}\n${output}`);
    process.exit(1);
  }
}

// error[rule]: message
//   --> /path/file.ts:12:3
const findings = new Set<string>();
const lines = output.split("\n");
for (let i = 0; i < lines.length; i++) {
  const head = /^error\[([a-z-]+)\]: (.*)$/.exec(lines[i] ?? "");
  const where = /-->\s+(.*?):\d+:\d+\s*$/.exec(lines[i + 1] ?? "");
  if (head === null || where === null) continue;
  // The source line it points at tells findings of one rule in one file apart.
  const code = lines.slice(i + 2, i + 6).map((l) => /^\s*\d+ \| (.*)$/.exec(l)?.[1]?.trim()).find((c) => c !== undefined) ?? "";
  findings.add(`${head[1]} ${relative(root, where[1]!)}: ${head[2]} (at: ${code})`);
}

if (process.argv.includes("--write")) {
  writeFileSync(knownFile, [...findings].sort().join("\n") + "\n");
  console.log(`deno doc --lint: recorded ${findings.size} findings in ${relative(root, knownFile)}`);
  process.exit(0);
}

const known = new Set(readFileSync(knownFile, "utf8").split("\n").filter((l) => l !== ""));
const unlisted = [...findings].filter((f) => !known.has(f)).sort();
const gone = [...known].filter((f) => !findings.has(f)).sort();
console.log(`deno doc --lint ${entries.join(" ")}: ${findings.size} findings, at most ${known.size} allowed (${relative(root, knownFile)})`);
// Code moves between files and symbols get renamed, so the gate is the number of findings;
// the list says which ones they were, and what changed is shown.
for (const f of gone) console.log(`  no longer found: ${f}`);
for (const f of unlisted) console.log(`  not in the list: ${f}`);
if (findings.size > known.size) {
  console.error(`deno doc --lint: ${findings.size - known.size} more findings than allowed; document or export what the unlisted ones name`);
  process.exit(1);
}
if (unlisted.length > 0 || gone.length > 0) console.log(`  (run \`node ${relative(root, import.meta.filename)} --write\` to record the current list)`);
