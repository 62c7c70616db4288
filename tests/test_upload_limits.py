"""Every import refuses a file over its limits before reading it all, and lists at most 500 problems (issue 11.5).

The probe: an 863 KB XLSX of 1,000,000 lines held a worker for 98 s, grew it by almost 1 GB and answered with a
66 MB error page. These files are built by hand (a sheet XML zipped as a stream) so each one takes a second at most.
"""

from __future__ import annotations

import io
import threading
import time
import tracemalloc
import zipfile
from collections.abc import Iterable, Iterator

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from materiality import library_csv
from materiality import services as library_services
from materiality.models import IssueLibrary, Topic
from materiality.tables import Limits, TableError, read_csv, read_table, read_xlsx
from stakeholders.models import Stakeholder
from surveys import imports, responses_csv
from surveys.models import Response
from tests.conftest import client_for
from tests.scoring_helpers import make_questionnaires

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
PACKAGE = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
        '+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
        'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.worksheet+xml"/></Types>'),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
    "xl/workbook.xml": (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets>'
        '</workbook>'),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'),
}


def text_cell(value: str) -> str:
    return f'<c t="inlineStr"><is><t>{value}</t></is></c>'


def workbook(header: list[str], lines: Iterable[str], *, dimension: str = "") -> bytes:
    """Return an XLSX whose first sheet has the header and then the given <row> elements, zipped as a stream."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in PACKAGE.items():
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">{dimension}<sheetData>'
                        .encode())
            sheet.write(("<row>" + "".join(text_cell(h) for h in header) + "</row>").encode())
            block: list[str] = []
            for line in lines:
                block.append(line)
                if len(block) == 10_000:
                    sheet.write("".join(block).encode())
                    block = []
            sheet.write("".join(block).encode())
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def repeated(line: str, count: int) -> Iterator[str]:
    for _ in range(count):
        yield line


def million_rows(header: list[str]) -> bytes:
    """1,000,000 lines of one value each: what the probe sent, and well under 1 MB zipped."""
    return workbook(header, repeated("<row><c><v>1</v></c></row>", 1_000_000))


class Peak:
    """Measure the time, the peak of Python allocations (tracemalloc) and the peak resident size above the start.

    RSS is sampled every 5 ms by a thread: libxml2 and zlib allocate outside tracemalloc's sight.
    """

    def __enter__(self) -> Peak:
        self.start_rss = self.peak_rss = rss()
        self.running = True
        self.sampler = threading.Thread(target=self._sample, daemon=True)
        self.sampler.start()
        tracemalloc.start()
        self.started = time.perf_counter()
        return self

    def _sample(self) -> None:
        while self.running:
            self.peak_rss = max(self.peak_rss, rss())
            time.sleep(0.005)

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.started
        self.python_mb = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        self.running = False
        self.sampler.join()
        self.peak_rss = max(self.peak_rss, rss())
        self.rss_mb = (self.peak_rss - self.start_rss) / 2**20


def rss() -> int:
    with open("/proc/self/statm") as statm:
        import os

        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def assert_bounded(peak: Peak) -> None:
    print(f"refused in {peak.seconds:.2f} s; Python allocations peaked at {peak.python_mb:.1f} MB; "
          f"resident size grew by {peak.rss_mb:.1f} MB")
    assert peak.seconds < 5, f"took {peak.seconds:.1f} s"
    assert peak.python_mb < 100, f"Python allocations peaked at {peak.python_mb:.0f} MB"
    assert peak.rss_mb < 100, f"resident size grew by {peak.rss_mb:.0f} MB"


def warm_up(client, url: str) -> None:
    """Open the page and refuse a small file once first: a cold process imports modules and compiles templates, and
    under tracemalloc that alone takes seconds. The bound is on the upload, not on the process starting."""
    assert client.get(url).status_code == 200
    client.post(url, upload("small.xlsx", workbook(["code"], repeated("<row><c><v>1</v></c></row>", 10))))


def upload(name: str, content: bytes) -> dict[str, SimpleUploadedFile]:
    return {"file": SimpleUploadedFile(name, content)}


# --- the million-line workbook, on every upload page ------------------------------------------------------------

@pytest.fixture
def draft_2025(library_2024: IssueLibrary) -> IssueLibrary:
    return library_services.clone_library(library_2024)


@pytest.fixture
def ready(assessment):
    make_questionnaires(assessment)
    return assessment


def test_the_million_line_workbook_is_under_1_mb():
    assert len(million_rows(["code"])) < 1_000_000


def test_library_import_refuses_a_million_line_workbook_quickly(draft_2025, work_team_user):
    data = million_rows(["code", "pillar", "name_en"])
    client = client_for(work_team_user)
    warm_up(client, reverse("materiality:library_import", args=[2025]))
    before = Topic.objects.filter(library=draft_2025).count()
    with Peak() as peak:
        page = client.post(reverse("materiality:library_import", args=[2025]), upload("topics.xlsx", data))
    assert page.status_code == 200
    assert "more than 5,000 lines" in page.content.decode()
    assert len(page.content) < 50_000
    assert Topic.objects.filter(library=draft_2025).count() == before
    assert_bounded(peak)


def test_contact_import_refuses_a_million_line_workbook_quickly(library_2024, work_team_user):
    data = million_rows(["name", "email", "group"])
    client = client_for(work_team_user)
    warm_up(client, reverse("stakeholders:contact_import"))
    with Peak() as peak:
        page = client.post(reverse("stakeholders:contact_import"), upload("contacts.xlsx", data))
    assert page.status_code == 200
    assert "more than 50,000 lines" in page.content.decode()
    assert not Stakeholder.objects.exists()
    assert_bounded(peak)


def test_response_upload_refuses_a_million_line_workbook_quickly(ready, work_team_user):
    data = million_rows(["respondent", "group", "topic", "severity"])
    client = client_for(work_team_user)
    warm_up(client, reverse("materiality:import_responses", args=[ready.slug]))
    with Peak() as peak:
        page = client.post(reverse("materiality:import_responses", args=[ready.slug]), upload("answers.xlsx", data))
    assert page.status_code == 200
    assert "more than 700,000 lines" in page.content.decode()
    assert not Response.objects.exists()
    assert_bounded(peak)


def test_refusal_is_worded_in_chinese(draft_2025, work_team_user):
    client = client_for(work_team_user)
    client.cookies["django_language"] = "zh-hans"
    page = client.post(reverse("materiality:library_import", args=[2025]),
                       upload("topics.xlsx", million_rows(["code", "pillar", "name_en"])))
    assert "超过 5,000 行" in page.content.decode()


def test_refusal_of_a_response_upload_is_worded_in_chinese(ready, work_team_user):
    client = client_for(work_team_user)
    client.cookies["django_language"] = "zh-hans"
    page = client.post(reverse("materiality:import_responses", args=[ready.slug]),
                       upload("answers.xlsx", million_rows(["respondent", "group", "topic"])))
    assert "超过 700,000 行" in page.content.decode()


# --- each limit, in the shared reader --------------------------------------------------------------------------

SMALL = Limits(rows=100, columns=5, cells=300, unpacked_bytes=1024 * 1024)


def refusal(read, *args: object) -> str:
    with pytest.raises(TableError) as exc:
        read(*args)
    return str(exc.value)


def test_csv_over_the_line_limit_is_refused():
    data = ("a,b\n" + "1,2\n" * 101).encode()
    assert "more than 100 lines" in refusal(read_csv, data, SMALL)
    assert len(read_csv(("a,b\n" + "1,2\n" * 100).encode(), SMALL).rows) == 100


def test_csv_line_over_the_column_limit_is_refused():
    assert "more than 5 values" in refusal(read_csv, b"a,b\n1,2,3,4,5,6\n", SMALL)
    assert read_csv(b"a,b\n1,2,3,4,5,,,,\n", SMALL).rows[0].has_extra_cells  # trailing empty cells are no values


def test_csv_over_the_cell_limit_is_refused():
    assert "more than 300 cells" in refusal(read_csv, ("a,b,c,d\n" + "1,2,3,4\n" * 80).encode(), SMALL)


def test_csv_over_the_size_limit_is_refused():
    assert "more than 1 MB" in refusal(read_csv, b"a\n" + b"x" * 1024 * 1024, SMALL)


def test_workbook_over_the_line_limit_is_refused():
    data = workbook(["a"], repeated("<row><c><v>1</v></c></row>", 101))
    assert "more than 100 lines" in refusal(read_xlsx, data, SMALL)
    assert len(read_xlsx(workbook(["a"], repeated("<row><c><v>1</v></c></row>", 100)), SMALL).rows) == 100


def test_workbook_that_skips_to_line_a_million_is_refused_without_reading_the_gap():
    """openpyxl fills in the lines a sheet skips: two <row> tags can make a million lines."""
    data = workbook(["a"], ['<row r="1000000"><c r="A1000000"><v>1</v></c></row>'])
    started = time.perf_counter()
    assert "more than 100 lines" in refusal(read_xlsx, data, SMALL)
    assert time.perf_counter() - started < 1


def test_workbook_cell_beyond_the_column_limit_is_refused():
    data = workbook(["a"], ['<row r="2"><c r="A2"><v>1</v></c><c r="AZ2"><v>2</v></c></row>'])
    assert "more than 5 values" in refusal(read_xlsx, data, SMALL)
    assert "more than 5 values" in refusal(read_xlsx, workbook(["a"], ["<row>" + "<c><v>1</v></c>" * 6 + "</row>"]),
                                           SMALL)


def test_workbook_declaring_a_huge_size_is_not_padded_to_it():
    """A dimension of A1:XFD1048576 would make openpyxl pad every line to 16,384 cells."""
    data = workbook(["a", "b"], ["<row><c><v>1</v></c><c><v>2</v></c></row>"] * 50,
                    dimension='<dimension ref="A1:XFD1048576"/>')
    table = read_xlsx(data, SMALL)
    assert table.header == ["a", "b"] and len(table.rows) == 50


def test_workbook_over_the_cell_limit_is_refused():
    data = workbook(["a"], repeated("<row>" + "<c><v>1</v></c>" * 5 + "</row>", 70))
    assert "more than 300 cells" in refusal(read_xlsx, data, SMALL)


def test_workbook_that_unpacks_over_the_size_limit_is_refused():
    data = workbook(["a"], repeated("<row><c><v>1</v></c></row>", 50_000))  # 1.3 MB unpacked, 2 KB zipped
    assert len(data) < 5_000
    assert "more than 1 MB" in refusal(read_xlsx, data, Limits(rows=100_000, columns=5, cells=100_000,
                                                              unpacked_bytes=1024 * 1024))


def test_shared_strings_over_the_cell_limit_are_refused_before_openpyxl_loads_them():
    buffer = io.BytesIO(workbook(["a"], []))
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr("xl/sharedStrings.xml", f'<sst xmlns="{MAIN}">' + "<si><t>x</t></si>" * 301 + "</sst>")
    assert "more than 300 cells" in refusal(read_xlsx, buffer.getvalue(), SMALL)


def test_read_table_takes_the_importers_limits():
    assert library_csv.LIMITS.rows == 5_000
    assert "more than 100 lines" in refusal(read_table, ("a\n" + "1\n" * 101).encode(), "x.csv", SMALL)


# --- the response file (web and command) -----------------------------------------------------------------------

RESPONSES_HEADER = "respondent,group,topic,severity,likelihood,magnitude,financial_likelihood,horizon,comment\n"


def test_response_csv_over_the_upload_limit_is_refused_before_any_line_is_read(ready):
    data = (RESPONSES_HEADER + "r-1,customers,E01,4,3,,,,\n" * 700_001).encode()
    with Peak() as peak, pytest.raises(library_services.ImportRefused) as exc:
        imports.import_responses(ready, data, "answers.csv")
    assert exc.value.errors == ["The file has more than 700,000 lines, the most one import reads. Split it into "
                                "smaller files."]
    assert peak.seconds < 5
    assert not Response.objects.exists()


def test_response_csv_line_count_does_not_count_line_breaks_inside_a_comment():
    small = Limits(rows=3, columns=50, cells=500, unpacked_bytes=10_000)
    data = (RESPONSES_HEADER + 'r-1,customers,E01,4,3,,,,"one\ntwo\nthree"\nr-2,customers,E01,4,3,,,,\n').encode()
    responses_csv.check_limits(io.BytesIO(data), "a.csv", small)  # 6 line breaks, 3 records
    with pytest.raises(responses_csv.FileError) as exc:
        responses_csv.check_limits(io.BytesIO(data + b"r-3,customers,E01,4,3,,,,\n" * 2), "a.csv", small)
    assert exc.value.code == "too_many_rows"


def test_response_workbook_with_too_wide_a_line_is_refused(ready):
    data = workbook(["respondent", "group", "topic"],
                    ['<row r="2"><c r="A2" t="inlineStr"><is><t>r-1</t></is></c><c r="BZ2"><v>1</v></c></row>'])
    with pytest.raises(library_services.ImportRefused) as exc:
        imports.import_responses(ready, data, "answers.xlsx")
    assert exc.value.errors == ["A line of the file has more than 50 values, the most one import reads."]


def test_import_responses_command_refuses_a_file_over_its_limits(ready, tmp_path):
    path = tmp_path / "answers.xlsx"
    path.write_bytes(workbook(["respondent", "group", "topic"],
                              ['<row r="2"><c r="CA2"><v>1</v></c></row>']))
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_responses", ready.slug, str(path))
    assert not Response.objects.exists()


def test_import_responses_command_takes_more_lines_than_the_web(ready, tmp_path):
    """The command reads up to 5,000,000 lines: a file the page refuses goes through it."""
    assert responses_csv.COMMAND_LIMITS.rows > responses_csv.UPLOAD_LIMITS.rows
    path = tmp_path / "answers.csv"
    path.write_bytes((RESPONSES_HEADER + "r-1,customers,E01,4,3,,,,\n").encode())
    small = Limits(rows=0, columns=50, cells=50, unpacked_bytes=10_000)
    with pytest.raises(responses_csv.FileError):
        responses_csv.check_limits(io.BytesIO(path.read_bytes()), "answers.csv", small)
    call_command("import_responses", ready.slug, str(path))
    assert Response.objects.count() == 1


# --- at most 500 problems listed, then a count -----------------------------------------------------------------

def test_library_import_lists_500_problems_then_counts_the_rest(draft_2025, work_team_user):
    data = ("code,pillar,name_en\n" + "E99,X,Bad pillar\n" * 620).encode()
    page = client_for(work_team_user).post(reverse("materiality:library_import", args=[2025]),
                                           upload("topics.csv", data)).content.decode()
    assert page.count("must be E, S or G") == 500
    assert "… and 120 more problems." in page


def test_contact_import_lists_500_problems_then_counts_the_rest(library_2024, work_team_user):
    data = ("name,email,group\n" + "Someone,not-an-address,customers\n" * 700).encode()
    page = client_for(work_team_user).post(reverse("stakeholders:contact_import"),
                                           upload("contacts.csv", data)).content.decode()
    assert page.count("is not valid") == 500
    assert "… and 200 more problems." in page
    assert not Stakeholder.objects.exists()


def test_response_import_lists_500_problems_then_counts_the_rest(ready, work_team_user):
    data = (RESPONSES_HEADER + "r-1,nobody,E01,4,3,,,,\n" * 650).encode()
    page = client_for(work_team_user).post(reverse("materiality:import_responses", args=[ready.slug]),
                                           upload("answers.csv", data)).content.decode()
    assert page.count("is not a respondent group") == 500
    assert "and 150 more errors" in page
