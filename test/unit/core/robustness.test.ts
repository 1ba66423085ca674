import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { PodBuilder, PodValidationError, pod, type PodDescription } from "../../../lib/mod.ts";

// Whatever a YAML file or a JavaScript caller hands over, compile() either returns a
// manifest or throws a PodValidationError: it never crashes on the shape of the input.

const json = fc.jsonValue({ maxDepth: 3 });
const fieldNames = fc.constantFrom("name", "image", "command", "args", "env", "volumeMounts", "ports", "securityContext", "resources", "comand", "x");
const looseObject = fc.dictionary(fieldNames, json, { maxKeys: 6 });

function compileOrIssues(build: () => PodBuilder): "ok" | "invalid" {
  try {
    build().compile();
    return "ok";
  } catch (error) {
    if (error instanceof PodValidationError) {
      for (const issue of error.issues) {
        expect(typeof issue.path).toBe("string");
        expect(issue.message).not.toMatch(/\.$/);
      }
      return "invalid";
    }
    throw error;
  }
}

describe("compile() on arbitrary input", () => {
  test("containers of any shape yield a manifest or a PodValidationError", () => {
    fc.assert(
      fc.property(fc.array(looseObject, { maxLength: 3 }), looseObject, (containers, defaults) => {
        compileOrIssues(() => {
          let builder = pod().defaults(defaults);
          for (const c of containers) builder = builder.container(c as never);
          return builder;
        });
      }),
      { numRuns: 300 },
    );
  });

  test("descriptions built by hand with odd values yield a manifest or a PodValidationError", () => {
    const base = pod().container({ name: "main", image: "busybox" }).description;
    fc.assert(
      fc.property(
        fc.record({ spec: fc.dictionary(fc.string(), json, { maxKeys: 3 }), metadata: fc.dictionary(fc.constantFrom("labels", "annotations", "generateName", "uid"), json) }),
        fc.array(fc.string(), { maxLength: 3 }),
        fc.array(fc.string(), { maxLength: 3 }),
        (parts, inputs, globs) => {
          const description = {
            ...base,
            spec: parts.spec,
            metadata: parts.metadata,
            inputFiles: inputs.map((name) => ({ name, content: "x" })),
            outputFiles: globs,
          } as unknown as PodDescription;
          compileOrIssues(() => new PodBuilder(description));
        },
      ),
      { numRuns: 300 },
    );
  });

  test("valid names always compile, and the generated name prefix fits the API server's limit", () => {
    const label = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
    fc.assert(
      fc.property(label, (name) => {
        const { manifest } = pod().container({ name, image: "busybox" }).compile();
        const generated = manifest.metadata?.generateName ?? "";
        expect(generated.length).toBeLessThanOrEqual(58);
        expect(generated).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?-$/);
      }),
    );
  });
});
