"""Passwords a sample writes down on purpose. A value that only repeats the account it opens
(`MYSQL_USER=nextcloud`, `MYSQL_PASSWORD=nextcloud`) or only spells out its own variable's name
(`POSTGRES_ASTRONOMY_PASSWORD=astronomy_password`) marks a demo's throwaway credential: nobody
picks either for a system they run. Both are judged with the variable's name and its neighbours,
never from the value alone, so `POSTGRES_PASSWORD: postgres` on its own stays a real, weak
password."""

from __future__ import annotations

from collections.abc import Iterable

from opsmith.secrets.detect import _name_words as _words

# Words that say what a value is for, which a self-describing value adds to its name's words.
_SECRET_WORDS = frozenset({"password", "passwd", "pass", "pwd", "pw", "secret", "token", "key"})
# Last words of a variable naming the account or database a password belongs to.
_ACCOUNT_WORDS = frozenset({"user", "username", "login", "db", "database", "dbname"})


def names_itself(name: str, value: str) -> bool:
    """`DB_PASSWORD=db_password`, `POSTGRES_MONITORING_PASSWORD=monitoring_password`: the value is
    its name's own words plus a word for a secret, a label for the slot rather than a password."""
    words = _words(value)
    if not any(w in _SECRET_WORDS for w in words):
        return False
    allowed = _SECRET_WORDS | set(_words(name))
    return all(w in allowed for w in words)


def account_names(settings: Iterable[tuple[str, str | None]]) -> frozenset[str]:
    """The user and database names among `settings` (`MYSQL_USER`, `POSTGRES_DB`,
    `WORDPRESS_DB_NAME`), lowered, for `repeats_account`."""
    names: set[str] = set()
    for name, value in settings:
        words = _words(name)
        if words[-1:] == ["name"]:  # `WORDPRESS_DB_NAME`: the word before says what is named
            words = words[:-1]
        if words and words[-1] in _ACCOUNT_WORDS and value and value.strip():
            names.add(value.strip().lower())
    return frozenset(names)


def repeats_account(value: str, accounts: frozenset[str]) -> bool:
    """Whether a password is one of the user or database names set beside it: the account's name
    doubles as its password."""
    return value.strip().lower() in accounts
