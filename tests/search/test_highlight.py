"""Snippets and highlighted titles: French forms marked, everything else escaped."""

from search.highlight import highlight_text, snippet
from search.query import parse


def stems(q):
    return parse(q).positive_stems


def test_marks_french_forms_and_escapes_the_rest():
    html = snippet("Les <b>conseillères</b> & l'entretien d'évaluation", stems("conseiller evaluation entretien"))
    assert html == ("Les &lt;b&gt;<mark>conseillères</mark>&lt;/b&gt; &amp; l&#x27;<mark>entretien</mark> "
                    "d&#x27;<mark>évaluation</mark>")


def test_picks_the_window_with_the_query_words():
    text = " ".join(["remplissage"] * 100) + " le jury de VAE valide " + " ".join(["suite"] * 100)
    html = snippet(text, stems("jury vae"))
    assert html.startswith("… ") and html.endswith(" …")
    assert "<mark>jury</mark> de <mark>VAE</mark>" in html
    assert len(html) < 400


def test_no_match_gives_the_beginning_and_titles_are_marked():
    assert snippet("Un texte sans rapport.", stems("vae")) == "Un texte sans rapport."
    assert highlight_text("Financer la VAE <script>", stems("vae")) == "Financer la <mark>VAE</mark> &lt;script&gt;"


def test_a_long_discussion_is_searched_for_its_snippet_in_its_first_characters_only():
    from search.highlight import SNIPPET_SCAN_CHARS

    filler = "Le conseiller reçoit la personne pour un premier entretien. " * 400
    assert len(filler) > SNIPPET_SCAN_CHARS
    early = snippet("Bilan de compétences proposé. " + filler, {"bilan"})
    assert "<mark>Bilan</mark>" in early and early.endswith(" …")
    late = snippet(filler + " Une validation des acquis à la fin.", {"validation"})
    assert "<mark>" not in late and late.endswith(" …")  # beyond the scanned part: the beginning, cut
    assert len(late) < 400
