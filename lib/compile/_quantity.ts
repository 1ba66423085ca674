// Resource quantities (`cpu: "500m"`, `memory: "1Gi"`), read as apimachinery's
// `resource.ParseQuantity` reads them: a signed decimal number whose digits may all be
// missing ("+", "." and "M" are zero), then at most one suffix: a binary one (Ki … Ei),
// a decimal one (n u m k M G T P E) or an exponent (e3, E-2). The API server trims
// surrounding spaces before parsing. Whatever else fails to decode, and the pod with it.

const QUANTITY = /^([+-]?)(\d*)(?:\.(\d*))?(?:(Ki|Mi|Gi|Ti|Pi|Ei)|([numkMGTPE])|[eE]([+-]?\d+))?$/;
const BINARY: Readonly<Record<string, number>> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL: Readonly<Record<string, number>> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

/** A parsed quantity: `digits × 10^exp10 × 2^exp2`, negative or not. */
export interface Quantity {
  readonly negative: boolean;
  readonly digits: bigint;
  readonly exp10: number;
  readonly exp2: number;
}

/** The quantity a string or number stands for, or undefined when the API server cannot parse it. */
export function parseQuantity(value: string | number): Quantity | undefined {
  const text = (typeof value === "number" ? String(value) : value).trim();
  if (text === "") return undefined;
  const match = QUANTITY.exec(text);
  if (match === null) return undefined;
  const [, sign, whole = "", fraction = "", binary, decimal, exponent] = match;
  const exp10 = -fraction.length + (decimal === undefined ? 0 : (DECIMAL[decimal] ?? 0)) + (exponent === undefined ? 0 : Number(exponent));
  if (!Number.isSafeInteger(exp10)) return undefined;
  const digits = BigInt(`0${whole}${fraction}`);
  return { negative: sign === "-" && digits !== 0n, digits, exp10, exp2: binary === undefined ? 0 : (BINARY[binary] ?? 0) };
}

function log10(q: Quantity): number {
  const text = q.digits.toString();
  return Math.log10(Number(`0.${text}`)) + text.length + q.exp10 + q.exp2 * Math.log10(2);
}

/** -1, 0 or 1 as `a` is less than, equal to or greater than `b`. */
export function compareQuantities(a: Quantity, b: Quantity): number {
  const signA = a.digits === 0n ? 0 : a.negative ? -1 : 1;
  const signB = b.digits === 0n ? 0 : b.negative ? -1 : 1;
  if (signA !== signB || signA === 0) return Math.sign(signA - signB);
  // Far apart magnitudes are told by their logarithms, so that "1e999999999" costs nothing.
  const gap = log10(a) - log10(b);
  if (Math.abs(gap) > 1) return Math.sign(gap) * signA;
  const e10 = Math.min(a.exp10, b.exp10);
  const e2 = Math.min(a.exp2, b.exp2);
  const scaled = (q: Quantity): bigint => q.digits * 10n ** BigInt(q.exp10 - e10) * 2n ** BigInt(q.exp2 - e2);
  const x = scaled(a);
  const y = scaled(b);
  return (x === y ? 0 : x > y ? 1 : -1) * signA;
}
