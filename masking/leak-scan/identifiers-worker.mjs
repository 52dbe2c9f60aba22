// The identifiers thread's entry: the project runs TypeScript through tsx, in this thread as well.
import { register } from "tsx/esm/api";

register();
await import("./identifiers-worker.ts");
