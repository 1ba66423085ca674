import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { resolve } from "node:path";
import { Command, CommanderError } from "commander";
import { stringify } from "yaml";
import type { ConnectionOptions } from "../lib/compile/description.ts";
import { parseDuration } from "../lib/compile/duration.ts";
import { findStep } from "../lib/plan/plan.ts";
import { PodRunError, PodValidationError } from "../lib/run/errors.ts";
import { PodDefinitionError } from "../lib/kestra/definition_error.ts";
import type { CompiledPod, RunResult } from "../lib/run/result.ts";
import type { Runner } from "../lib/run/runner.ts";
import { EXIT_CODES, exitCodeFor, isUnreachable, NoInputError, UsageError } from "./exit_codes.ts";
import { collectGarbage, type GcClient, type GcEntry } from "./gc.ts";
import { collect, load, type CommonFlags } from "./definition.ts";
import { chooseKubeconfig } from "./kubeconfig.ts";
import { Reporter, type OutputStream } from "./reporter.ts";

/** Everything the command line touches outside itself, so tests can stand in for it. */
export interface CliIo {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  /** @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** @default process.cwd() */
  readonly cwd?: string;
  /** @default os.homedir() */
  readonly homedir?: string;
  /** Aborts a run (Ctrl-C): the pod is deleted, with its grace period when it has one. */
  readonly signal?: AbortSignal;
  /** Cuts a graceful abort short (a second Ctrl-C): the pod is deleted at once. */
  readonly forceSignal?: AbortSignal;
  /** The runner of `podkit run`. @default a `KubernetesRunner` */
  readonly createRunner?: () => Runner | Promise<Runner>;
  /** @default fs.existsSync */
  readonly exists?: (path: string) => boolean;
  /** What `podkit run --image … -i` feeds the command. @default process.stdin */
  readonly stdin?: NodeJS.ReadableStream;
  /**
   * The cluster `podkit gc` cleans, and the namespace of the kubeconfig's context.
   * @default a `KubernetesClient` of the connection's kubeconfig
   */
  readonly createGcClient?: (connection: ConnectionOptions) => Promise<{ readonly client: GcClient; readonly namespace: string }>;
}

interface GcFlags {
  readonly namespace?: string;
  readonly allNamespaces?: boolean;
  readonly olderThan: string;
  readonly dryRun?: boolean;
  readonly context?: string;
  readonly kubeconfig?: string;
  readonly json?: boolean;
}

interface RunFlags extends CommonFlags {
  readonly outputDir?: string;
  readonly context?: string;
  readonly kubeconfig?: string;
  readonly dryRun?: boolean;
}

/** The manifest as YAML, then the plan as YAML comments: the whole is valid YAML. */
function planText(compiled: CompiledPod): string {
  const comments = compiled
    .describe()
    .split("\n")
    .map((line) => (line === "" ? "#" : `# ${line}`))
    .join("\n");
  return `${stringify(compiled.manifest)}${comments}\n`;
}

/**
 * The manifest and the plan, nothing else of the compiled pod: the connection (tokens,
 * passwords, keys) and the input files' contents travel beside the plan and are not printed.
 */
function printPlan(compiled: CompiledPod, flags: CommonFlags, io: CliIo): number {
  if (flags.json === true) {
    io.stdout.write(`${JSON.stringify({ manifest: compiled.manifest, plan: compiled.plan, description: compiled.describe() }, null, 2)}\n`);
  } else {
    io.stdout.write(planText(compiled));
  }
  return EXIT_CODES.ok;
}

async function createRunner(io: CliIo): Promise<Runner> {
  if (io.createRunner !== undefined) return io.createRunner();
  const { KubernetesRunner } = await import("../lib/kubernetes/mod.ts");
  return new KubernetesRunner() as unknown as Runner;
}

