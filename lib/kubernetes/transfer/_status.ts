/**
 * Reads the exit code from the `V1Status` an exec sends on its status channel:
 * `Success` is 0, `NonZeroExitCode` carries the code in `details.causes[].message`.
 * Any other failure (the executable does not exist, the container is not running, …)
 * throws with the server's message.
 */
export function exitCodeOfStatus(status: unknown): number {
  if (typeof status !== "object" || status === null) throw new Error(`the exec status is not an object: ${JSON.stringify(status)}`);
  const s = status as { status?: unknown; reason?: unknown; message?: unknown; details?: { causes?: unknown } };
  if (s.status === "Success") return 0;
  const causes = Array.isArray(s.details?.causes) ? (s.details.causes as { reason?: unknown; message?: unknown }[]) : [];
  const exit = causes.find((c) => c.reason === "ExitCode");
  if (s.reason === "NonZeroExitCode" && exit !== undefined) {
    const code = Number(exit.message);
    if (Number.isInteger(code)) return code;
  }
  const message = typeof s.message === "string" && s.message !== "" ? s.message : JSON.stringify(status);
  throw new Error(message);
}
