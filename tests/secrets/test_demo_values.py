"""A sample's throwaway passwords are told from real ones by the name and the neighbours."""

from __future__ import annotations

from opsmith.secrets.demo_values import account_names, names_itself, repeats_account


def test_a_value_made_of_its_own_name_and_a_secret_word_names_itself() -> None:
    assert names_itself("POSTGRES_MONITORING_PASSWORD", "monitoring_password")
    assert names_itself("dbPassword", "db-password")
    assert not names_itself("POSTGRES_PASSWORD", "postgres")  # no word for a secret: a weak password
    assert not names_itself("DB_PASSWORD", "db_password_2024")  # something added
    assert not names_itself("DB_PASSWORD", "shop_password")  # `shop` is not in the name


def test_a_password_equal_to_a_user_or_database_name_repeats_the_account() -> None:
    accounts = account_names(
        [("MYSQL_USER", "Nextcloud"), ("WORDPRESS_DB_NAME", "press"), ("MYSQL_HOST", "db"), ("X_USER", None)]
    )
    assert accounts == {"nextcloud", "press"}
    assert repeats_account("nextcloud", accounts)
    assert repeats_account(" press", accounts)
    assert not repeats_account("db", accounts)  # a host name is no account
    assert not repeats_account("", account_names([("DB_USER", "")]))