function resultJson(result: RunResult | undefined, error?: PodRunError): string {
  const failure = error === undefined
    ? undefined
    : {
        name: error.name,
        reason: error.reason,
        step: error.step,
        shortMessage: error.shortMessage,
        message: error.message,
        runId: error.runId,
        podName: error.podName,
        namespace: error.namespace,
        phase: error.phase,
        exitCode: error.exitCode,
        events: error.events,
        logTail: error.logTail,
      };
  return `${JSON.stringify({ ok: error === undefined && result !== undefined && !result.failed && result.exitCode === 0, result, error: failure }, null, 2)}\n`;
}

/** Builder methods reject bad values with a TypeError or RangeError: a definition error. */
function asUsage<T>(make: () => T): T {
  try {
    return make();
  } catch (error) {
    if (error instanceof TypeError || error instanceof RangeError) throw new UsageError(error.message, { cause: error });
    throw error;
  }
}

async function run(file: string | undefined, command: readonly string[], flags: RunFlags, io: CliIo): Promise<number> {
  const env = io.env ?? process.env;
  const cwd = io.cwd ?? process.cwd();
  let builder = asUsage(() => load(file, command, flags, cwd, io));
  const reporter = new Reporter({ stdout: io.stdout, stderr: io.stderr, env, json: flags.json === true });
  if (flags.dryRun !== true) {
    const connection = builder.description.connection;
    const explicit = connection?.masterUrl !== undefined || connection?.kubeconfigPath !== undefined;
    const choice = explicit && flags.kubeconfig === undefined
      ? {}
      : chooseKubeconfig({
          ...(flags.kubeconfig === undefined ? {} : { flag: resolve(cwd, flags.kubeconfig) }),
          env,
          homedir: io.homedir ?? homedir(),
          ...(io.exists === undefined ? {} : { exists: io.exists }),
        });
    if (choice.path !== undefined || flags.context !== undefined) {
      builder = builder.connection({
        ...connection,
        ...(choice.path === undefined ? {} : { kubeconfigPath: choice.path }),
        ...(flags.context === undefined ? {} : { context: flags.context }),
      });
    }
    if (choice.note !== undefined) reporter.note(choice.note);
  }
  const compiled = asUsage(() => builder.compile());
  if (flags.dryRun === true) return printPlan(compiled, flags, io);

  const containers = [...compiled.plan.pod.initContainers, ...compiled.plan.pod.containers];
  const live = new Reporter({ stdout: io.stdout, stderr: io.stderr, env, json: flags.json === true, containers, batch: true });
  const runner = await createRunner(io);
  const graceSeconds = findStep(compiled.plan, "delete")?.abortGraceSeconds ?? 0;
  const onAbort = (): void => live.aborting(signalName(io.signal), graceSeconds);
  const onForce = (): void => live.forcing(graceSeconds);
  if (io.signal?.aborted === true) onAbort();
  else io.signal?.addEventListener("abort", onAbort, { once: true });
  io.forceSignal?.addEventListener("abort", onForce, { once: true });
  try {
    const result = await runner.run(compiled, {
      ...(io.signal === undefined ? {} : { signal: io.signal }),
      ...(io.forceSignal === undefined ? {} : { forceSignal: io.forceSignal }),
      ...(flags.outputDir === undefined ? {} : { outputDir: resolve(cwd, flags.outputDir) }),
      onEvent: (event) => live.event(event),
      // Lines are printed as they arrive; keeping them too would grow with the log.
      keepLogs: "none",
    });
    live.summary(result);
    if (flags.json === true) io.stdout.write(resultJson(result));
    return Math.min(result.exitCode, 255);
  } catch (error) {
    if (!(error instanceof PodRunError)) throw error;
    live.failure(error);
    if (flags.json === true) io.stdout.write(resultJson(error.result, error));
    return exitCodeFor(error, signalName(io.signal));
  } finally {
    live.flush();
    io.signal?.removeEventListener("abort", onAbort);
    io.forceSignal?.removeEventListener("abort", onForce);
  }
}

