import type { ApiRoute } from "../../api/define-route.ts";
import { approveAccessRoute, rejectAccessRoute } from "./decide.ts";
import { downloadAccessRoute } from "./download.ts";
import { fileAccessRoute } from "./file.ts";
import { getAccessRoute, listAccessRoute } from "./list.ts";
import { addAccessNoteRoute } from "./notes.ts";

/** Data-subject access requests (right of access); server/routes/index.ts composes them. */
export const ACCESS_ROUTES: ApiRoute[] = [
  listAccessRoute,
  fileAccessRoute,
  getAccessRoute,
  approveAccessRoute,
  rejectAccessRoute,
  addAccessNoteRoute,
  downloadAccessRoute,
];
