"""Evidence file names (issue 15, finding 2): whatever the uploader called a file, it is saved, downloaded and
packed under a safe name ending in the extension of the type detected from its content."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.domain.evidence import EVIDENCE_EXTENSIONS, evidence_file_name


@pytest.mark.parametrize("original, content_type, expected", [
    ("../../evil.html", "image/jpeg", "evil.jpg"),
    ("..\\..\\evil.html", "image/jpeg", "evil.jpg"),
    ("shelf tag.JPG", "image/jpeg", "shelf_tag.jpg"),
    ("invoice.pdf.exe", "application/pdf", "invoice_pdf.pdf"),
    ("价签.png", "image/png", "价签.png"),
    ("photo", "image/webp", "photo.webp"),
    (".htaccess", "image/gif", "htaccess.gif"),
    ("", "image/png", "evidence.png"),
    (None, "image/png", "evidence.png"),
    ("...", "application/pdf", "evidence.pdf"),
    ("gpj.\u202eevil.html", "image/jpeg", "gpj_evil.jpg"),  # a right-to-left override cannot disguise it
])
def test_the_name_ends_in_the_detected_type(original, content_type, expected):
    assert evidence_file_name(original, content_type) == expected


def test_only_evidence_types_have_a_name():
    with pytest.raises(ValueError):
        evidence_file_name("page.html", "text/html")


@given(st.text(max_size=300), st.sampled_from(sorted(EVIDENCE_EXTENSIONS)))
def test_any_name_is_safe(original, content_type):
    name = evidence_file_name(original, content_type)
    stem, extension = name.rsplit(".", 1)
    assert extension == EVIDENCE_EXTENSIONS[content_type]
    assert stem and "." not in stem and "/" not in stem and "\\" not in stem
    assert all(ch.isalnum() or ch in "_-" for ch in stem) and len(stem) <= 100
