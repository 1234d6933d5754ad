"""What the template holds: its sheets, its columns and their roles, the notes on the
headings, and the version stamp the reader checks.

The input sheet has the source table's columns in the table's order (so column A–Y of the
sheet are the CSV's columns 1–25, cell letters included), and one more, 「掲載」, to drop
a row from the new edition without deleting it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from converter.era import reiwa_year
from converter.table import FIXED_COLUMNS

#: Bumped whenever the layout changes; the reader refuses any other version.
TEMPLATE_VERSION = "1"

INPUT_SHEET = "入力"
HELP_SHEET = "記入方法"
LISTS_SHEET = "リスト"
SHEETS = (INPUT_SHEET, HELP_SHEET, LISTS_SHEET)

KEEP_HEADING = "掲載"
KEEP = "掲載する"
DROP = "掲載しない"
SPARE_ROWS = 30  # empty rows at the end, identifying cells unlocked, for new projects

# The stamp, as custom document properties (File > Properties > Custom in Excel and
# LibreOffice; both keep them when saving).
STAMP_VERSION = "dx-template-version"
STAMP_EDITION = "dx-edition"
STAMP_SOURCE_EDITION = "dx-source-edition"
STAMP_SOURCE_TABLE = "dx-source-table"
STAMP_SOURCE_SHA256 = "dx-source-sha256"
STAMP_KEYS = (
    STAMP_VERSION,
    STAMP_EDITION,
    STAMP_SOURCE_EDITION,
    STAMP_SOURCE_TABLE,
    STAMP_SOURCE_SHA256,
)

EVALUATIONS = ("○（達成）", "△（一部達成）", "×（未達成）")
GOAL_KINDS = ("【目標】", "【指標（KPI）】")


class Role(Enum):
    IDENTIFYING = "identifying"  # locked: the IRIs are made from them
    CARRIED = "carried"  # prefilled from the last edition, may be corrected
    INPUT = "input"  # empty: the new edition's values, highlighted
    KEEP = "keep"  # 掲載 / 掲載しない


IDENTIFYING = ("project_no", "relisting_of", "kpi_no", "kpi_relisting_of")
INPUT = ("actual", "evaluation")  # and the 令和N年度取組状況 column


@dataclass(frozen=True)
class Help:
    ja: str
    en: str
    example: str

    def note(self, heading: str) -> str:
        """The note on a heading: what goes there, in Japanese then English, an example."""
        return f"【{heading}】\n{self.ja}\n例: {self.example}\n\n{self.en}\ne.g. {self.example}"


HELP: dict[str, Help] = {
    "project_no": Help(
        "事業番号（変更不可）。再掲の行は「再掲」。新しい事業は末尾の空き行に新しい番号で。",
        "Project number (locked). 再掲 on a re-listed row. New projects go in the empty rows "
        "at the end, with a new number.",
        "12",
    ),
    "relisting_of": Help(
        "再掲の行だけ、再掲元の事業（変更不可）。",
        "On a re-listed row only: the project it lists again (locked).",
        "※再掲:No4",
    ),
    "field": Help("計画の分野（ローマ数字）。", "Plan field, a Roman numeral.", "Ⅰ"),
    "item_no": Help("計画の項目番号。", "Plan item number.", "1"),
    "item_name": Help("計画の項目名称。", "Plan item name.", "まず始めに実施すべき取組"),
    "measure_no": Help(
        "施策No。細目は (6)ア のように。", "Measure number; a sub-item as (6)ア.", "(1)"
    ),
    "measure_name": Help(
        "施策名称。細目のときは施策名と細目名を空白で区切る。",
        "Measure name; with a sub-item, the measure's and the sub-item's names separated by a "
        "space.",
        "職員の意識改革と行動変容",
    ),
    "department": Help(
        "担当の部（一覧から選ぶ）。二つのときは「;」で区切る。新しい部は先に "
        "organizations.csv へ。",
        "Department (pick from the list); two separated by ';'. A new one must first be added "
        "to organizations.csv.",
        "総務部;企画調整部",
    ),
    "division": Help(
        "担当の課（選んだ部の課から選ぶ）。部と同じ順に「;」で区切る。",
        "Division (the list shows the chosen department's); in the same order as the "
        "departments, separated by ';'.",
        "行政経営課;デジタル変革課",
    ),
    "project_name": Help(
        "事業名又は取組名（印字どおり）。", "Project name, as printed.", "職員研修事業"
    ),
    "summary": Help(
        "事業概要又は取組内容。セル内で改行しない。",
        "Summary. No line breaks inside the cell.",
        "職員を民間企業に派遣する。",
    ),
    "goal_kind": Help(
        "目標区分（一覧から選ぶ）。", "Goal kind (pick from the list).", "【指標（KPI）】"
    ),
    "goal": Help(
        "指標（ＫＰＩ）又は目標の文（印字どおり）。",
        "The KPI or goal text, as printed.",
        "電子申請の利用率を80%にする。",
    ),
    "kpi_no": Help(
        "KPI番号（変更不可）。KPIのない行は「‐」、再掲のKPIは「再掲」。",
        "KPI number (locked); ‐ on a row without a KPI, 再掲 for a re-listed KPI.",
        "3",
    ),
    "kpi_relisting_of": Help(
        "再掲のKPIだけ、再掲元のKPI（変更不可）。",
        "On a re-listed KPI only: the KPI it lists again (locked).",
        "※再掲:No2",
    ),
    "kpi_name": Help("指標名。", "KPI name.", "電子申請の件数"),
    "unit": Help("単位（値の単位と同じに）。", "Unit, as in the values.", "件"),
    "baseline": Help(
        "基準値（印字どおりの文字。数値への変換は変換器が行う）。",
        "Baseline, as printed (text; the converter reads the number).",
        "40百万枚",
    ),
    "actual": Help(
        "今年度の実績値を印字どおりに（黄色のセル）。値のないときは「-」。",
        "This edition's actual value, as printed (yellow cell); '-' when there is none.",
        "43.1%",
    ),
    "evaluation": Help(
        "今年度の評価（一覧から選ぶ、黄色のセル）。KPIのない行は空欄。",
        "This edition's evaluation (pick from the list; yellow cell). Empty on a row without "
        "a KPI.",
        "△（一部達成）",
    ),
}
KEEP_HELP = Help(
    f"この行を新しい年度版に載せるか。載せない事業は「{DROP}」を選ぶ（行は削除しない）。",
    f"Whether the row is in the new edition: choose {DROP} to drop a project (do not delete "
    "the row).",
    KEEP,
)


def target_help(year: int) -> Help:
    reiwa = reiwa_year(year)
    return Help(
        f"令和{reiwa}年度の目標値（印字どおり）。改定したときだけ書き換える。",
        f"Target for FY{year}, as printed; change it only when the target was revised.",
        "ほぼ100%",
    )


def status_help(year: int) -> Help:
    reiwa = reiwa_year(year)
    return Help(
        f"令和{reiwa}年度の取組状況（黄色のセル）。セル内で改行しない。",
        f"Status in FY{year} (yellow cell). No line breaks inside the cell.",
        f"令和{reiwa}年度は、95名の職員に対して研修を行った。",
    )


def status_heading(year: int) -> str:
    """「令和６年度取組状況」: the heading that names the edition's year (full-width digits,
    as the report prints them)."""
    return f"令和{_full_width(reiwa_year(year))}年度取組状況"


def _full_width(number: int) -> str:
    return str(number).translate(str.maketrans("0123456789", "０１２３４５６７８９"))


def role(name: str | None) -> Role:
    """The role of a column by its CSV name (None: a target or the status column)."""
    if name in IDENTIFYING:
        return Role.IDENTIFYING
    if name in INPUT:
        return Role.INPUT
    return Role.CARRIED


COLUMN_NAMES = tuple(column.name for column in FIXED_COLUMNS)
