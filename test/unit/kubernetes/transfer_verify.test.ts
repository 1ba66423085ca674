import { describe, expect, it } from "vitest";
import { digestMismatch, parseDigests } from "../../../lib/kubernetes/transfer/_verify.ts";

// "hello"
const local = { size: 5, md5: "5d41402abc4b2a76b9719d911017c592", sha256: "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824" };

describe("parseDigests()", () => {
  it("reads the digest the container names, one line per name", () => {
    const out = parseDigests(`hash=md5\n5 ${local.md5}\nmissing\n0 d41d8cd98f00b204e9800998ecf8427e\n`, ["a", "b", "c"]);
    expect(out.algorithm).toBe("md5");
    expect([...out.files]).toEqual([
      ["a", { size: 5, digest: local.md5 }],
      ["b", "missing"],
      ["c", { size: 0, digest: "d41d8cd98f00b204e9800998ecf8427e" }],
    ]);
    expect(parseDigests(`hash=sha256\n5 ${local.sha256.toUpperCase()}\n`, ["a"]).files.get("a")).toEqual({ size: 5, digest: local.sha256 });
  });

  it("keeps sizes only when the container has no digest tool or names an unknown one", () => {
    expect(parseDigests("hash=\n5 -\n", ["a"])).toEqual({ algorithm: undefined, files: new Map([["a", { size: 5 }]]) });
    expect(parseDigests("hash=1\n5 abc\n", ["a"])).toEqual({ algorithm: undefined, files: new Map([["a", { size: 5 }]]) });
  });

  it("counts a name without a line, or with a line that is not a size, as missing", () => {
    const out = parseDigests("hash=md5\nbroken\n", ["a", "b"]);
    expect(out.files.get("a")).toBe("missing");
    expect(out.files.get("b")).toBe("missing");
    expect(parseDigests("", ["a"])).toEqual({ algorithm: undefined, files: new Map([["a", "missing"]]) });
  });
});

describe("digestMismatch()", () => {
  it("agrees when the size and the named digest match", () => {
    expect(digestMismatch(local, { size: 5, digest: local.md5 }, "md5")).toBeUndefined();
    expect(digestMismatch(local, { size: 5, digest: local.sha256 }, "sha256")).toBeUndefined();
    expect(digestMismatch(local, { size: 5 }, undefined)).toBeUndefined();
  });

  it("names what differs: presence, then size, then digest", () => {
    expect(digestMismatch(local, "missing", "md5")).toEqual({ what: "missing" });
    expect(digestMismatch(local, { size: 4, digest: local.md5 }, "md5")).toEqual({ what: "size", remote: 4 });
    expect(digestMismatch(local, { size: 5, digest: "0".repeat(32) }, "md5")).toEqual({ what: "digest", algorithm: "md5", local: local.md5, remote: "0".repeat(32) });
    // The sha256 of the content is not mistaken for its md5.
    expect(digestMismatch(local, { size: 5, digest: local.sha256 }, "md5")?.what).toBe("digest");
  });
});
