"""Bad uploads get a clear error, and nothing is written to the releases (issue 24): a 100 MB
file, a zip bomb, an XML bomb, a path in the file name, HTML and script in cells (escaped in
the report and in the preview), a CSV with formulas."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.console.conftest import Place
from tests.console.support import candidate_id, snapshot, upload
from tests.console.tables import FY2024, edited, set_cell
from tests.converter.workbook.books import rezipped
from tests.converter.workbook.test_pitfalls import BILLION_LAUGHS

MIB = 2**20


class Zeros(io.RawIOBase):
    """``size`` bytes of a multipart body, made as they are read (never held whole)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.position = 0
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = 0) -> int:
        self.position = {0: 0, 1: self.position, 2: self.size}[whence] + offset
        return self.position

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def,override]
        n = max(0, min(len(buffer), self.size - self.position))
        buffer[:n] = b"0" * n
        self.position += n
        self.read_bytes += n
        return n


@pytest.fixture
def unchanged(place: Place):  # type: ignore[no-untyped-def]
    """The releases folder must be exactly as it was after the test."""
    before = snapshot(place.releases)
    yield
    assert snapshot(place.releases) == before


def _nothing_kept(place: Place) -> None:
    candidates = place.state / "candidates"
    assert not candidates.exists() or not any(candidates.iterdir())


def test_a_100_mb_upload_is_refused_unread(
    publisher: tuple[FlaskClient, str], place: Place, unchanged: None
) -> None:
    client, csrf = publisher
    body = Zeros(100 * MIB)
    answer = client.post(
        "/upload",
        input_stream=body,  # type: ignore[arg-type]
        content_length=100 * MIB,
        content_type="multipart/form-data; boundary=x",
    )
    assert answer.status_code == 413
    page = answer.get_data(as_text=True)
    assert "ファイルが大きすぎます（上限 16 MiB）" in page and "larger than 16 MiB" in page
    assert body.read_bytes == 0  # refused from its Content-Length, before reading it
    _nothing_kept(place)
    api = client.post(
        "/api/v1/candidates",
        input_stream=Zeros(100 * MIB),  # type: ignore[arg-type]
        content_length=100 * MIB,
        content_type="multipart/form-data; boundary=x",
        headers={"Authorization": "Bearer " + _token(client)},
    )
    assert api.status_code == 413 and "16 MiB" in api.json["error"]


def _token(client: FlaskClient) -> str:
    svc = client.application.extensions["console"]
    return str(svc.accounts.new_token("alice", "test"))


