"""The user guides (docs/guide-membre.md, docs/guide-animateur.md) and the screenshot script
(docs/screenshots/take_screenshots.py) stay in step: every image a guide shows is produced by
the script and exists; every shot of the script is shown by the guide it is meant for."""

import importlib.util
import re
import sys
from pathlib import Path

import pytest
from django.conf import settings

DOCS = Path(settings.BASE_DIR) / "docs"
GUIDES = {"membre": DOCS / "guide-membre.md", "animateur": DOCS / "guide-animateur.md"}
IMAGE = re.compile(r"!\[(?P<alt>[^\]]*)\]\((?P<src>[^)\s]+)\)")


def load_script():
    """docs/ is not a Python package: load the script by path (its import has no side effect)."""
    if "take_screenshots" not in sys.modules:
        spec = importlib.util.spec_from_file_location("take_screenshots", DOCS / "screenshots" / "take_screenshots.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["take_screenshots"] = module
        spec.loader.exec_module(module)
    return sys.modules["take_screenshots"]


def images_of(guide: Path) -> list[tuple[str, str]]:
    return [(m["alt"], m["src"]) for m in IMAGE.finditer(guide.read_text(encoding="utf-8"))]


def test_every_image_of_the_guides_is_a_shot_of_the_script_and_exists():
    shots = {shot.name: shot for shot in load_script().SHOTS}
    for guide_key, guide in GUIDES.items():
        images = images_of(guide)
        assert images, f"{guide.name} shows no screenshot"
        for alt, src in images:
            assert src.startswith("img/") and src.endswith(".png"), f"{guide.name}: {src} is not under docs/img/"
            name = src.removeprefix("img/").removesuffix(".png")
            assert name in shots, f"{guide.name}: {src} is not produced by take_screenshots.py (add a Shot)"
            assert shots[name].guide == guide_key, f"{src} is a shot for guide-{shots[name].guide}.md"
            assert (DOCS / src).is_file(), f"{src} is missing: run `make screenshots`"
            assert alt == shots[name].caption, f"{guide.name}: the alternative text of {src} is the shot's caption"


def test_every_shot_is_shown_by_its_guide_and_no_stray_image():
    script = load_script()
    names = [shot.name for shot in script.SHOTS]
    assert len(names) == len(set(names)), "two shots share a name"
    for shot in script.SHOTS:
        assert len(shot.caption) >= 20, f"{shot.name}: the caption is the image's alternative text, say what it shows"
        assert shot.account in script.ACCOUNTS, f"{shot.name}: unknown account {shot.account}"
        assert shot.url.startswith("/"), shot.name
        shown = {src for _alt, src in images_of(GUIDES[shot.guide])}
        assert f"img/{shot.name}.png" in shown, f"{shot.name} is taken but guide-{shot.guide}.md does not show it"
    on_disk = {path.stem for path in (DOCS / "img").glob("*.png")}
    assert on_disk <= set(names), f"images nobody produces any more: {sorted(on_disk - set(names))}"


def test_the_screenshots_stay_small():
    sizes = {path.name: path.stat().st_size for path in (DOCS / "img").glob("*.png")}
    assert sum(sizes.values()) < 3 * 1024 * 1024, sizes
    assert max(sizes.values()) < 200 * 1024, max(sizes, key=sizes.get)


@pytest.mark.parametrize("target", ["link:Citer", "button:Publier|1", "button:=Chercher", "label:Votre message",
                                    "text:Modération|-1", "#id_title", "[role=tab]|-1"])
def test_step_targets_are_understood(target):
    """The shot list uses a small target syntax; a typo must not silently select nothing."""
    script = load_script()

    class FakeLocator:
        def __init__(self, how):
            self.how = how

        def nth(self, index):
            return (self.how, index)

    class FakePage:
        def get_by_role(self, role, name, exact):
            return FakeLocator(("role", role, name, exact))

        def get_by_label(self, name, exact):
            return FakeLocator(("label", name, exact))

        def get_by_text(self, text, exact):
            return FakeLocator(("text", text, exact))

        def locator(self, selector):
            return FakeLocator(("css", selector))

    how, index = script.locate(FakePage(), target)
    expected = {"link": "role", "button": "role", "label": "label", "text": "text"}.get(target.split(":")[0], "css")
    assert how[0] == expected
    if expected != "css":
        assert how[-1] is (":=" in target)  # exact name only when asked
        assert not how[-2].startswith("=") and "|" not in how[-2]
    assert index == (int(target.rpartition("|")[2]) if "|" in target else 0)
