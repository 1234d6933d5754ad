"""Page language (Japanese first, English on request) and the interface strings."""

from __future__ import annotations

from flask import Flask, Response, request

from converter.era import edition_label, short_year, year_label
from server.negotiation import varies_on

LANGS = ("ja", "en")
COOKIE = "lang"

#: Interface strings; data labels come from the store, not from here.
STRINGS: dict[str, tuple[str, str]] = {
    "site": ("福島県 行政DX 事業・KPI オープンデータ", "Fukushima Prefecture DX Projects and KPIs"),
    "home": ("ホーム", "Home"),
    "plan": ("計画の体系", "Plan structure"),
    "projects": ("事業一覧", "Projects"),
    "kpis": ("KPI一覧", "KPIs"),
    "downloads": ("ダウンロード", "Downloads"),
    "catalog": ("カタログ", "Catalog"),
    "ontology": ("語彙（オントロジー）", "Vocabulary (ontology)"),
    "sparql": ("SPARQLエンドポイント", "SPARQL endpoint"),
    "switch": ("English", "日本語"),
    "about": ("このデータについて", "About this data"),
    "source": ("出典", "Source"),
    "edition": ("版", "Edition"),
    "licence": ("ライセンス", "Licence"),
    "licence_text": (
        "公共データ利用規約（第1.0版）（PDL1.0）の下で提供します。"
        "PDL1.0 はクリエイティブ・コモンズ 表示 4.0 国際（CC BY 4.0）と互換性があります。",
        "Published under the Public Data License v1.0 (PDL1.0), "
        "which is compatible with Creative Commons Attribution 4.0 (CC BY 4.0).",
    ),
    "counts": ("件数", "Counts"),
    "triples": ("トリプル", "Triples"),
    "properties": ("プロパティ", "Properties"),
    "referenced_by": ("参照元", "Referenced by"),
    "values": ("基準値・目標値・実績値", "Baseline, targets and actual"),
    "baseline": ("基準値", "Baseline"),
    "target": ("目標値", "Target"),
    "actual": ("実績値", "Actual"),
    "evaluation": ("評価", "Evaluation"),
    "period": ("年度", "Period"),
    "value": ("値", "Value"),
    "notation": ("表記", "As printed"),
    "chart": ("グラフ", "Chart"),
    "relisting": ("再掲", "relisted"),
    "department": ("部", "Department"),
    "division": ("課", "Division"),
    "number": ("番号", "No."),
    "name": ("名称", "Name"),
    "unit": ("単位", "Unit"),
    "formats": ("形式", "Formats"),
    "file": ("ファイル", "File"),
    "size": ("サイズ", "Size"),
    "media_type": ("メディアタイプ", "Media type"),
    "other_formats": ("このページのデータ", "This page as data"),
    "datasets": ("データセット", "Datasets"),
    "distributions": ("配布", "Distributions"),
    "services": ("データサービス", "Data services"),
    "error": ("エラー", "Error"),
    "back_home": ("ホームへ戻る", "Back to the home page"),
    "more": ("…ほか", "… and more"),
    "type": ("種別", "Type"),
    "types": ("データの種類", "Kinds of data"),
    "breadcrumb": ("現在の位置", "You are here"),
    "key_facts": ("基本情報", "Key facts"),
    "all_properties": ("すべての項目（データの中身）", "All properties (the data as published)"),
    "lower_better": (
        "小さいほど良い指標です（値を減らすことが目標）。",
        "Lower is better: the goal is to reduce this value.",
    ),
    "higher_better": ("大きいほど良い指標です。", "Higher is better."),
    "not_given": ("記載なし", "not given"),
    "note": ("注記", "Note"),
    "as_printed": ("資料の表記のまま", "as printed in the report"),
    "earlier_edition": (
        "{year}版では {value}（改定前）",
        "{value} in the {year} report (before revision)",
    ),
    "japanese": ("日本語", "Japanese"),
    "ja_notice": (
        "",
        "Most names and texts exist only in Japanese, as printed in the prefecture's report. "
        "Where an English label exists it is shown first, with the Japanese beside it.",
    ),
    "relisted_from": ("再掲（No.{n}）", "relisted, see No.{n}"),
    "lower_mark": ("↓ 小さいほど良い", "↓ lower is better"),
    "plan_intro": (
        "県の計画の体系（分野 → 項目 → 施策）と、各施策の下に掲載された事業です。"
        "番号（Ⅰ・1・(1)・ア）は計画に印刷された番号です。"
        "「再掲」は、別の施策の下ですでに掲載された事業をもう一度載せた行です。",
        "The prefecture's plan (field → item → measure) with the projects listed under each "
        'measure. Numbers (Ⅰ, 1, (1), ア) are as printed in the plan. A "relisted" row '
        "repeats a project already listed under another measure.",
    ),
    "projects_intro": (
        "担当する部局・課ごとの事業です。2つの部局が担当する事業は両方に表示されます。",
        "Projects by the department and division in charge. A project with two departments "
        "appears under both.",
    ),
    "kpis_intro": (
        "各KPIの基準値と、年度ごとの目標値・実績値です。値は資料に印刷された表記のまま"
        "（40百万枚、ほぼ100%、4以上、- など）示します。評価は実績値についての評価"
        "（達成・一部達成・未達成）です。",
        "Each KPI's baseline and its targets and actual values by fiscal year, as printed in "
        "the report (e.g. 40百万枚 = 40 million sheets, ほぼ100% = about 100%, 4以上 = 4 or "
        "more, - = not given). The evaluation (achieved, partly achieved, not achieved) is of "
        "the actual value.",
    ),
    "error_title_404": ("ページが見つかりません", "Page not found"),
    "error_help_404": (
        "アドレス（URL）が正しいか確認してください。事業やKPIは次のページから探せます。",
        "Please check the address. Projects and KPIs can be found from these pages:",
    ),
    "error_title_4xx": ("このリクエストには応答できません", "This request cannot be answered"),
    "error_title_5xx": ("一時的に表示できません", "Temporarily unavailable"),
    "error_help_5xx": (
        "時間をおいて、もう一度お試しください。",
        "Please try again in a little while.",
    ),
    "details": ("詳細", "Details"),
    "intro": (
        "福島県が毎年度公表している「行政のDX等に係る関連事業取組実績・成果・KPI一覧」の内容を、"
        "誰でも自由に使えるデータとして公開しています。県の計画のどの項目に、どの部局・課の"
        "どの事業があり、KPI（成果を測る指標）の目標と実績がどうだったかを確認できます。",
        "The contents of the prefecture's yearly report on its administrative DX projects, "
        "published as data anyone may reuse: which projects of which departments serve each "
        "item of the plan, and how their KPIs (key performance indicators) compare with their "
        "targets.",
    ),
    "uses": ("このサイトでできること", "What you can do here"),
    "use_browse": ("見る・調べる", "Browse"),
    "use_browse_text": (
        "計画の体系・事業一覧・KPI一覧から、事業の取組状況やKPIの目標値・実績値・評価を"
        "確認できます。",
        "Look up projects, their status, and each KPI's targets, actual values and evaluation.",
    ),
    "use_table": ("表計算ソフトで使う", "Use in a spreadsheet"),
    "use_table_text": (
        "元の表をCSVファイルでダウンロードし、Excel などで開けます。",
        "Download the source table as CSV and open it in Excel or similar.",
    ),
    "use_system": ("システムから使う（開発者向け）", "Use from programs (for developers)"),
    "use_system_text": (
        "事業・KPIなどの一つひとつに固有のアドレス（URI）があり、同じアドレスから機械が読める"
        "形式（Turtle・JSON-LD・N-Triples・RDF/XML）でも取得できます。"
        "SPARQL で検索することもできます。",
        "Every project, KPI and value has its own address (IRI) that returns a page for people "
        "and data for programs (Turtle, JSON-LD, N-Triples, RDF/XML). The data can also be "
        "queried with SPARQL.",
    ),
    "what_is_lod": ("リンクトオープンデータとは？", "What is linked open data?"),
    "what_is_lod_text": (
        "データの項目一つひとつにアドレスを付け、項目どうしをリンクでつないで公開する方法です。"
        "例えば「事業8」のページから、その事業のKPI、担当課、計画の項目へとたどれます。"
        "他の団体のデータともつなげやすく、国際的な標準（W3C の RDF）に沿っています。",
        "A way of publishing data in which every item has its own web address and items link "
        "to each other: from project 8 you can follow links to its KPI, its division and its "
        "plan item. It follows the W3C's RDF standards, so it joins up with other data.",
    ),
    "count_projects": ("事業", "Projects"),
    "count_values": ("KPIの値（基準値・目標値・実績値）", "KPI values (baseline, targets, actual)"),
    "count_departments": ("部局", "Departments"),
    "count_divisions": ("課・室", "Divisions"),
    "count_triples": ("トリプル（データの文の数）", "Triples (statements in the data)"),
    "description": ("内容", "Contents"),
    "source_csv": ("元の表（CSV）", "Source table (CSV)"),
    "file_table": ("元の表（Excel 等で開けます）", "The source table (opens in Excel)"),
    "file_csvw": ("元の表の列の説明（CSVW）", "Column descriptions of the table (CSVW)"),
    "file_orgs": ("部局・課の一覧（英語名つき）", "Departments and divisions (with English names)"),
    "file_all": ("全データ（RDF）", "All the data (RDF)"),
    "file_catalog": ("データカタログ（DCAT）", "Data catalog (DCAT)"),
    "file_context": ("JSON-LD のコンテキスト", "JSON-LD context"),
    "file_ontology": ("語彙の定義（オントロジー）", "Vocabulary (ontology)"),
    "file_shapes": ("データの検査ルール（SHACL）", "Validation rules (SHACL)"),
    # Progress over time: the dashboard, the changes between editions, search (issue 11)
    "dashboard": ("KPIダッシュボード", "KPI dashboard"),
    "dashboard_intro": (
        "計画のKPI（成果を測る指標）ごとに、基準値・各年度の目標値と、各年度版の報告資料に"
        "載った実績値をグラフで示します。部局・分野・評価で絞り込み、並べ替えられます。",
        "Each KPI of the plan with its baseline, yearly targets and the actuals printed in "
        "each edition of the report. Filter by department, plan field and evaluation, and sort.",
    ),
    "summary": ("達成状況のまとめ", "Achievement summary"),
    "by_plan": ("分野・項目別", "By plan field and item"),
    "by_department": ("部局別", "By department"),
    "total": ("計", "Total"),
    "not_evaluated": ("評価なし", "Not evaluated"),
    "all": ("すべて", "All"),
    "filters": ("絞り込みと並べ替え", "Filter and sort"),
    "plan_field": ("分野", "Plan field"),
    "plan_item": ("項目", "Plan item"),
    "sort": ("並べ替え", "Sort"),
    "sort_number": ("KPI番号順", "By KPI number"),
    "sort_evaluation": ("評価順（未達成から）", "By evaluation (not achieved first)"),
    "sort_progress": ("進捗率の低い順", "By progress (lowest first)"),
    "show": ("表示", "Show"),
    "clear": ("条件を解除", "Clear filters"),
    "shown": ("{n}件のKPIを表示しています（全{total}件）。", "Showing {n} of {total} KPIs."),
    "no_match": ("条件に合うKPIはありません。", "No KPI matches these filters."),
    "higher_mark": ("↑ 大きいほど良い", "↑ higher is better"),
    "target_earlier": ("目標値（改定前）", "Earlier target"),
    "progress": ("進捗率", "Progress"),
    "progress_help": (
        "基準値から目標値までのうち、実績値が進んだ割合（100%で目標どおり）",
        "How far the actual has come from the baseline towards the target (100% = on target)",
    ),
    "progress_backward": (
        "基準値より目標から遠ざかっています",
        "further from the target than at the baseline",
    ),
    "change_rate": ("前年度比", "On the year before"),
    "latest_actual": ("最新の実績値", "Latest actual"),
    "since_previous": ("前回の版からの変更", "Changed since the previous edition"),
    "delta_target": ("目標値の改定", "Target revised"),
    "delta_evaluation": ("評価の変更", "Evaluation changed"),
    "delta_actual": ("実績値の追加", "New actual"),
    "kpi_page": ("KPIの詳しいページ", "The KPI's page"),
    "chart_data": ("このグラフのデータ", "This chart's data"),
    "all_data": ("表示中のKPIのデータ", "Data of the KPIs shown"),
    "embed": ("このグラフを埋め込む", "Embed this chart"),
    "embed_help": (
        "次のコードを貼り付けると、このグラフを他のページに表示できます。"
        "出典の表示（公共データ利用規約）を添えてください。",
        "Paste this code to show the chart on another page, with the source line the "
        "Public Data License asks for.",
    ),
    "embed_image": ("画像として", "As an image"),
    "embed_frame": ("枠（iframe）として", "As a frame (iframe)"),
    "method": ("値の出典と計算方法", "Source and method"),
    "editions_shown": ("掲載している年度版", "Editions shown"),
    "chart_of": ("{name}のグラフ", "Chart of {name}"),
    "changes": ("前回からの変更", "Changes"),
    "changes_title": ("年度版の間の変更", "Changes between editions"),
    "changes_intro": (
        "新しい年度版の報告資料で、前の年度版から変わったところです。事業の追加・削除・名称変更、"
        "KPIの目標値の改定、評価の変更、新しい実績値を、両方の版へのリンクとともに示します。",
        "What a new edition of the report changed against the one before: projects added, "
        "removed or renamed, KPI targets revised, evaluations changed and new actuals, each "
        "with links to both versions.",
    ),
    "no_changes": (
        "まだ変更はありません。公開している年度版は「{edition}」の1つだけで、これが最初の"
        "年度版です。次の年度版が公開されると、ここに変更点が載ります。",
        "No changes yet: the only edition published is {edition}, the first one. When the "
        "next edition is published, what it changed will be listed here.",
    ),
    "changes_from_to": ("{before} → {after}", "{before} → {after}"),
    "change_count": ("{n}件の変更", "{n} changes"),
    "change_one": ("{n}件の変更", "{n} change"),
    "previous_version": ("前の版", "Earlier version"),
    "current_version": ("新しい版", "Later version"),
    "feed": ("更新情報（Atomフィード）", "Updates (Atom feed)"),
    "search": ("検索", "Search"),
    "search_intro": (
        "事業とKPIを、名称・概要・目標・取組状況の言葉で探せます（1文字から）。",
        "Search projects and KPIs by the words of their names, summaries, goals and status "
        "texts (Japanese; one character or more).",
    ),
    "search_label": ("検索する言葉", "Search for"),
    "results": ("{n}件見つかりました。", "{n} found."),
    "no_results": (
        "見つかりませんでした。別の言葉でお試しください。",
        "Nothing found. Try other words.",
    ),
    "narrow": ("絞り込み", "Narrow down"),
    "kind_project": ("事業", "Project"),
    "kind_kpi": ("KPI", "KPI"),
    "found_in": ("該当箇所", "Found in"),
    "field_name": ("名称", "name"),
    "field_description": ("概要", "summary"),
    "field_goal": ("目標", "goal"),
    "field_status": ("取組状況", "status"),
    "facet_department": ("部局", "Department"),
    "facet_item": ("計画の項目", "Plan item"),
    "facet_evaluation": ("評価", "Evaluation"),
    "facet_edition": ("年度版", "Edition"),
    "search_button": ("検索", "Search"),
}


