"""Page language (Japanese first, English on request) and the interface strings."""

from __future__ import annotations

from flask import Response, request

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
    "intro": (
        "福島県「行政DX推進計画」の事業とKPI（重要業績評価指標）の進捗を、"
        "リンクトオープンデータとして公開しています。すべての識別子（IRI）はこのサーバーで"
        "人が読めるページと機械が読めるデータ（Turtle・JSON-LD・N-Triples・RDF/XML）を返します。",
        "The projects of Fukushima Prefecture's administrative DX plan and the progress of "
        "its KPIs "
        "(key performance indicators), published as linked open data. Every identifier (IRI) "
        "resolves on this server to a page for people and to data for programs "
        "(Turtle, JSON-LD, N-Triples, RDF/XML).",
    ),
}


def current_lang() -> str:
    """``?lang=`` beats the cookie, which beats ``Accept-Language``; Japanese by default."""
    for candidate in (request.args.get("lang"), request.cookies.get(COOKIE)):
        if candidate in LANGS:
            return candidate
    best = request.accept_languages.best_match(LANGS)
    return best if best in LANGS else "ja"


def t(key: str, lang: str | None = None) -> str:
    """The interface string ``key`` in ``lang`` (the page language by default)."""
    ja, en = STRINGS.get(key, (key, key))
    return en if (lang or current_lang()) == "en" else ja


def remember_lang(response: Response) -> Response:
    """Keep an explicit ``?lang=`` choice in a cookie so the next page stays in it."""
    chosen = request.args.get("lang")
    if chosen in LANGS and request.cookies.get(COOKIE) != chosen:
        response.set_cookie(COOKIE, chosen, max_age=365 * 24 * 3600, samesite="Lax")
    if "text/html" in (response.content_type or ""):
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")
    return response
