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

/** A UTC instant from the core ("2024-06-03T01:02:03Z") as "03/06/2024 08:02", Vietnam time
 * (UTC+7 all year, so no time-zone data is needed). */
export function vnDateTime(utc: string | null | undefined): string {
  if (!utc) return "";
  const t = new Date(utc);
  if (Number.isNaN(t.getTime())) return "";
  const v = new Date(t.getTime() + 7 * 3_600_000);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(v.getUTCDate())}/${two(v.getUTCMonth() + 1)}/${v.getUTCFullYear()} ${two(v.getUTCHours())}:${two(v.getUTCMinutes())}`;
}
