"""Fuzz every API operation from the app's own OpenAPI schema (/api/v1/openapi.json) with
schemathesis, in process through the WSGI app, as a clerk holding a bearer token: no input,
valid or not, may cause a server error. Bounded and deterministic (derandomized Hypothesis,
a fixed number of examples per operation, no shrinking) so it runs in about a minute."""

import contextlib

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings

from bianzhi.accounts.services import api_token_issue
from bianzhi.api import api
from bianzhi.testing import establish

pytestmark = pytest.mark.django_db
EXAMPLES = 15
METHODS = {"get", "post", "put", "patch", "delete"}


def operations() -> list[tuple[str, str]]:
    spec = api.get_openapi_schema(path_prefix="/api/v1/")
    return sorted(
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in METHODS
    )


@contextlib.contextmanager
def connection_kept():
    """Calls go straight to the WSGI app, not through Django's test client, so Django would
    close the database connection around each request — inside the test's transaction on
    PostgreSQL. Detach that while the calls run, as the test client does for its own."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def schema(client, users):
    """The schema as served to a signed-in clerk, bound to the WSGI app for the calls."""
    client.force_login(users["province"])
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    loaded = schemathesis.openapi.from_dict(response.json())
    loaded.app = get_wsgi_application()
    return loaded


@pytest.fixture
def bearer(users):
    establish("吴中区统计局")  # something for the lists and lookups to find
    # The clerk also registers institutions, so the registration routes get past their checks.
    from django.contrib.auth.models import Group

    users["province"].groups.add(Group.objects.get(name="registrar"))
    _token, raw = api_token_issue(actor=None, user=users["province"], name="fuzz", scopes=["*"])
    return {"Authorization": f"Bearer {raw}"}


def test_the_schema_lists_every_operation():
    assert len(operations()) > 30


@pytest.mark.parametrize(("method", "path"), operations())
def test_no_input_makes_the_api_fail(schema, bearer, method, path):
    operation = schema[path][method]
    errors: list[str] = []
    statuses: set[int] = set()

    @hypothesis_settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def call(case):
        response = case.call(headers=bearer)
        statuses.add(response.status_code)
        if response.status_code >= 500:
            errors.append(f"{response.status_code} {case.as_curl_command()}")

    with connection_kept():
        call()
    assert errors == []
    assert statuses - {401, 403}, f"never got past authentication: {statuses}"  # the token works
