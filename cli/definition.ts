import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { pod, type PodBuilder } from "../builders/pod.ts";
import type { InputValue } from "../lib/kestra/inputs.ts";
import { loadDefinition } from "../lib/kestra/load_definition.ts";
import { NoInputError, UsageError } from "./exit_codes.ts";
import type { CliIo } from "./program.ts";

// What `podkit run` and `podkit plan` run: a definition file (Kestra YAML, podkit's form, a
// Pod manifest) or, kubectl-style, an image and a command; the flags that shape either.

/** The flags `run` and `plan` share. */
export interface CommonFlags {
  readonly input: readonly string[];
  readonly output: readonly string[];
  readonly image?: string;
  readonly name?: string;
  readonly env: readonly string[];
  readonly stdin?: boolean;
  readonly task?: string;
  readonly namespace?: string;
  readonly delete: boolean;
  readonly runId?: string;
  readonly json?: boolean;
}

export function collect(value: string, previous: readonly string[]): string[] {
  return [...previous, value];
}

/**
 * `--input name=value` → `{ name: value }`; `name=@path` names a local file (`{ path }`),
 * `name=@@text` is the text `@text`. A repeated name is an error.
 */
export function parseInputs(flags: readonly string[]): Record<string, InputValue> {
  const inputs: Record<string, InputValue> = {};
  for (const flag of flags) {
    const at = flag.indexOf("=");
    if (at <= 0) throw new UsageError(`Cannot use --input "${flag}": expected NAME=VALUE, e.g. --input file=./data.txt`);
    const name = flag.slice(0, at);
    if (Object.hasOwn(inputs, name)) throw new UsageError(`Cannot use --input "${flag}": input "${name}" is given twice`);
    const value = flag.slice(at + 1);
    inputs[name] = value.startsWith("@@") ? value.slice(1) : value.startsWith("@") ? { path: value.slice(1) } : value;
  }
  return inputs;
}

/** The in-pod name of the file that holds what `-i` read from standard input. */
export const STDIN_FILE = ".stdin";

/** `--input NAME=PATH` → an input file NAME with the local file PATH (`@PATH` too). */
export function inputFiles(builder: PodBuilder, flags: CommonFlags, cwd: string): PodBuilder {
  const inputs = parseInputs(flags.input);
  for (const [name, value] of Object.entries(inputs)) {
    const path = typeof value === "object" && value !== null && "path" in value ? value.path : String(value);
    builder = builder.inputFile(name, { path: resolve(cwd, path) });
  }
  return builder;
}

/**
 * `podkit run --image IMAGE -- CMD ARGS…`: one container named `--name` (else `main`),
 * running CMD (it replaces the image's entrypoint, as `kubectl run --command`), with the
 * environment of `--env`, the working directory as its own when files move, and with `-i`
 * standard input read to its end, uploaded beside the inputs, and fed to CMD through `sh`.
 */
export function imagePod(image: string, command: readonly string[], flags: CommonFlags, io: CliIo, cwd: string): PodBuilder {
  const env = flags.env.map((entry) => {
    const at = entry.indexOf("=");
    if (at <= 0) throw new UsageError(`Cannot use --env "${entry}": expected NAME=VALUE, e.g. --env MODE=fast`);
    return { name: entry.slice(0, at), value: entry.slice(at + 1) };
  });
  if (flags.stdin === true && command.length === 0) {
    throw new UsageError("Cannot use -i without a command: podkit feeds standard input to the command after --, e.g. podkit run --image busybox -i -- wc -l");
  }
  const files = flags.input.length > 0 || flags.output.length > 0 || flags.stdin === true;
  const run = flags.stdin === true ? ["sh", "-c", 'exec "$@" < "$0"', `{{workingDir}}/${STDIN_FILE}`, ...command] : command;
  let builder = pod(flags.name).container({
    name: flags.name ?? "main",
    image,
    ...(run.length === 0 ? {} : { command: [...run] }),
    ...(env.length === 0 ? {} : { env }),
    ...(files ? { workingDir: "{{workingDir}}" } : {}),
  });
  builder = inputFiles(builder, flags, cwd);
  if (flags.stdin === true) builder = builder.inputFile(STDIN_FILE, (io.stdin ?? process.stdin) as NodeJS.ReadableStream as import("node:stream").Readable);
  return builder;
}

export function load(file: string | undefined, command: readonly string[], flags: CommonFlags, cwd: string, io: CliIo): PodBuilder {
  let builder: PodBuilder;
  if (flags.image !== undefined) {
    if (flags.task !== undefined) throw new UsageError("Cannot use --task with --image: --task picks a task of a Kestra flow");
    builder = imagePod(flags.image, [...(file === undefined ? [] : [file]), ...command], flags, io, cwd);
  } else {
    if (file === undefined) throw new UsageError("Give a FILE (Kestra YAML, a Pod manifest or a podkit pod document) or --image IMAGE, e.g. podkit run --image busybox -- echo hi");
    if (command.length > 0) throw new UsageError(`Cannot use "${command[0]}" after FILE: a command is given with --image only (podkit run --image IMAGE -- CMD ARGS…)`);
    for (const [flag, given] of [["--name", flags.name !== undefined], ["--env", flags.env.length > 0], ["-i/--stdin", flags.stdin === true]] as const) {
      if (given) throw new UsageError(`Cannot use ${flag} with FILE: it goes with --image (podkit run --image IMAGE ${flag === "--name" ? "--name N" : flag === "--env" ? "--env K=V" : "-i"} -- CMD ARGS…)`);
    }
    builder = loadFile(file, flags, cwd);
  }
  if (flags.output.length > 0) builder = builder.outputFiles(...flags.output);
  if (flags.namespace !== undefined) builder = builder.namespace(flags.namespace);
  if (!flags.delete) builder = builder.delete(false);
  if (flags.runId !== undefined) builder = builder.runId(flags.runId);
  return builder;
}

export function loadFile(file: string, flags: CommonFlags, cwd: string): PodBuilder {
  const inputs = parseInputs(flags.input);
  // "-" reads the definition from standard input; its relative paths are then the cwd's.
  const path = file === "-" ? join(cwd, "-") : resolve(cwd, file);
  let text: string;
  try {
    text = readFileSync(file === "-" ? 0 : path, "utf8");
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new NoInputError(`Cannot read "${file}": ${code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : (error as Error).message}`);
  }
  const { format, builder } = loadDefinition(text, {
    inputs,
    baseDir: cwd,
    documentDir: dirname(path),
    ...(flags.task === undefined ? {} : { taskId: flags.task }),
  });
  // A manifest has no templates: --input NAME=PATH uploads a file, as with --image.
  return format === "manifest" ? inputFiles(builder, flags, cwd) : builder;
}
