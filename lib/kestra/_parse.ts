// Reading YAML or JSON text into plain data, with line and column in messages.
import { LineCounter, parseDocument } from "yaml";
import type { Issues } from "./_check.ts";

/** Parses YAML (JSON is valid YAML); problems go to `issues` with their position. */
export function parseText(text: string, issues: Issues): unknown {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: false, merge: false, lineCounter });
  for (const error of document.errors) {
    const pos = lineCounter.linePos(error.pos[0]);
    issues.add("", `line ${pos.line}, column ${pos.col}: ${error.message.split("\n")[0] ?? error.message}`);
  }
  if (document.errors.length > 0) return undefined;
  return document.toJS({ maxAliasCount: 100 });
}
