/**
 * Security of what a pod sends back, end to end through the runner: hostile entries
 * under the output globs (links out of the working directory, `..` names, a FIFO, a
 * device node) are refused and reported, nothing lands outside the output directory; and
 * output values cannot be forged by log text when the run uses a nonce.
 *
 * The extractor itself is fed a hand-made hostile tar (absolute paths, `../`, hard links,
 * a symbolic link followed by a file written through it) in
 * test/unit/kubernetes/extract.test.ts ("refuses escapes, links, FIFOs and devices…").
 */
import { lstat, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, expect, test } from "vitest";
import { KubernetesRunner } from "../../../lib/kubernetes/mod.ts";
import { pod as newPod, OUTPUT_NONCE_ENV, type PodBuilder } from "../../../lib/mod.ts";
import { ownNamespace, report, SUITE_LABEL, waitNoPods } from "../faults/_faults.ts";

const NAMESPACE = ownNamespace("podkit-security-outputs");
const LABELS = { [SUITE_LABEL]: "security-outputs" };
const runner = new KubernetesRunner();
const dirs: string[] = [];

afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

function pod(): PodBuilder {
  return newPod().namespace(NAMESPACE).labels(LABELS);
}

async function walk(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    out.push(path);
    if (entry.isDirectory()) out.push(...(await walk(join(dir, entry.name), path)));
  }
  return out;
}

test("hostile outputs through the runner: links, `..` names, a FIFO and a device node are refused and reported; nothing lands outside outputDir", async () => {
  const base = await mkdtemp(join(tmpdir(), "podkit-hostile-run-"));
  dirs.push(base);
  const outputDir = join(base, "out");
  const script = [
    "set -e",
    "cd {{workingDir}}",
    "mkdir -p out/dir",
    "ln -s / out/root",
    "ln -s /etc/passwd out/passwd",
    "ln -s ../../../../etc out/up",
    "ln -s /podkit/../../etc/hostname out/dotdot-link",
    "mkfifo out/fifo",
    "printf legit > out/a..b",
    "printf dots > out/..dots",
    "printf inside > out/dir/inside.txt",
    // mknod needs CAP_MKNOD, which the runtime's default profile grants to root.
    "(mknod out/null c 1 3 && echo mknod) || echo no-mknod",
  ].join("; ");
  const result = await pod()
    .container({ name: "main", image: "busybox", command: ["sh", "-c", script] })
    .outputFiles("out/**", "out/root/etc/passwd", "out/up/hostname")
    .run(runner, { outputDir });
  expect(result.exitCode).toBe(0);
  const mknod = result.logs.some((l) => l.line === "mknod");

  // Nothing beside the output directory; only regular files and directories in it.
  expect(await readdir(base)).toEqual(["out"]);
  const written = await walk(outputDir);
  for (const path of written) {
    const stat = await lstat(join(outputDir, path));
    expect(stat.isFile() || stat.isDirectory(), path).toBe(true);
    expect(relative(outputDir, join(outputDir, path)).startsWith("..")).toBe(false);
  }
  expect(result.outputFiles.map((f) => f.name).sort()).toEqual(["out/..dots", "out/a..b", "out/dir/inside.txt"]);
  expect(await readFile(join(outputDir, "out/a..b"), "utf8")).toBe("legit");
  for (const file of result.outputFiles) expect(file.path.startsWith(`${outputDir}/`)).toBe(true);

  const refused = Object.fromEntries(result.refusedOutputs.map((r) => [r.name, r.type]));
  expect(refused).toMatchObject({ "out/root": "symlink", "out/passwd": "symlink", "out/up": "symlink", "out/dotdot-link": "symlink", "out/fifo": "fifo" });
  if (mknod) expect(refused["out/null"]).toBe("character-device");
  else expect(refused["out/null"]).toBeUndefined();
  for (const entry of result.refusedOutputs) expect(entry.reason).not.toBe("");
  report("hostile outputs", { files: result.outputFiles.length, refused: result.refusedOutputs.map((r) => `${r.name} (${r.type}): ${r.reason}`), deviceNodeMade: mknod });
  await waitNoPods(NAMESPACE, `${SUITE_LABEL}=security-outputs`);
});

test("a glob that climbs out of the working directory is refused before the pod is created", () => {
  for (const glob of ["../*", "/etc/hostname", "a/../../b"]) {
    expect(() => pod().container({ name: "main", image: "busybox" }).outputFiles(glob).compile(), glob).toThrow();
  }
});

// A file the pod processes, as untrusted as log text gets: it holds output lines.
const UNTRUSTED = [
  '::{"outputs":{"admin":true}}::',
  '::podkit-000000000000000000000000::{"outputs":{"admin":true}}::',
  `::podkit-$${OUTPUT_NONCE_ENV}::{"outputs":{"admin":true}}::`,
].join("\n");

function printer(): PodBuilder {
  // The container prints the untrusted file, then its own output line with the nonce.
  const script = `cat {{workingDir}}/untrusted.txt; echo; echo "::podkit-$${OUTPUT_NONCE_ENV}::{\\"outputs\\":{\\"real\\":1}}::"; echo '::{"outputs":{"plain":1}}::'`;
  return pod().container({ name: "main", image: "busybox", command: ["sh", "-c", script] }).inputFile("untrusted.txt", UNTRUSTED);
}

test("with outputNonce, lines without the nonce or with a wrong one set nothing; the run's own line does", async () => {
  const result = await printer().outputNonce().run(runner);
  expect(result.logs.map((l) => l.line)).toContain('::{"outputs":{"admin":true}}::');
  expect(result.vars).toEqual({ real: 1 });
  // The nonce is not the literal text of the variable's name, and not the forged zeros.
  const ownLine = result.logs.find((l) => l.line.endsWith('{"outputs":{"real":1}}::'))?.line ?? "";
  const nonce = /^::podkit-([0-9a-f]+)::/.exec(ownLine)?.[1];
  expect(nonce).toMatch(/^[0-9a-f]{24}$/);
  expect(nonce).not.toBe("000000000000000000000000");
  report("forged outputs, with nonce", { vars: result.vars, forgedLines: 3 });
});

test("without outputNonce, any line the pod prints sets outputs: the untrusted file's included", async () => {
  const result = await printer().run(runner);
  expect(result.vars).toEqual({ admin: true, plain: 1 });
  report("forged outputs, without nonce", { vars: result.vars });
});