async function createGcClient(connection: ConnectionOptions): Promise<{ client: GcClient; namespace: string }> {
  const [{ readKubeconfig }, { KubernetesClient }] = await Promise.all([import("../lib/kubernetes/connection.ts"), import("../lib/kubernetes/client.ts")]);
  const kubeConfig = await readKubeconfig(connection);
  return { client: new KubernetesClient(kubeConfig), namespace: kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace ?? "default" };
}

const GC_ACTIONS: Readonly<Record<GcEntry["action"], string>> = { deleted: "deleted", wouldDelete: "would delete", gone: "already gone", kept: "kept" };

async function gc(flags: GcFlags, io: CliIo): Promise<number> {
  if (flags.allNamespaces === true && flags.namespace !== undefined) throw new UsageError("Cannot use --namespace with --all-namespaces: choose one");
  let olderThanMs: number;
  try {
    olderThanMs = parseDuration(flags.olderThan);
  } catch (error) {
    throw new UsageError(`Cannot use --older-than "${flags.olderThan}": ${(error as Error).message}`, { cause: error });
  }
  const env = io.env ?? process.env;
  const cwd = io.cwd ?? process.cwd();
  const reporter = new Reporter({ stdout: io.stdout, stderr: io.stderr, env });
  const choice = chooseKubeconfig({
    ...(flags.kubeconfig === undefined ? {} : { flag: resolve(cwd, flags.kubeconfig) }),
    env,
    homedir: io.homedir ?? homedir(),
    ...(io.exists === undefined ? {} : { exists: io.exists }),
  });
  if (choice.note !== undefined) reporter.note(choice.note);
  const connection: ConnectionOptions = {
    ...(choice.path === undefined ? {} : { kubeconfigPath: choice.path }),
    ...(flags.context === undefined ? {} : { context: flags.context }),
  };
  let cluster: { client: GcClient; namespace: string };
  try {
    cluster = await (io.createGcClient ?? createGcClient)(connection);
  } catch (error) {
    // loadKubeConfig refuses an unknown context or connection option with a TypeError.
    if (error instanceof TypeError) throw new UsageError(error.message, { cause: error });
    throw error;
  }
  const { client, namespace } = cluster;
  const entries = await collectGarbage(
    client,
    {
      namespace: flags.namespace ?? namespace,
      allNamespaces: flags.allNamespaces === true,
      olderThanMs,
      dryRun: flags.dryRun === true,
      ...(io.signal === undefined ? {} : { signal: io.signal }),
    },
    (entry) => {
      if (flags.json === true || entry.action === "kept") return;
      io.stdout.write(`${GC_ACTIONS[entry.action].padEnd(12)} ${entry.namespace}/${entry.name}: ${entry.why}\n`);
    },
  );
  if (flags.json === true) {
    io.stdout.write(`${JSON.stringify({ ok: true, dryRun: flags.dryRun === true, pods: entries }, null, 2)}\n`);
    return EXIT_CODES.ok;
  }
  const count = (action: GcEntry["action"]): number => entries.filter((e) => e.action === action).length;
  const where = flags.allNamespaces === true ? "in every namespace" : `in namespace "${flags.namespace ?? namespace}"`;
  const done = flags.dryRun === true ? `${count("wouldDelete")} to delete (dry run)` : `${count("deleted")} deleted${count("gone") > 0 ? `, ${count("gone")} already gone` : ""}`;
  reporter.note(`${entries.length} podkit pod${entries.length === 1 ? "" : "s"} ${where}: ${done}, ${count("kept")} kept (running within their deadline, or finished less than ${flags.olderThan} ago)`);
  return EXIT_CODES.ok;
}

/** `fetch failed: connect ECONNREFUSED 127.0.0.1:6443`: each cause's message, outermost first. */
function causeChain(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current instanceof Error; depth++) {
    if (!parts.includes(current.message)) parts.push(current.message);
    current = current.cause;
  }
  return parts.join(": ") || String(error);
}

