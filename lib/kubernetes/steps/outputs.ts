import { readFile, stat } from "node:fs/promises";
import { findStep, type CollectOutputValuesStep } from "../../plan/plan.ts";
import type { RunContext } from "../context.ts";
import { mergeOutputValues } from "../logs/output_values.ts";

/** A values file larger than this is refused rather than read into memory. */
const MAX_VALUES_FILE_BYTES = 64 * 1024 * 1024;

/**
 * Takes the output values the log lines declared (only those with the run's nonce, when
 * asked): merged as the lines arrived, whichever lines `keepLogs` keeps. Then merges the
 * JSON object of the output values file over them; a file that cannot give values leaves
 * them as they are and says why in `outputValuesError`.
 */
export async function outputs(step: CollectOutputValuesStep, ctx: RunContext): Promise<void> {
  const vars = ctx.outputValues();
  if (step.file !== undefined) {
    const read = await readValuesFile(step.file, ctx);
    if (typeof read === "string") ctx.record.outputValuesError = `Cannot read output values from "${step.file}": ${read}`;
    else mergeOutputValues(vars, read);
  }
  ctx.record.vars = vars;
}

/** The file's object, or why there is none. */
async function readValuesFile(file: string, ctx: RunContext): Promise<Record<string, unknown> | string> {
  const { record } = ctx;
  const name = file
    .split("/")
    .filter((s) => s !== "" && s !== ".")
    .join("/");
  const downloaded = record.outputFiles.find((f) => f.name === name);
  if (downloaded === undefined) {
    if (record.outputsError !== undefined) return `the output files could not be collected (${record.outputsError})`;
    const refused = record.refused.find((r) => r.name === name);
    if (refused !== undefined) return `it was not brought back (${refused.type}: ${refused.reason}); write a regular file`;
    const workingDir = findStep(ctx.plan, "downloadOutputs")?.workingDir ?? "the working directory";
    return `the pod did not write it in ${workingDir}; write a JSON object there, e.g. echo '{"rows": 42}' > ${workingDir}/${name}`;
  }
  try {
    const { size } = await stat(downloaded.path);
    if (size > MAX_VALUES_FILE_BYTES) return `it holds ${size} bytes, more than the ${MAX_VALUES_FILE_BYTES} bytes output values may take; write large results as output files`;
    const text = (await readFile(downloaded.path, "utf8")).replace(/^\uFEFF/, "");
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      return `it is not JSON (${(error as Error).message}); write a JSON object, e.g. {"rows": 42}`;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      const kind = value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`;
      return `it holds ${kind}, not a JSON object; write a JSON object, e.g. {"rows": 42}`;
    }
    return value as Record<string, unknown>;
  } catch (error) {
    return `it cannot be read at "${downloaded.path}" (${(error as Error).message})`;
  }
}
