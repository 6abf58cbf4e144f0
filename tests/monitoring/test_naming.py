"""Which service a name written in monitoring stands for."""

from __future__ import annotations

from opsmith.monitoring.naming import match_length, owners, regex_matches


def test_a_service_name_stands_for_names_that_hold_its_words_in_a_row() -> None:
    assert match_length("api", "api-prod") == 1
    assert match_length("api", "shop_api.internal") == 1
    assert match_length("web-api", "web-api-prod") == 2
    assert match_length("api", "apigateway") == 0
    assert match_length("web-api", "api-web") == 0


def test_the_longest_match_wins_and_ties_share() -> None:
    names = {"api": ["api"], "api-gateway": ["api-gateway"], "web": ["web"]}
    assert owners("api-gateway-prod", names) == {"api-gateway"}
    assert owners("api-prod", names) == {"api"}
    assert owners("web-api", names) == {"api", "web"}
    assert owners("billing", names) == set()


def test_regexes_match_names_and_pod_names_but_never_hang() -> None:
    assert regex_matches("api|billing", ["api"])
    assert regex_matches("api-.*", ["api"])  # a pod of the api Deployment
    assert not regex_matches("billing.*", ["api"])
    assert not regex_matches("(a+)+$", ["a" * 40 + "b"])  # not judged: it would backtrack for ages
    assert not regex_matches("(", ["api"])  # invalid: matches nothing