def current_lang() -> str:
    """``?lang=`` beats the cookie, which beats ``Accept-Language``; Japanese by default."""
    chosen = request.args.get("lang")
    if chosen in LANGS:
        return chosen
    varies_on("Cookie")
    chosen = request.cookies.get(COOKIE)
    if chosen in LANGS:
        return chosen
    varies_on("Accept-Language")
    best = request.accept_languages.best_match(LANGS)
    return best if best in LANGS else "ja"


def t(key: str, lang: str | None = None) -> str:
    """The interface string ``key`` in ``lang`` (the page language by default)."""
    ja, en = STRINGS.get(key, (key, key))
    return en if (lang or current_lang()) == "en" else ja


def remember_lang(response: Response) -> Response:
    """Keep an explicit ``?lang=`` choice in a cookie so the next page stays in it.

    It parses the whole query string (``request.args``) to look for ``lang``; on /sparql
    that is a long percent-encoded query on every request, for nothing. So it only looks
    at HTML answers or when a parameter may be named ``lang``.
    """
    if "text/html" not in (response.content_type or "") and not _may_name_lang(
        request.query_string
    ):
        return response
    chosen = request.args.get("lang")
    if chosen in LANGS:
        varies_on("Cookie")  # the cookie is set only when it says otherwise
        if request.cookies.get(COOKIE) != chosen:
            response.set_cookie(
                COOKIE,
                chosen,
                max_age=365 * 24 * 3600,
                samesite="Lax",
                secure=request.is_secure,  # over HTTPS (the trusted proxy's X-Forwarded-Proto)
            )
    return response


def _may_name_lang(query_string: bytes) -> bool:
    # A parameter name decodes to "lang" only if it is spelt so or is percent-encoded.
    return b"lang" in query_string or any(
        b"%" in part.partition(b"=")[0] for part in query_string.split(b"&")
    )


def init_app(app: Flask) -> None:
    """The page language in every template (``t``, ``lang``, the names of fiscal years),
    and the cookie that keeps a reader's choice."""
    app.jinja_env.globals.update(
        t=t,
        lang=current_lang,
        year_label=lambda year: year_label(year, current_lang()),
        edition_label=lambda year: edition_label(year, current_lang()),
        short_year=lambda year: short_year(year, current_lang()),
    )
    app.after_request(remember_lang)
