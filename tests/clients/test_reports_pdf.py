"""The hardened WeasyPrint renderer: only our static files load, and each render is bounded in
time and memory in a child process that cannot take the worker down."""

import base64
import gc
import io
import os
import shutil
import subprocess
import time

import pypdf
import pytest
import weasyprint
import weasyprint.svg

from clients.reports import pdf

STATIC = pdf.BASE_URL + "static/"


class TestFetcher:
    @pytest.mark.parametrize(
        "url",
        [
            "file:///etc/passwd",
            "FILE:///etc/hostname",
            "http://127.0.0.1:8000/static/css/attune.css",
            "https://example.org/tracker.png",
            "ftp://example.org/x",
            STATIC + "../../../etc/passwd",
            STATIC + "css/../../practice/settings.py",
            STATIC + "%2e%2e/%2e%2e/practice/settings.py",
            STATIC + "css/attune.css?x=1",
            STATIC + "/etc/passwd",
            STATIC + "css/missing.css",
            pdf.BASE_URL + "media/reports/1/2/3.pdf",
            "https://attune.invalid.example.org/static/css/attune.css",
        ],
    )
    def test_refuses_everything_but_our_static_files(self, url):
        fetcher = pdf.static_only_fetcher()
        with pytest.raises(ValueError):
            fetcher.fetch(url)
        assert url[:200] in fetcher.refused or url.lower().startswith(("http:", "ftp:"))

    def test_serves_our_stylesheet_from_disk(self):
        response = pdf.static_only_fetcher().fetch(STATIC + "css/attune.css")
        body = response.read()
        response.close()
        assert response.content_type == "text/css"
        assert b"--accent" in body

    def test_serves_data_uris(self):
        response = pdf.static_only_fetcher().fetch("data:text/plain;base64,aGVsbG8=")
        assert response.read() == b"hello"
        response.close()

    def test_a_document_cannot_pull_in_a_local_file(self, tmp_path):
        secret = tmp_path / "secret.txt"
        secret.write_text("TOP-SECRET-LINE")
        html = (
            f'<link rel="stylesheet" href="file://{secret}">'
            f'<p>Visible</p><object data="file://{secret}"></object>'
            f'<img src="file://{secret}" alt=""><iframe src="file://{secret}"></iframe>'
        )
        target = tmp_path / "out.pdf"
        pdf.render_pdf(html, target, seconds=30, memory_mb=512)
        text = pypdf.PdfReader(io.BytesIO(target.read_bytes())).pages[0].extract_text()
        assert "Visible" in text
        assert "TOP-SECRET" not in text


