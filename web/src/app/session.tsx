import { createContext, useContext } from "react";
import type { Me, Permission } from "../api/types.ts";

export type Session = {
  me: Me;
  can: (permission: Permission) => boolean;
  signOut: () => Promise<void>;
};

export const SessionContext = createContext<Session | undefined>(undefined);

/** The signed-in person; pages render only inside the signed-in shell, so it is always set. */
export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) {
    throw new Error("useSession outside the signed-in shell");
  }
  return session;
}
