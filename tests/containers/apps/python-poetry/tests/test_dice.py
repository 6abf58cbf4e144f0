from dice import create_app


def test_a_roll_stays_within_the_die() -> None:
    client = create_app().test_client()
    for _ in range(20):
        assert 1 <= client.get("/roll/6").get_json()["result"] <= 6
