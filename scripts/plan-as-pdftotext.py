#!/usr/bin/env python3
"""Writes tests/fixtures/ke-hoach-pdftotext.txt: the seed plan as `pdftotext` (no -layout) gives
it back from the PDF of the signed document, laid out to Decree 30/2020. What the PDF changes:

- the two-column header (issuing body and national motto) comes first, column by column;
- the summary under "KẾ HOẠCH" is centred on three lines, broken by hand before the ward's name;
- part headings are bold capitals, and heading I is broken before "YÊU CẦU";
- every paragraph is hard-wrapped at the text width (90 characters here), with no indent;
- bold and italic are gone (no `**`, `*` marks);
- pages end with a form feed, and pages 2 on carry their number on top (Decree 30, art. 15);
- paragraphs keep the blank line between them, but not across a page break.

Run from anywhere: python3 scripts/plan-as-pdftotext.py
"""
import os
import textwrap

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
SEED = os.path.join(ROOT, "assets", "seed", "ke-hoach-2024-nguyen-nghiem.txt")
OUT = os.path.join(ROOT, "tests", "fixtures", "ke-hoach-pdftotext.txt")
WIDTH = 90
PAGE_LINES = 44

HEADER = ["ỦY BAN NHÂN DÂN", "PHƯỜNG NGUYỄN NGHIÊM", "", "Số: /KH-UBND", "",
          "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", ""]
TITLE = ["Triển khai thực hiện công tác trẻ em", "trên địa bàn phường", "Nguyễn Nghiêm năm 2024"]
PARTS = {
    "I. Mục đích, yêu cầu:": ["I. MỤC ĐÍCH,", "YÊU CẦU:"],
    "II. Nội dung hoạt động:": ["II. NỘI DUNG HOẠT ĐỘNG:"],
    "III. Kinh phí:": ["III. KINH PHÍ:"],
    "IV. Tổ chức thực hiện:": ["IV. TỔ CHỨC THỰC HIỆN:"],
    "V. Chế độ báo cáo:": ["V. CHẾ ĐỘ BÁO CÁO:"],
}


def main():
    with open(SEED, encoding="utf-8") as f:
        seed = f.read().replace("**", "").replace("*", "").split("\n")
    lines = []
    i = 0
    while i < len(seed):
        line = seed[i].strip()
        if line.startswith("Số:"):
            lines.extend(HEADER)
        elif line == "KẾ HOẠCH":
            lines.append(line)
            lines.extend(TITLE)
            i += 3  # the seed's two lines of summary
            continue
        elif line in PARTS:
            lines.extend(PARTS[line])
        elif line:
            lines.extend(textwrap.wrap(line, WIDTH, break_long_words=False, break_on_hyphens=False))
        else:
            lines.append("")
        i += 1
    # Blank lines: none at either end, never two in a row.
    lines = [l for k, l in enumerate(lines) if l or (k > 0 and lines[k - 1])]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()

    # Pages: a form feed ends each; the next starts with its number. A blank line that falls at
    # the foot of a page is not kept.
    out, on_page, page = [], 0, 1
    for line in lines:
        if on_page >= PAGE_LINES:
            page += 1
            out[-1] += "\n\f" + str(page)
            on_page = 0
            if not line:
                continue
        out.append(line)
        on_page += 1
    with open(OUT, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n\f")


if __name__ == "__main__":
    main()
