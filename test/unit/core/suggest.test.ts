import { describe, expect, it } from "vitest";
import { closest } from "../../../lib/compile/_suggest.ts";

describe("closest", () => {
  it("suggests the nearest name, a swap of two letters counting as one edit", () => {
    expect(closest("comand", ["command", "args"])).toBe("command");
    expect(closest("imgae", ["image", "name"])).toBe("image");
    expect(closest("waitUntilRuning", ["waitUntilRunning", "waitRunning"])).toBe("waitUntilRunning");
  });

  it("ignores case, and prefers a name that differs only in case", () => {
    expect(closest("MasterURL", ["masterUrl", "username"])).toBe("masterUrl");
    expect(closest("Args", ["arg", "args"])).toBe("args");
  });

  it("suggests nothing when no name is close enough to be a typo", () => {
    expect(closest("volumes", ["command", "args"])).toBeUndefined();
    expect(closest("zzz", ["id", "type"])).toBeUndefined();
    expect(closest("anything", [])).toBeUndefined();
  });
});
