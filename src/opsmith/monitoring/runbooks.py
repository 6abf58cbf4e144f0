"""Whether an alert's runbook link leads to a file of this repository (nothing is fetched).

A link resolves when it is a relative path (from the repository root or the rule file's folder)
to a file, a forge URL (`github.com/OWNER/REPO/blob/REF/PATH`) of this repository's own remotes, or
a URL under the configured `[monitoring] runbook-base-url`, which stands for `runbook-folder`
(a wiki kept in the repository: `.md` is tried when the URL leaves it off, and a folder counts
when it holds a README.md or index.md). `{{ $labels.alertname }}` in a link is the alert's name;
any other template cannot be followed to one file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from posixpath import dirname, join, normpath

from opsmith.rules.prometheus import exists_in_git_tree, forge_paths, git_remotes

RUNBOOK_ANNOTATIONS = ("runbook_url", "runbook", "runbook_link", "playbook")
_ALERTNAME = re.compile(r"\{\{-?\s*(?:\$labels\.alertname|\.Labels\.alertname|\$labels\.AlertName)\s*-?\}\}")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


@dataclass(frozen=True)
class RunbookBase:
    url: str  # e.g. https://wiki.example.com/ops/runbooks/
    folder: str  # the repository folder that URL serves, e.g. wiki/runbooks


class Runbooks:
    def __init__(self, root: Path, base: RunbookBase | None) -> None:
        self.root = root
        self.real_root = root.resolve()
        self.base = base
        self._remotes: list[tuple[str, str]] | None = None

    def resolve(self, url: str, rule_path: str, alertname: str) -> tuple[str | None, str | None]:
        """(the runbook's path in the repository, None) or (None, why the link leads nowhere)."""
        link = _ALERTNAME.sub(alertname, url.strip())
        if "{{" in link or "%7b%7b" in link.lower():
            return None, f"`{url}` is a template opsmith cannot follow to one file"
        if self.base is not None and link.startswith(self.base.url):
            rest = _path_part(link[len(self.base.url) :]).lstrip("/")
            found = self._first_file(normpath(join(self.base.folder, rest)) if rest else self.base.folder)
            if found is None:
                return (
                    None,
                    f"`{url}` maps to `{join(self.base.folder, rest)}`, which is not in the repository",
                )
            return found, None
        if "://" in link:
            if self._remotes is None:
                self._remotes = git_remotes(self.root)
            candidates = forge_paths(link, self._remotes)
            if candidates is None:
                return None, (
                    f"`{url}` is outside the repository; map its base to a folder with `[monitoring] "
                    "runbook-base-url` and `runbook-folder` in .opsmith.toml"
                )
            if not exists_in_git_tree(self.root, candidates):
                return None, f"`{url}` points at `{candidates[0]}`, which is not in the repository"
            return candidates[0], None
        if _SCHEME.match(link):
            return None, f"`{url}` is not a link opsmith can follow"
        relative = _path_part(link)
        tried = [normpath(relative.lstrip("/"))]
        if not link.startswith("/"):
            tried.append(normpath(join(dirname(rule_path), relative)))
        for candidate in tried:
            found = self._first_file(candidate)
            if found is not None:
                return found, None
        return None, f"`{url}` does not exist (tried {' and '.join(tried)})"

    def _first_file(self, relpath: str) -> str | None:
        relpath = relpath.rstrip("/")
        options = [relpath]
        if not relpath.endswith(".md"):
            options.append(relpath + ".md")
        options += [f"{relpath}/README.md", f"{relpath}/index.md"]
        for option in options:
            if option.startswith("..") or option.startswith("/"):
                continue
            path = self.root / option
            try:
                if path.is_file() and path.resolve().is_relative_to(self.real_root):
                    return option
            except (OSError, ValueError):
                continue
        return None


def _path_part(link: str) -> str:
    return link.split("#", 1)[0].split("?", 1)[0]