def test_a_file_over_the_limit_within_the_form_slack_is_refused_too(
    publisher: tuple[FlaskClient, str], place: Place, tmp_path: Path, unchanged: None
) -> None:
    """The form may be 64 KiB over the file's limit (its other fields); the file itself not
    one byte: it is counted as it is saved, and a file over the limit is deleted."""
    client, csrf = publisher
    # Encoded here: the test client's own encoder spools a large body to a temporary file
    # that it never closes.
    boundary, body = encode_multipart(
        {"csrf_token": csrf, "table": FileStorage(io.BytesIO(b"x" * (16 * MIB + 10)), "big.csv")}
    )
    answer = client.post(
        "/upload", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert answer.status_code == 400
    message = answer.get_data(as_text=True).split('id="error-message" role="alert">')[1]
    assert "16 MiB" in message.split("<")[0], message[:500]
    _nothing_kept(place)


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The FY2024 fixture typed into the template made from the live FY2023 edition."""
    from tests.converter.workbook.conftest import fill_like, template

    folder = tmp_path_factory.mktemp("book")
    out = folder / "dx-kpi-fy2024.xlsx"
    fill_like(template(folder), FY2024, out)
    return out


def _rejected(client: FlaskClient, answer, *fragments: str) -> str:  # type: ignore[no-untyped-def]
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "問題あり / has problems" in page
    for fragment in fragments:
        assert fragment in page, fragment
    assert 'id="publish-form"' not in page and "/preview/" not in page
    return page


def test_a_zip_bomb_is_refused(
    publisher: tuple[FlaskClient, str], workbook: Path, tmp_path: Path, unchanged: None
) -> None:
    client, csrf = publisher
    huge = b" " * (64 * MIB + 1)  # compresses to ~70 KB
    bomb = rezipped(workbook, tmp_path / "z.xlsx", replace={"xl/worksheets/sheet1.xml": huge})
    del huge
    answer = upload(client, csrf, bomb, "dx-kpi-fy2024.xlsx")
    _rejected(client, answer, "xl/worksheets/sheet1.xml", "inflates to")


def test_an_xml_bomb_is_refused(
    publisher: tuple[FlaskClient, str], workbook: Path, tmp_path: Path, unchanged: None
) -> None:
    client, csrf = publisher
    bomb = rezipped(workbook, tmp_path / "b.xlsx", replace={"docProps/custom.xml": BILLION_LAUGHS})
    answer = upload(client, csrf, bomb, "dx-kpi-fy2024.xlsx")
    _rejected(client, answer, "docProps/custom.xml", "XML bomb")


@pytest.mark.parametrize(
    "name",
    ["../../etc/x.xlsx", "..\\..\\x.csv", "/etc/cron.d/x.csv", "sub/x.csv", ".hidden.csv"],
)
def test_a_path_in_the_file_name_is_refused(
    publisher: tuple[FlaskClient, str], place: Place, name: str, unchanged: None
) -> None:
    client, csrf = publisher
    answer = upload(client, csrf, FY2024, name)
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    assert "ファイル名にフォルダー" in page or "ファイル名に使えない" in page
    _nothing_kept(place)
    assert not (place.state.parent / "etc").exists()
    audit = (place.state / "audit.jsonl").read_text()
    assert '"action": "upload", "result": "refused"' in audit


@pytest.mark.parametrize("name", ["x.txt", "x.exe", "x"])
def test_a_file_that_is_not_a_table_is_refused(
    publisher: tuple[FlaskClient, str], place: Place, name: str, unchanged: None
) -> None:
    client, csrf = publisher
    answer = upload(client, csrf, FY2024, name)
    assert answer.status_code == 400
    assert "Excel ブック（.xlsx）" in answer.get_data(as_text=True)
    _nothing_kept(place)


SCRIPT = '<script>alert("dx")</script>'
IMAGE = "<img src=x onerror=alert(1)>"


def test_html_and_script_in_cells_are_escaped_in_the_report(
    publisher: tuple[FlaskClient, str], tmp_path: Path, unchanged: None
) -> None:
    client, csrf = publisher
    table = edited(
        FY2024, tmp_path / "dx-kpi-fy2024.csv", lambda t: set_cell(t, "3", "実績値", IMAGE)
    )
    page = _rejected(client, upload(client, csrf, table), "&lt;img src=x onerror=alert(1)&gt;")
    assert IMAGE not in page and "<script" not in page


def test_html_and_script_in_cells_are_escaped_in_the_preview(
    publisher: tuple[FlaskClient, str], tmp_path: Path, unchanged: None
) -> None:
    client, csrf = publisher
    name = f"{SCRIPT}{IMAGE}事業"
    table = edited(
        FY2024, tmp_path / "dx-kpi-fy2024.csv", lambda t: set_cell(t, "1", "事業名又は取組名", name)
    )
    cid = candidate_id(upload(client, csrf, table))
    report = client.get(f"/candidates/{cid}").get_data(as_text=True)
    assert "問題はありません" in report
    for path in ("projects", "id/project/fy2024/1", "search?q=%E4%BA%8B%E6%A5%AD"):
        answer = client.get(f"/preview/{cid}/{path}")
        assert answer.status_code == 200, path
        page = answer.get_data(as_text=True)
        assert "&lt;script&gt;alert(" in page, path
        assert SCRIPT not in page and IMAGE not in page, path
        assert "script-src 'self'" in answer.headers["Content-Security-Policy"]


def test_a_csv_with_formulas_is_refused(
    publisher: tuple[FlaskClient, str], tmp_path: Path, unchanged: None
) -> None:
    client, csrf = publisher

    def plant(table: list[list[str]]) -> None:
        set_cell(table, "2", "令和６年度取組状況", '=HYPERLINK("http://evil.example/","詳細")')
        set_cell(table, "5", "事業概要又は取組内容", "@SUM(1+1)*cmd|' /C calc'!A0")

    table = edited(FY2024, tmp_path / "dx-kpi-fy2024.csv", plant)
    page = _rejected(
        client,
        upload(client, csrf, table),
        "問題が 2 件あります",
        "列「令和６年度取組状況」",
        "列「事業概要又は取組内容」",
        "数式として実行されるおそれ",
        "would run as a formula",
        "事業No 2",
        "事業No 5",
    )
    assert 'id="row-3"' in page and 'href="#row-3"' in page  # each problem under its row


def test_a_lone_dash_and_a_negative_number_are_not_formulas(
    publisher: tuple[FlaskClient, str], tmp_path: Path
) -> None:
    from console.checking import formula_cells
    from converter.reader import read_table

    table = read_table(FY2024)
    assert list(formula_cells(table)) == []  # the real table has "-" and "‐" cells


def test_a_chunked_upload_is_refused(
    publisher: tuple[FlaskClient, str], place: Place, unchanged: None
) -> None:
    """granian ends a chunked body cut short as if it were whole; a table cut at a row
    boundary still reads as a table: a body must say its length (411)."""
    client, csrf = publisher
    answer = client.post(
        "/upload",
        data={"csrf_token": csrf, "table": (io.BytesIO(FY2024.read_bytes()), "x.csv")},
        headers={"Transfer-Encoding": "chunked"},
    )
    assert answer.status_code == 411
    assert "Content-Length" in answer.get_data(as_text=True)
    _nothing_kept(place)


@pytest.mark.slow
def test_a_100_mb_upload_to_the_served_console_is_refused(place: Place, tmp_path: Path) -> None:
    """The same through ``python -m console`` (granian) over real HTTP: 413 at once."""
    import re
    import time

    import requests

    from tests.console.live import live_console
    from tests.console.support import PASSWORDS
    from tests.support.timing import within

    before = snapshot(place.releases)
    with live_console(place.env(), tmp_path / "console.log") as console, requests.Session() as s:
        form = s.get(console.url + "/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form)[1]  # type: ignore[index]
        home = s.post(
            console.url + "/login",
            data={"csrf_token": token, "name": "alice", "password": PASSWORDS["alice"]},
        ).text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', home)[1]  # type: ignore[index]
        head = (
            b'--x\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
            + csrf.encode()
            + b'\r\n--x\r\nContent-Disposition: form-data; name="table"; filename="big.csv"'
            + b"\r\n\r\n"
        )
        body = head + b"0" * (100 * MIB) + b"\r\n--x--\r\n"
        started = time.monotonic()
        answer = s.post(
            console.url + "/upload",
            data=body,
            headers={"Content-Type": "multipart/form-data; boundary=x"},
            timeout=60,
        )
        took = time.monotonic() - started
    assert answer.status_code == 413, answer.text[:500]
    assert "ファイルが大きすぎます（上限 16 MiB）" in answer.text
    assert took < within(0.5)  # refused from its Content-Length, not after reading 100 MB
    _nothing_kept(place)
    assert snapshot(place.releases) == before
