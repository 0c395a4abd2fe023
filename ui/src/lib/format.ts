// How the window writes the core's ISO dates. Labels, rules and "today" come from the core
// (lib/words.ts).
import { words } from "./words";

/** "2024-06-03" → "03/06/2024". */
export function vnDate(iso: string | null | undefined): string {
  if (!iso) return "";
  const [y, m, d] = iso.split("-");
  return `${d}/${m}/${y}`;
}

/** Today in Vietnam as dd/mm/yyyy, as the core reckons it. */
export function todayVn(): string {
  return vnDate(words().today);
}
