import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { mergeDefaults } from "../../../lib/mod.ts";

describe("mergeDefaults()", () => {
  test("deep-merges objects, the container's values winning", () => {
    const merged = mergeDefaults(
      { name: "main", securityContext: { runAsUser: 1000, capabilities: { add: ["NET_BIND_SERVICE"] } } },
      { securityContext: { runAsUser: 0, runAsNonRoot: true, capabilities: { drop: ["ALL"] } }, resources: { limits: { memory: "256Mi" } } },
    );
    expect(merged).toEqual({
      name: "main",
      securityContext: { runAsUser: 1000, runAsNonRoot: true, capabilities: { add: ["NET_BIND_SERVICE"], drop: ["ALL"] } },
      resources: { limits: { memory: "256Mi" } },
    });
  });

  test("concatenates plain lists defaults first, without repeating a value", () => {
    const merged = mergeDefaults(
      { name: "main", securityContext: { capabilities: { drop: ["ALL", "NET_RAW"] } } },
      { securityContext: { capabilities: { drop: ["ALL"] } } },
    );
    expect(merged.securityContext?.capabilities?.drop).toEqual(["ALL", "NET_RAW"]);
  });

  test("merges env by name, the container's entry replacing the default's in place", () => {
    const merged = mergeDefaults(
      { name: "main", env: [{ name: "B", value: "mine" }, { name: "C", value: "3" }] },
      { env: [{ name: "A", value: "1" }, { name: "B", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }] },
    );
    expect(merged.env).toEqual([
      { name: "A", value: "1" },
      { name: "B", value: "mine" },
      { name: "C", value: "3" },
    ]);
  });

  test("merges volumeMounts by mountPath, ports by containerPort and volumeDevices by devicePath", () => {
    const merged = mergeDefaults(
      {
        name: "main",
        volumeMounts: [{ name: "scratch", mountPath: "/tmp" }],
        ports: [{ containerPort: 80, name: "web" }],
        volumeDevices: [{ name: "mine", devicePath: "/dev/x" }],
      },
      {
        volumeMounts: [
          { name: "tmp", mountPath: "/tmp" },
          { name: "cache", mountPath: "/cache" },
        ],
        ports: [{ containerPort: 80, name: "http" }, { containerPort: 9090 }],
        volumeDevices: [{ name: "theirs", devicePath: "/dev/x" }],
      },
    );
    expect(merged.volumeMounts).toEqual([
      { name: "scratch", mountPath: "/tmp" },
      { name: "cache", mountPath: "/cache" },
    ]);
    expect(merged.ports).toEqual([{ containerPort: 80, name: "web" }, { containerPort: 9090 }]);
    expect(merged.volumeDevices).toEqual([{ name: "mine", devicePath: "/dev/x" }]);
  });

  test("tells ports apart by number and protocol together", () => {
    const merged = mergeDefaults(
      { name: "main", ports: [{ containerPort: 53, protocol: "TCP", name: "dns-tcp" }] },
      { ports: [{ containerPort: 53, protocol: "UDP", name: "dns-udp" }, { containerPort: 53, name: "default-tcp" }] },
    );
    expect(merged.ports).toEqual([
      { containerPort: 53, protocol: "UDP", name: "dns-udp" },
      { containerPort: 53, protocol: "TCP", name: "dns-tcp" },
    ]);
  });

  test("keeps envFrom concatenated, defaults first", () => {
    const merged = mergeDefaults(
      { name: "main", envFrom: [{ configMapRef: { name: "mine" } }] },
      { envFrom: [{ configMapRef: { name: "shared" } }] },
    );
    expect(merged.envFrom).toEqual([{ configMapRef: { name: "shared" } }, { configMapRef: { name: "mine" } }]);
  });

  test("lets the container's command and args replace the defaults' whole", () => {
    const merged = mergeDefaults({ name: "main", command: ["run"] }, { command: ["sleep", "1"], args: ["--quiet"] });
    expect(merged.command).toEqual(["run"]);
    expect(merged.args).toEqual(["--quiet"]);
  });

  test("modifies neither argument", () => {
    const container = { name: "main", env: [{ name: "A", value: "1" }] };
    const defaults = { env: [{ name: "B", value: "2" }] };
    const before = JSON.stringify([container, defaults]);
    mergeDefaults(container, defaults);
    expect(JSON.stringify([container, defaults])).toBe(before);
  });

  test("never yields two env vars of one name nor two mounts at one path (property)", () => {
    const names = fc.constantFrom("A", "B", "C", "D");
    const env = fc.uniqueArray(fc.record({ name: names, value: fc.string() }), { selector: (e) => e.name });
    const paths = fc.constantFrom("/a", "/b", "/c");
    const mounts = fc.uniqueArray(fc.record({ name: fc.constantFrom("v1", "v2"), mountPath: paths }), { selector: (m) => m.mountPath });
    fc.assert(
      fc.property(env, env, mounts, mounts, (ownEnv, defaultEnv, ownMounts, defaultMounts) => {
        const merged = mergeDefaults({ name: "main", env: ownEnv, volumeMounts: ownMounts }, { env: defaultEnv, volumeMounts: defaultMounts });
        const envNames = (merged.env ?? []).map((e) => e.name);
        const mountPaths = (merged.volumeMounts ?? []).map((m) => m.mountPath);
        expect(new Set(envNames).size).toBe(envNames.length);
        expect(new Set(mountPaths).size).toBe(mountPaths.length);
        for (const own of ownEnv) expect(merged.env).toContainEqual(own);
        for (const d of defaultEnv) if (!ownEnv.some((o) => o.name === d.name)) expect(merged.env).toContainEqual(d);
      }),
    );
  });
});
