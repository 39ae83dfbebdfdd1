"""Hostile input on the library's GET parameters and the proposal form: never a 500,
nothing stored on error."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resources.models import ResourceProposal

pytestmark = pytest.mark.django_db

params = st.dictionaries(
    st.sampled_from(["type", "theme", "public", "niveau", "operateur", "region", "tri", "page", "q", "x"]),
    st.lists(st.text(max_size=120), max_size=4),
    max_size=6,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=params)
def test_library_never_fails_on_any_query_string(client, public_resource, query):
    response = client.get("/ressources/", query)
    assert response.status_code == 200


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.fixed_dictionaries({
    "title": st.text(max_size=300), "kind": st.text(max_size=30), "summary": st.text(max_size=700),
    "body": st.text(max_size=400), "themes": st.lists(st.text(max_size=20), max_size=3),
}))
def test_invalid_proposals_never_fail_and_store_nothing(client, member, themes, data):
    client.force_login(member)
    data["body"] = data["body"][:40]  # always below the minimum length: the form must refuse it
    response = client.post("/ressources-actions/proposer/", data)
    assert response.status_code == 400  # the form given back with its errors, never a 500
    assert not ResourceProposal.objects.exists()