function signalName(signal: AbortSignal | undefined): string | undefined {
  const reason: unknown = signal?.aborted === true ? signal.reason : undefined;
  const name = (reason as { signal?: unknown } | undefined)?.signal;
  return typeof name === "string" ? name : undefined;
}

/**
 * kubectl's `-i`: a bare `-i` (before `--`, followed by nothing, `--` or another flag) is
 * `--stdin`; `-i NAME=VALUE` stays `--input`.
 */
function expandStdinFlag(argv: readonly string[]): string[] {
  if (argv[0] !== "run" && argv[0] !== "plan") return [...argv];
  const out = [...argv];
  for (let i = 1; i < out.length && out[i] !== "--"; i++) {
    const next = out[i + 1];
    if (out[i] === "-i" && (next === undefined || next.startsWith("-"))) out[i] = "--stdin";
  }
  return out;
}

function addCommonOptions(command: Command): Command {
  return command
    .argument("[file]", "Kestra flow or task, Pod manifest, or podkit pod document (YAML or JSON); - for standard input. With --image: none")
    .argument("[command...]", "with --image, after --: the command and its arguments")
    .option("--image <image>", "run IMAGE instead of a FILE, kubectl-style: podkit run --image busybox -- echo hi")
    .option("--name <name>", "with --image: the pod's and the container's name (default: a generated pod name, container main)")
    .option("--env <name=value>", "with --image: an environment variable of the container (repeatable)", collect, [])
    .option("--stdin", "with --image (-i alone): read standard input to its end and feed it to the command")
    .option("--output <glob>", "bring back the files of the working directory matching GLOB (repeatable)", collect, [])
    .option("-i, --input <name=value>", "value of an input: text, or for a FILE input the path of a local file; @PATH always names a file; with --image or a Pod manifest, NAME=PATH uploads the local file PATH as NAME (repeatable)", collect, [])
    .option("-t, --task <id>", "the PodCreate task to run, when the flow has several")
    .option("-n, --namespace <namespace>", "namespace of the pod, instead of the definition's")
    .option("--no-delete", "keep the pod when it ends")
    .option("--run-id <id>", "stable identity of the run: a rerun with the same id reattaches to its pod")
    .option("--json", "print the result as JSON on stdout (logs and progress go to stderr)");
}

const EXIT_HELP = `
Exit codes:
  0        the pod succeeded
  1-255    a container failed: its exit code
  64       usage or definition error (bad flag, YAML, unknown property, missing input, invalid pod)
  66       the FILE cannot be read
  69       the cluster is unreachable or refused a request
  70       internal error
  74       input or output files could not be transferred
  124      a wait budget ran out (waitUntilRunning, waitRunning, waitUntilReady)
  125      the pod could not run (image pull, config error, evicted, deleted by someone else)
  130/143  interrupted by SIGINT/SIGTERM; the pod was deleted
`;

const GC_HELP = `
A pod is deleted when it has finished for --older-than (its podkit.dev/finished-at
annotation, or phase Succeeded/Failed with every container ended), or when its start plus
spec.activeDeadlineSeconds plus --older-than has passed. A pod that runs or waits within
its deadline may be followed by a live run and is kept.

Exit codes:
  0        done (whatever was deleted)
  64       usage error (bad flag or duration)
  69       the cluster is unreachable or refused a request
  130/143  interrupted by SIGINT/SIGTERM
`;

function packageVersion(): string {
  // cli/program.ts and dist/cli.js both sit one level below package.json.
  try {
    const pkg: unknown = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
    return typeof (pkg as { version?: unknown }).version === "string" ? (pkg as { version: string }).version : "unknown";
  } catch {
    return "unknown";
  }
}