class TestBoundedRender:
    def test_writes_a_pdf_and_counts_its_pages(self, tmp_path):
        target = tmp_path / "out.pdf"
        html = "<p>One</p><p style='break-before: page'>Two</p>"
        assert pdf.render_pdf(html, target, seconds=30, memory_mb=512) == 2
        assert target.read_bytes().startswith(b"%PDF-")

    def test_presentational_hints_are_off(self, tmp_path):
        # With hints on, <font color> and <table bgcolor> would style the document.
        target = tmp_path / "out.pdf"
        html = '<p><font size="7">Big</font></p>'
        pdf.render_pdf(html, target, seconds=30, memory_mb=512)
        on = tmp_path / "on.pdf"
        import weasyprint

        weasyprint.HTML(string=html).write_pdf(on, presentational_hints=True)
        assert target.read_bytes() != on.read_bytes()

    def test_a_render_that_takes_too_long_is_stopped(self, tmp_path):
        huge = "<table>" + "<tr><td>cell</td><td>cell</td></tr>" * 60_000 + "</table>"
        target = tmp_path / "out.pdf"
        with pytest.raises(pdf.RenderTooSlow):
            pdf.render_pdf(huge, target, seconds=0.5, memory_mb=2048)

    def test_a_render_that_needs_too_much_memory_is_stopped(self, tmp_path, monkeypatch):
        def greedy(html, target, font_config=None):
            blocks = [bytearray(16 * 1024 * 1024) for _ in range(32)]  # 512 MB
            return len(blocks)

        monkeypatch.setattr(pdf, "_write_pdf", greedy)  # the forked child runs it
        with pytest.raises(pdf.RenderTooLarge):
            pdf.render_pdf("<p>x</p>", tmp_path / "out.pdf", seconds=30, memory_mb=64)

    def test_the_same_allocation_fits_a_larger_budget(self, tmp_path, monkeypatch):
        def greedy(html, target, font_config=None):
            blocks = [bytearray(16 * 1024 * 1024) for _ in range(4)]  # 64 MB
            target.write_bytes(b"%PDF-1.7 test")
            return len(blocks)

        monkeypatch.setattr(pdf, "_write_pdf", greedy)
        assert pdf.render_pdf("<p>x</p>", tmp_path / "out.pdf", seconds=30, memory_mb=256) == 4

    def test_a_crashing_renderer_is_a_failed_render_not_a_dead_worker(self, tmp_path, monkeypatch):
        monkeypatch.setattr(pdf, "_write_pdf", lambda html, target, font_config=None: os.abort())
        with pytest.raises(pdf.RenderError) as raised:
            pdf.render_pdf("<p>x</p>", tmp_path / "out.pdf", seconds=30, memory_mb=64)
        assert raised.value.detail == "renderer stopped by signal 6"
        assert "could not be laid out" in raised.value.message
        # And this process carries on rendering.
        monkeypatch.undo()
        assert pdf.render_pdf("<p>fine</p>", tmp_path / "b.pdf", seconds=30, memory_mb=512) == 1

    def test_a_failed_render_names_only_the_error_class(self, tmp_path, monkeypatch):
        def broken(html, target, font_config=None):
            raise ValueError("Erin Fictional said something private")

        monkeypatch.setattr(pdf, "_write_pdf", broken)
        with pytest.raises(pdf.RenderError) as raised:
            pdf.render_pdf("<p>x</p>", tmp_path / "out.pdf", seconds=30, memory_mb=64)
        assert raised.value.detail == "ValueError"

    def test_an_interrupted_wait_kills_the_child(self, tmp_path, monkeypatch):
        """The task's soft time limit raises while the parent waits: the child must not linger."""
        children = []
        real_fork = os.fork

        def fork():
            pid = real_fork()
            if pid:
                children.append(pid)
            return pid

        class SoftLimit(Exception):
            pass

        def interrupted(pid, pipe, seconds):
            raise SoftLimit()

        monkeypatch.setattr(pdf.os, "fork", fork)
        monkeypatch.setattr(pdf, "_wait", interrupted)
        with pytest.raises(SoftLimit):
            pdf.render_pdf("<p>x</p>", tmp_path / "c.pdf", seconds=30, memory_mb=512)
        [pid] = children
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # already reaped: killed and waited for

    def test_the_child_leaves_what_it_inherited_out_of_its_garbage_collector(
        self, tmp_path, monkeypatch
    ):
        """A full collection in the child would otherwise walk every object of the worker."""
        inherited = [[] for _ in range(1000)]  # tracked by the collector, as the worker's are

        def report_collector(html, target, font_config=None):
            frozen = gc.get_freeze_count()
            gc.collect()  # the render's own garbage is still collected
            target.write_bytes(b"%PDF-1.7 " + str(frozen).encode())
            return 1

        monkeypatch.setattr(pdf, "_write_pdf", report_collector)
        target = tmp_path / "out.pdf"
        pdf.render_pdf("<p>x</p>", target, seconds=30, memory_mb=256)
        frozen = int(target.read_bytes().split()[-1])
        assert frozen >= len(inherited)
        # Only the child froze them: the worker still collects its own garbage.
        assert gc.get_freeze_count() == 0

    def test_the_child_lays_out_with_the_fonts_this_process_warmed(self, tmp_path, monkeypatch):
        """Not a new font configuration per render (WeasyPrint's default), which finds and
        measures every font again: the one ``warm_up`` filled, inherited by the child."""
        pdf.warm_up()

        def report_fonts(html, target, font_config=None):
            shared = font_config is not None and font_config is pdf.shared_fonts()
            target.write_bytes(b"%PDF-1.7 " + str(shared).encode())
            return 1

        monkeypatch.setattr(pdf, "_write_pdf", report_fonts)
        target = tmp_path / "out.pdf"
        pdf.render_pdf("<p>x</p>", target, seconds=30, memory_mb=256)
        assert target.read_bytes().split()[-1] == b"True"

    def test_the_parent_goes_on_while_a_finished_child_exits(self, tmp_path, monkeypatch):
        """Releasing a render child's memory takes milliseconds the caller need not wait for
        once the file is written; the child is reaped later, never left behind."""
        real_exit = os._exit

        def slow_exit(code):
            time.sleep(2)
            real_exit(code)

        monkeypatch.setattr(pdf.os, "_exit", slow_exit)  # the forked child runs it
        target = tmp_path / "out.pdf"
        started = time.monotonic()
        assert pdf.render_pdf("<p>x</p>", target, seconds=30, memory_mb=512) == 1
        elapsed = time.monotonic() - started
        monkeypatch.undo()
        assert elapsed < 1.5
        assert target.read_bytes().startswith(b"%PDF-")
        pid = pdf._exiting[-1]
        _, status = os.waitpid(pid, 0)
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
        pdf._reap_exited()
        assert pid not in pdf._exiting

    def test_a_failed_child_is_still_waited_for(self, tmp_path, monkeypatch):
        monkeypatch.setattr(pdf, "_write_pdf", lambda html, target, font_config=None: 1 / 0)
        exiting = list(pdf._exiting)
        with pytest.raises(pdf.RenderError):
            pdf.render_pdf("<p>x</p>", tmp_path / "out.pdf", seconds=30, memory_mb=512)
        assert pdf._exiting == [pid for pid in exiting if pid in pdf._exiting]


