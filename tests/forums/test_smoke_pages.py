import pytest

from forums import services
from tests.factories.forums import make_thread

pytestmark = pytest.mark.django_db


def test_pages_render(client, member, moderator, space):
    thread = make_thread(space=space, replies=3)
    for user in (member, moderator):
        client.force_login(user)
        for url in ("/echanges/", space.get_absolute_url(), thread.get_absolute_url(),
                    f"/echanges/{space.slug}/poser-une-question/"):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
    post = thread.posts.last()
    services.hide_post(post=post, moderator=moderator, reason="test")
    assert client.get(thread.get_absolute_url()).status_code == 200