/**
 * Runs the `podkit` command line with `argv` (the arguments after the program name) and
 * resolves with its exit code. Never calls `process.exit`.
 *
 * @example
 * ```ts
 * import { runCli } from "./program.ts";
 * const code = await runCli(["plan", "examples/kestra/launch-a-pod.yaml"], { stdout: process.stdout, stderr: process.stderr });
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let code: number = EXIT_CODES.ok;
  const errorReporter = new Reporter({ stdout: io.stdout, stderr: io.stderr, env: io.env ?? process.env });
  const program = new Command("podkit")
    .description("Run a pod on Kubernetes from a Kestra PodCreate task or a podkit pod document, and bring back its logs, exit code and files")
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .version(packageVersion(), "-V, --version")
    .showHelpAfterError("(run podkit --help for usage)")
    .addHelpText("after", EXIT_HELP);

  addCommonOptions(
    program
      .command("run")
      .description("run the pod of FILE (Kestra YAML, a Pod manifest, or podkit YAML/JSON), or IMAGE with --image, streaming its logs; exits with its exit code"),
  )
    .option("-o, --output-dir <dir>", "where output files land (default: a new temporary directory)")
    .option("--context <name>", "kubeconfig context to use")
    .option("--kubeconfig <path>", "kubeconfig file to use")
    .option("--dry-run", "print the manifest and the plan, touch no cluster (same as podkit plan)")
    .addHelpText("after", EXIT_HELP)
    .action(async (file: string | undefined, command: string[], flags: RunFlags) => {
      code = await run(file, command, flags, io);
    });

  addCommonOptions(
    program
      .command("plan")
      .description("print the validated manifest (YAML) and the numbered plan of FILE (or of --image IMAGE), without touching a cluster"),
  ).action(async (file: string | undefined, command: string[], flags: CommonFlags) => {
    code = await run(file, command, { ...flags, dryRun: true }, io);
  });

  program
    .command("gc")
    .description("delete the podkit pods that have finished, or outlived their deadline, and that no live run follows; print each one and why")
    .option("-n, --namespace <namespace>", "namespace to clean (default: the kubeconfig context's, else default)")
    .option("-A, --all-namespaces", "clean every namespace")
    .option("--older-than <duration>", "how long a pod must have been finished, or past its deadline (ISO 8601)", "PT1H")
    .option("--dry-run", "print what would be deleted, delete nothing")
    .option("--context <name>", "kubeconfig context to use")
    .option("--kubeconfig <path>", "kubeconfig file to use")
    .option("--json", "print every podkit pod seen, with what was done and why, as JSON")
    .addHelpText("after", GC_HELP)
    .action(async (flags: GcFlags) => {
      code = await gc(flags, io);
    });

  try {
    await program.parseAsync(expandStdinFlag(argv), { from: "user" });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 || error.code === "commander.helpDisplayed" || error.code === "commander.version" ? EXIT_CODES.ok : EXIT_CODES.usage;
    }
    if (error instanceof PodDefinitionError || error instanceof PodValidationError) {
      errorReporter.error(error.message);
    } else if (error instanceof UsageError || error instanceof NoInputError || (error as { name?: unknown } | null)?.name === "AbortError") {
      errorReporter.error((error as Error).message);
    } else if (isUnreachable(error)) {
      errorReporter.error(`Cannot reach the Kubernetes cluster: ${causeChain(error)}; check that it runs and that the kubeconfig (--kubeconfig, KUBECONFIG, ~/.kube/config) points to it`);
    } else {
      errorReporter.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    }
    const exitCode = exitCodeFor(error, signalName(io.signal));
    if (argv.includes("--json")) io.stdout.write(errorJson(error, exitCode));
    return exitCode;
  }
}

/** A failure before or outside the run, as `--json` reports it: `{ ok: false, error }`. */
function errorJson(error: unknown, exitCode: number): string {
  const issues = error instanceof PodDefinitionError || error instanceof PodValidationError ? error.issues : undefined;
  const failure = {
    name: error instanceof Error ? error.name : "Error",
    message: error instanceof Error ? error.message : String(error),
    exitCode,
    ...(issues === undefined ? {} : { issues }),
  };
  return `${JSON.stringify({ ok: false, error: failure }, null, 2)}\n`;
}
