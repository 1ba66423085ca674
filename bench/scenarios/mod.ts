export { overhead } from "./overhead.ts";
export { logs } from "./logs.ts";
export { files } from "./files.ts";
export { concurrency } from "./concurrency.ts";
