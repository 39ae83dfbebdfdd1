"""The screenshot routine of docs/screenshots/take_screenshots.py works against a live server:
it logs in through the real form, loads a shot's page and writes a small, valid PNG."""

import io

import pytest
from PIL import Image

from tests.core.test_user_guides import load_script
from tests.e2e.conftest import E2E_DB
from tests.factories import UserFactory
from tests.factories.accounts import PASSWORD

pytestmark = [pytest.mark.e2e, E2E_DB]


def assert_valid_png(path, script):
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(data))
    image.verify()
    image = Image.open(io.BytesIO(data))
    assert image.width == script.MAX_WIDTH and image.height > 300
    assert image.mode == "P"  # palette: a small file
    assert len(data) < 200 * 1024
    return image


def test_shots_of_a_visitor_and_a_member_are_taken(browser, live_server, tmp_path):
    script = load_script()
    shots = {shot.name: shot for shot in script.SHOTS}
    member = UserFactory(display_name="Marie Démo", organisation="Mission locale de Lyon")

    visitor = script.new_context(browser, live_server.url)
    signup = script.shoot(visitor.new_page(), shots["inscription"], tmp_path)
    visitor.close()

    context = script.new_context(browser, live_server.url)
    script.login(context, member.email, PASSWORD)
    dashboard = script.shoot(context.new_page(), shots["mon-espace"], tmp_path)
    context.close()

    assert [path.name for path in sorted(tmp_path.iterdir())] == ["inscription.png", "mon-espace.png"]
    assert_valid_png(signup, script)
    image = assert_valid_png(dashboard, script)
    assert len(image.getcolors(256)) > 8  # a page was drawn, not a blank screen


def test_a_shot_that_answers_an_error_fails(browser, live_server, tmp_path):
    script = load_script()
    broken = script.Shot("page-absente", "visiteur", "/ressources/cette-page-n-existe-pas/", "Une page absente")
    context = script.new_context(browser, live_server.url)
    with pytest.raises(RuntimeError, match="404"):
        script.shoot(context.new_page(), broken, tmp_path)
    context.close()
    assert not list(tmp_path.iterdir())
