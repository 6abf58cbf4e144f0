"""DF011's `npm ci` fix: applied only when a lockfile reaches the install, and left alone otherwise."""

from __future__ import annotations

from tests.fix.conftest import Run

DOCKERFILE = """\
FROM node:22.23.5-bookworm-slim
WORKDIR /app
COPY package*.json ./
RUN npm install --omit=dev \\
 && npm cache clean --force
COPY . .
USER node
CMD ["node", "server.js"]
"""
PACKAGE = '{"name": "web", "version": "1.0.0"}\n'
LOCK = '{"name": "web", "lockfileVersion": 3, "packages": {}}\n'
NPM_MESSAGE = "`npm install` may change versions; use `npm ci` with the lockfile"


def test_npm_install_becomes_npm_ci_with_a_lockfile_in_the_context(fix_run: Run) -> None:
    files = {"web/Dockerfile": DOCKERFILE, "web/package.json": PACKAGE, "web/package-lock.json": LOCK}
    before = fix_run(files, "--select", "DF011")
    assert before.findings("DF011") == [NPM_MESSAGE]
    after = fix_run({}, "--fix", "--select", "DF")
    assert after.text("web/Dockerfile") == DOCKERFILE.replace("npm install --omit", "npm ci --omit")
    assert after.findings("DF011") == []
    assert "DF011" not in after.stdout


def test_a_shrinkwrap_file_and_a_copy_of_the_whole_context_count(fix_run: Run) -> None:
    text = DOCKERFILE.replace("COPY package*.json ./\n", "COPY . .\n")
    outcome = fix_run(
        {"Dockerfile": text, "package.json": PACKAGE, "npm-shrinkwrap.json": LOCK},
        "--fix",
        "--select",
        "DF011",
    )
    assert "RUN npm ci --omit=dev" in outcome.text("Dockerfile")
    assert outcome.findings("DF011") == []


def test_the_diff_shows_the_fix_and_writes_nothing(fix_run: Run) -> None:
    files = {"Dockerfile": DOCKERFILE, "package.json": PACKAGE, "package-lock.json": LOCK}
    outcome = fix_run(files, "--diff", "--select", "DF011")
    assert (
        "-RUN npm install --omit=dev \\" in outcome.stdout and "+RUN npm ci --omit=dev \\" in outcome.stdout
    )
    assert outcome.text("Dockerfile") == DOCKERFILE


def test_no_fix_when_no_lockfile_reaches_the_install(fix_run: Run) -> None:
    # (Dockerfile, whether package-lock.json exists); the case without one goes first, as every
    # case writes into the same folder.
    cases = {
        "no lockfile in the repository": (DOCKERFILE, False),
        "only package.json copied": (DOCKERFILE.replace("COPY package*.json", "COPY package.json"), True),
        "copied to another folder": (DOCKERFILE.replace("package*.json ./", "package*.json /srv/"), True),
        "copied after the install": (DOCKERFILE.replace("COPY package*.json ./\n", ""), True),
        "installed in another folder": (DOCKERFILE.replace("RUN npm", "RUN cd client && npm"), True),
    }
    for name, (text, locked) in cases.items():
        tree = {"Dockerfile": text, "package.json": PACKAGE} | ({"package-lock.json": LOCK} if locked else {})
        outcome = fix_run(tree, "--fix", "--select", "DF011")
        assert outcome.text("Dockerfile") == text, name
        assert outcome.findings("DF011") == [NPM_MESSAGE], name
