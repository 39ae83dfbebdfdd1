"""The e-mail change page's labels: French spacing before the colon in French (a non-breaking space:
« E-mail actuel : », never « E-mail actuel: »), English punctuation in English."""

import re

import pytest

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"

def labels(html: str) -> list[str]:
    return [" ".join(text.split(" ")).strip() for text in re.findall(r"(?s)<label for=\"[^\"]+\">(.*?)</label>", html)]


def test_the_labels_have_a_non_breaking_space_before_the_colon_in_french(client, member):
    client.force_login(member)
    html = client.get("/comptes/email/").content.decode()
    assert [label.strip() for label in labels(html)] == [f"E-mail actuel{NBSP}:", f"Changer pour{NBSP}:"]
    assert not re.search(r"\w:\s*</label>", html)


def test_the_labels_read_as_english_in_english(client, member):
    client.force_login(member)
    client.post("/langue/", {"language": "en", "next": "/"})
    html = client.get("/comptes/email/").content.decode()
    assert [label.strip() for label in labels(html)] == ["Current email:", "Change to:"]
