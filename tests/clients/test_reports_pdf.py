"""The hardened WeasyPrint renderer: only our static files load, and each render is bounded in
time and memory in a child process that cannot take the worker down."""

import io
import os

import pypdf
import pytest

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
        def greedy(html, target):
            blocks = [bytearray(16 * 1024 * 1024) for _ in range(32)]  # 512 MB
            return len(blocks)

        monkeypatch.setattr(pdf, "_write_pdf", greedy)  # the forked child runs it
        with pytest.raises(pdf.RenderTooLarge):
            pdf.render_pdf("<p>x</p>", tmp_path / "out.pdf", seconds=30, memory_mb=64)

    def test_the_same_allocation_fits_a_larger_budget(self, tmp_path, monkeypatch):
        def greedy(html, target):
            blocks = [bytearray(16 * 1024 * 1024) for _ in range(4)]  # 64 MB
            target.write_bytes(b"%PDF-1.7 test")
            return len(blocks)

        monkeypatch.setattr(pdf, "_write_pdf", greedy)
        assert pdf.render_pdf("<p>x</p>", tmp_path / "out.pdf", seconds=30, memory_mb=256) == 4

    def test_a_crashing_renderer_is_a_failed_render_not_a_dead_worker(self, tmp_path, monkeypatch):
        monkeypatch.setattr(pdf, "_write_pdf", lambda html, target: os.abort())
        with pytest.raises(pdf.RenderError) as raised:
            pdf.render_pdf("<p>x</p>", tmp_path / "out.pdf", seconds=30, memory_mb=64)
        assert raised.value.detail == "renderer stopped by signal 6"
        assert "could not be laid out" in raised.value.message
        # And this process carries on rendering.
        monkeypatch.undo()
        assert pdf.render_pdf("<p>fine</p>", tmp_path / "b.pdf", seconds=30, memory_mb=512) == 1

    def test_a_failed_render_names_only_the_error_class(self, tmp_path, monkeypatch):
        def broken(html, target):
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
