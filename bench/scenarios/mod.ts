export { startup } from "./startup.ts";
export { overhead } from "./overhead.ts";
export { logs } from "./logs.ts";
export { memory } from "./memory.ts";
export { files } from "./files.ts";
export { concurrency } from "./concurrency.ts";
