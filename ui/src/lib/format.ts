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

const vnClock = new Intl.DateTimeFormat("en-GB", {
  timeZone: "Asia/Ho_Chi_Minh", day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
});

/** An instant the core stores in UTC ("2024-03-05T07:30:00Z") → "05/03/2024 14:30", Vietnam time. */
export function vnInstant(iso: string | null | undefined): string {
  if (!iso) return "";
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return iso;
  const parts = vnClock.formatToParts(t);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return `${part("day")}/${part("month")}/${part("year")} ${part("hour")}:${part("minute")}`;
}
