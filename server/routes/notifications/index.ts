import type { ApiRoute } from "../../api/define-route.ts";
import { createChannelRoute } from "./channels-create.ts";
import { deleteChannelRoute } from "./channels-delete.ts";
import { listChannelsRoute } from "./channels-list.ts";
import { testChannelRoute } from "./channels-test.ts";
import { updateChannelRoute } from "./channels-update.ts";
import { listDeliveriesRoute } from "./deliveries-list.ts";
import { retryDeliveryRoute } from "./deliveries-retry.ts";

/** Alert channels and their delivery log; server/routes/index.ts composes them into ROUTES. */
export const NOTIFICATION_ROUTES: ApiRoute[] = [
  listChannelsRoute,
  createChannelRoute,
  updateChannelRoute,
  deleteChannelRoute,
  testChannelRoute,
  listDeliveriesRoute,
  retryDeliveryRoute,
];
