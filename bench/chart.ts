import type { ContenderId } from "./case.ts";
import type { HeadlineRatio } from "./report.ts";

const COLORS: Record<ContenderId, string> = {
  podkit: "#2563eb",
  "podkit-cli": "#60a5fa",
  "client-node": "#9ca3af",
  kubectl: "#f59e0b",
  "kubectl-logs": "#f59e0b",
};

const LABELS: Record<ContenderId, string> = {
  podkit: "podkit",
  "podkit-cli": "podkit run (command line)",
  "client-node": "client-node (hand-written)",
  kubectl: "kubectl run --rm -i",
  "kubectl-logs": "kubectl run + logs -f",
};

function escape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/**
 * A horizontal bar chart of headline ratios to kubectl on a log scale: bars grow left of
 * the 1× line when faster than kubectl and right when slower. Plain SVG text, no library.
 *
 * @example
 * ```ts
 * const svg = renderChart([{ scenario: "overhead", case: "true", contender: "podkit", ratio: 0.8, metric: "overhead" }]);
 * svg.startsWith("<svg"); // true
 * ```
 */
export function renderChart(ratios: readonly HeadlineRatio[], title = "Time relative to kubectl (log scale, lower is better)"): string {
  const cases = [...new Set(ratios.map((r) => `${r.scenario} / ${r.case}`))];
  const contenders = [...new Set(ratios.map((r) => r.contender))];
  const barH = 12;
  const gap = 3;
  const groupH = contenders.length * (barH + gap) + 10;
  const left = 170;
  const plotW = 420;
  const top = 56;
  const width = left + plotW + 40;
  const height = top + cases.length * groupH + 40;
  // Log2 axis, symmetric around 1×, wide enough for every ratio (at least 1/4× … 4×).
  const extreme = Math.max(2, ...ratios.map((r) => Math.abs(Math.log2(Math.max(r.ratio, 1e-3)))));
  const span = Math.min(6, Math.ceil(extreme));
  const x = (ratio: number): number => {
    const l = Math.max(-span, Math.min(span, Math.log2(Math.max(ratio, 1e-3))));
    return left + ((l + span) / (2 * span)) * plotW;
  };
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `font-family="-apple-system,Segoe UI,Helvetica,Arial,sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="${left}" y="18" font-size="13" font-weight="600" fill="#111827">${escape(title)}</text>`,
  );
  // Legend.
  let lx = left;
  for (const c of contenders) {
    parts.push(
      `<rect x="${lx}" y="28" width="10" height="10" fill="${COLORS[c]}"/>`,
      `<text x="${lx + 14}" y="37" fill="#374151">${escape(LABELS[c])}</text>`,
    );
    lx += 24 + (LABELS[c]).length * 6;
  }
  // Grid and ticks.
  for (let e = -span; e <= span; e++) {
    const gx = x(2 ** e);
    const label = e >= 0 ? `${2 ** e}×` : `1/${2 ** -e}×`;
    parts.push(
      `<line x1="${gx}" y1="${top - 6}" x2="${gx}" y2="${height - 30}" stroke="${e === 0 ? "#111827" : "#e5e7eb"}" stroke-width="${e === 0 ? 1.5 : 1}"/>`,
      `<text x="${gx}" y="${height - 16}" text-anchor="middle" fill="#6b7280">${label}</text>`,
      ...(e === 0 ? [`<text x="${gx}" y="${height - 3}" text-anchor="middle" fill="#111827">kubectl</text>`] : []),
    );
  }
  cases.forEach((label, i) => {
    const gy = top + i * groupH;
    const group = ratios.filter((q) => `${q.scenario} / ${q.case}` === label);
    const reference = group[0]?.reference;
    parts.push(
      `<text x="${left - 8}" y="${gy + groupH / 2}" text-anchor="end" dominant-baseline="middle" fill="#111827">${escape(label)}</text>`,
      ...(reference !== undefined && reference !== "kubectl"
        ? [`<text x="${left - 8}" y="${gy + groupH / 2 + 12}" text-anchor="end" fill="#6b7280" font-size="9">1× = ${escape(LABELS[reference])}</text>`]
        : []),
      ...(group.some((q) => !q.baselineCorrect)
        ? [`<text x="${left - 8}" y="${gy + groupH / 2 + 24}" text-anchor="end" fill="#b91c1c" font-size="9">kubectl result wrong</text>`]
        : []),
    );
    contenders.forEach((c, j) => {
      const r = ratios.find((q) => `${q.scenario} / ${q.case}` === label && q.contender === c);
      if (r === undefined) return;
      const y = gy + 5 + j * (barH + gap);
      const x0 = x(1);
      const x1 = x(r.ratio);
      const bx = Math.min(x0, x1);
      const bw = Math.max(1, Math.abs(x1 - x0));
      const text = `${r.ratio >= 10 ? r.ratio.toFixed(0) : r.ratio.toFixed(2)}×${r.correct ? "" : " ✗ wrong result"}`;
      // Left of a bar that grows left, unless that would run into the case labels: then inside it.
      const inside = x1 < x0 && x1 - 4 - text.length * 6 < left;
      const tx = x1 >= x0 ? x1 + 4 : inside ? x1 + 4 : x1 - 4;
      const anchor = x1 >= x0 || inside ? "start" : "end";
      parts.push(
        `<rect x="${bx.toFixed(1)}" y="${y}" width="${bw.toFixed(1)}" height="${barH}" fill="${COLORS[c]}"${r.correct ? "" : ' fill-opacity="0.35"'}><title>${escape(`${label}, ${c}: ${text} (${r.metric})`)}</title></rect>`,
        `<text x="${tx.toFixed(1)}" y="${y + barH - 2}" text-anchor="${anchor}" fill="${inside && r.correct ? "#ffffff" : "#374151"}">${escape(text)}</text>`,
      );
    });
  });
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}