# Chart labels as our charts write them: anchored at their start, middle and end, plus one
# placed letter by letter (which must stay so).
LABELS_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="100" viewBox="0 0 300 100" '
    'font-family="Liberation Sans">'
    '<text x="20" y="30" font-size="12">Secure</text>'
    '<text x="150" y="60" font-size="12" text-anchor="middle">Notes 12</text>'
    '<text x="280" y="90" font-size="12" font-weight="bold" text-anchor="end">Fearful</text>'
    '<text x="20 40 60" y="90" font-size="12">xyz</text></svg>'
)
LABELS_HTML = (
    f'<img src="data:image/svg+xml;base64,{base64.b64encode(LABELS_SVG.encode()).decode()}" '
    'style="width: 300px">'
)


def text_operators(path) -> int:
    """Text-showing operators (Tj, TJ) in the page's drawings, the SVG's included."""
    page = pypdf.PdfReader(path).pages[0]
    streams = [page.get_contents().get_data()]
    pending = [page["/Resources"]]
    while pending:
        objects = pending.pop().get("/XObject") or {}
        for reference in objects.values():
            xobject = reference.get_object()
            streams.append(xobject.get_data())
            if "/Resources" in xobject:
                pending.append(xobject["/Resources"])
    return sum(data.count(b" Tj") + data.count(b" TJ") for data in streams)


def word_boxes(path) -> dict[str, tuple[float, float]]:
    """Each word's left and right edge on the page, as poppler reads them."""
    out = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    boxes = {}
    for line in out.splitlines():
        if line.strip().startswith("<word "):
            attrs = dict(part.split("=", 1) for part in line.split(">")[0].split()[1:])
            word = line.split(">", 1)[1].split("<", 1)[0]
            boxes[word] = (float(attrs["xMin"].strip('"')), float(attrs["xMax"].strip('"')))
    return boxes


class TestChartLabels:
    """WeasyPrint draws SVG text letter by letter; ``svg_text_in_runs`` has it draw each label
    whole (issue 17), where each label was."""

    def test_the_installed_weasyprint_is_a_checked_release(self):
        assert weasyprint.__version__ in pdf.SVG_TEXT_CHECKED_VERSIONS, (
            "WeasyPrint was upgraded: check that clients.reports.pdf.svg_text_in_runs still "
            "fits its SVG text drawing (or drop it if the release draws labels whole), then "
            "add the version to SVG_TEXT_CHECKED_VERSIONS"
        )
        assert pdf.svg_text_in_runs() is True

    def test_a_label_is_drawn_whole_and_read_back(self, tmp_path):
        target = tmp_path / "labels.pdf"
        pdf._write_pdf(LABELS_HTML, target)
        text = " ".join(pypdf.PdfReader(target).pages[0].extract_text().split())
        assert "Secure" in text and "Notes 12" in text and "Fearful" in text
        # Three labels in one piece each; the letters placed one by one keep their 3.
        assert text_operators(target) == 3 + 3

    @pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
    def test_labels_sit_where_they_did_letter_by_letter(self, tmp_path, monkeypatch):
        runs = tmp_path / "runs.pdf"
        pdf._write_pdf(LABELS_HTML, runs)
        in_runs = weasyprint.svg.text
        monkeypatch.setattr(weasyprint.svg, "text", in_runs.__wrapped__)
        for tag, draw in weasyprint.svg.TAGS.items():
            if draw is in_runs:
                monkeypatch.setitem(weasyprint.svg.TAGS, tag, in_runs.__wrapped__)
        letters = tmp_path / "letters.pdf"
        pdf._write_pdf(LABELS_HTML, letters)
        assert text_operators(letters) > text_operators(runs)
        before, after = word_boxes(letters), word_boxes(runs)
        assert set(before) == set(after) >= {"Secure", "Notes", "12", "Fearful"}
        for word, (left, right) in before.items():
            # Kerning inside a label may move its far edge by a fraction of a point.
            assert after[word][0] == pytest.approx(left, abs=0.75), word
            assert after[word][1] == pytest.approx(right, abs=0.75), word
