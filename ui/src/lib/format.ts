// How the window writes dates, statuses and periods, and how it searches Vietnamese text.
import type { Status } from "../bindings/Status";
import type { Period } from "../bindings/Period";
import type { ReportState } from "../bindings/ReportState";
import type { Kind } from "../bindings/Kind";
import type { Document } from "../bindings/Document";

/** "2024-06-03" → "03/06/2024". */
export function vnDate(iso: string | null | undefined): string {
  if (!iso) return "";
  const [y, m, d] = iso.split("-");
  return `${d}/${m}/${y}`;
}

/** Today in Vietnam as dd/mm/yyyy. */
export function todayVn(): string {
  const now = new Date(Date.now() + 7 * 3600 * 1000);
  return vnDate(now.toISOString().slice(0, 10));
}

export const STATUS_LABEL: Record<Status, string> = {
  not_started: "Chưa bắt đầu",
  in_progress: "Đang thực hiện",
  done: "Hoàn thành",
  not_applicable: "Không áp dụng",
};
export const STATUSES = Object.keys(STATUS_LABEL) as Status[];

export const PERIOD_LABEL: Record<Period, string> = {
  whole_year: "Cả năm",
  action_month: "Tháng hành động (01/6–30/6)",
  summer: "Hè",
  mid_autumn: "Tết Trung thu",
  custom: "Theo ngày",
};
export const PERIODS = Object.keys(PERIOD_LABEL) as Period[];

export const REPORT_LABEL: Record<ReportState, string> = {
  received: "Đã nhận",
  late: "Nộp muộn",
  missing: "Chưa nộp (quá hạn)",
  pending: "Chưa đến hạn",
};

export const ROLE_LABEL: Record<string, string> = { lead: "Chủ trì", coordinating: "Phối hợp" };

/** Folds text for forgiving search: no tone marks, đ → d, lower case. */
export function fold(s: string): string {
  return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[đĐ]/g, "d").toLowerCase();
}

export function matches(haystack: string, query: string): boolean {
  const h = fold(haystack);
  return fold(query).split(/\s+/).filter(Boolean).every((w) => h.includes(w));
}

/** Reads a file chosen in an <input type="file"> as bytes for a command. */
export async function fileBytes(file: File): Promise<number[]> {
  return Array.from(new Uint8Array(await file.arrayBuffer()));
}

export const KIND_LABEL: Record<Kind, string> = {
  plan: "Kế hoạch",
  report: "Báo cáo",
  progress: "Bảng theo dõi tiến độ",
  delivery: "Danh sách giao nhận",
};

/** "05/BC-UBND", or nothing for a draft or an unnumbered document. */
export function docNumber(d: Document): string {
  return d.number ? `${String(d.number).padStart(2, "0")}/${d.symbol}` : "";
}
