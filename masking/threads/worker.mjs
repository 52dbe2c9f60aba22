// A masking thread's entry: the project runs TypeScript through tsx, in this thread as well.
import { register } from "tsx/esm/api";

register();
await import("./worker.ts");
