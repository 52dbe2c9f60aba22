// The console's names for the notifications API's wire shapes, defined once in
// schema/contracts/notifications.ts.
export {
  DELIVERY_STATUSES,
  type DeliveryStatus,
  SEVERITIES,
  type Severity,
  type TChannel as AlertChannel,
  type TDelivery as AlertDelivery,
} from "../../../../schema/contracts/notifications.ts";
