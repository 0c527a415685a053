"""The points API's query parameters."""

import pytest


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/point-entries/?year=0", "year"),
        ("/api/v1/point-entries/?year=16205086", "year"),
        ("/api/v1/point-entries/?member=99999999999999999999", "member"),
        ("/api/v1/point-entries/scores/?org={county}&year=0", "year"),
    ],
)
def test_out_of_range_numbers_are_a_400_naming_the_parameter(client_as, orgs, url, field):
    """Found by the schemathesis run: a year outside the calendar was a 500."""
    response = client_as("county_admin").get(url.format(county=orgs["county"].pk))
    assert response.status_code == 400
    assert field in response.json()
