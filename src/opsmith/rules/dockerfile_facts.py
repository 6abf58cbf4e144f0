"""Facts about Dockerfile instructions that several DF rules (and the generators) rely on."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from opsmith.parse.dockerfile import Instruction, Stage
from opsmith.parse.image import image_ref
from opsmith.parse.shell import Command, commands
from opsmith.secrets.detect import is_placeholder

_ROOT_USERS = frozenset({"root", "0"})
_ARCHIVE = re.compile(r"\.(tar|tar\.gz|tgz|tar\.bz2|tbz2?|tar\.xz|txz|tar\.zst)$", re.IGNORECASE)
_REMOTE = re.compile(r"^(https?://|git@|git://)", re.IGNORECASE)
_WHOLE_CONTEXT = frozenset({".", "./", "*", "./*", "/"})
_SECRET_FILE = re.compile(
    r"(^|/)(\.env(\.(?!example$|sample$|template$|dist$|defaults$)[\w.-]+)?|id_(rsa|dsa|ecdsa|ed25519)"
    r"|[^/]*\.(pem|key|p12|pfx|jks|keystore)|credentials\.json|[^/]*service[-_]?account[^/]*\.json"
    r"|\.netrc|\.pgpass|\.git-credentials|secrets?\.(ya?ml|json|env))$",
    re.IGNORECASE,
)
# Packages and archives: on an empty (`scratch`) image nothing can run them.
_NOT_EXECUTABLE = re.compile(
    r"\.(apk|aab|ipa|xapk|zip|jar|war|ear|tar|tgz|tar\.\w+|gz|whl|deb|rpm|msi|dmg|nupkg)$", re.IGNORECASE
)
_NPMRC_TOKEN = re.compile(r"_(authToken|auth|password)\s*=\s*(?!\$\{)(?P<value>\S+)")


def chain(stage: Stage | None) -> list[Stage]:
    """The stage and the earlier stages it is built FROM, base first."""
    out: list[Stage] = []
    while stage is not None and stage not in out:
        out.insert(0, stage)
        stage = stage.parent
    return out


def is_export_stage(stage: Stage) -> bool:
    """A final `FROM scratch` stage that runs nothing, or whose entry point names a package no
    kernel can execute (an `.apk`, a `.jar` with no JVM in the image), only carries files out of
    the build (`docker build --output`); it never runs as a container."""
    stages = chain(stage)
    if stages[0].resolved_image != "scratch":
        return False
    words = entry_words(stage)
    return not words or bool(_NOT_EXECUTABLE.search(words[0]))


def is_moving_tag(tag: str) -> bool:
    return tag == "latest" or tag.startswith("latest-")


def is_root_user(user: str) -> bool:
    return user.split(":", 1)[0].strip() in _ROOT_USERS


def runs_unprivileged(image: str) -> bool:
    """Base images that already default to a non-root user."""
    ref = image_ref(image)
    if ref.tag and "nonroot" in ref.tag:
        return True
    return ref.name.startswith(("cgr.dev/chainguard/", "chainguard/"))


def copy_sources(ins: Instruction) -> list[str]:
    """Source paths of COPY/ADD (heredoc sources are not files)."""
    args = [a for a in ins.args if not a.startswith("<<")]
    return args[:-1] if len(args) > 1 else []


def copies_whole_context(ins: Instruction) -> bool:
    return ins.flag("from") is None and any(s in _WHOLE_CONTEXT for s in copy_sources(ins))


def is_remote(source: str) -> bool:
    return bool(_REMOTE.match(source))


def is_archive(source: str) -> bool:
    return bool(_ARCHIVE.search(source))


def is_absolute_dir(path: str) -> bool:
    return path.startswith(("/", "$")) or bool(re.match(r"^[A-Za-z]:[\\/]", path))


def is_secret_file(source: str, read: Callable[[str], str]) -> bool:
    """A likely secret by name; `.npmrc` only when it really holds a token, and a `.pem` file in
    the repository not when it holds only certificates or public keys (a CA bundle)."""
    name = source.rstrip("/").rsplit("/", 1)[-1]
    if name == ".npmrc":
        token = _NPMRC_TOKEN.search(read(source))
        return token is not None and not is_placeholder(token.group("value"))
    if not _SECRET_FILE.search(source.rstrip("/")):
        return False
    if name.lower().endswith(".pem"):
        text = read(source)
        return not (text and "-----BEGIN " in text and "PRIVATE KEY" not in text)
    return True


# Bounded: several rules read the same RUN script one after another, but a long-running process
# (an editor integration, the fuzz bench) audits many files and must not keep every script.
@lru_cache(maxsize=256)
def _parsed(script: str) -> tuple[Command, ...]:
    return tuple(commands(script) or ())


def run_commands(ins: Instruction) -> tuple[Command, ...]:
    """The shell commands of a RUN (exec form: the argv itself)."""
    if ins.json:
        return (Command(ins.args, None),) if ins.args else ()
    return _parsed(ins.script)


def cache_mount(ins: Instruction, target_prefix: str) -> bool:
    for mount in ins.flag_values("mount"):
        if "type=cache" in mount and re.search(rf"target={re.escape(target_prefix)}", mount):
            return True
    return False


def shell_has_pipefail(stage: Stage) -> bool:
    """Whether a SHELL with pipefail is inherited from the stage this one is built FROM."""
    for base in reversed(chain(stage)[:-1]):
        shells = base.of("SHELL")
        if shells:
            return "pipefail" in shells[-1].args
    return False


_INSTALLS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("npm", ("ci", "install", "i")),
    ("yarn", ("install", "")),
    ("pnpm", ("install", "i")),
    ("bun", ("install",)),
    ("pip", ("install",)),
    ("pip3", ("install",)),
    ("uv", ("sync", "pip")),
    ("poetry", ("install",)),
    ("pipenv", ("install", "sync")),
    ("pdm", ("install", "sync")),
    ("bundle", ("install",)),
    ("composer", ("install",)),
    ("go", ("mod",)),
    ("cargo", ("fetch",)),
    ("mvn", ("dependency:go-offline", "dependency:resolve")),
    ("dotnet", ("restore",)),
)


def installs_dependencies(ins: Instruction) -> bool:
    for cmd in run_commands(ins):
        sub = cmd.unwrapped()
        args = sub.args()
        for program, verbs in _INSTALLS:
            if sub.program == program and ((args[:1] and args[0] in verbs) or ("" in verbs and not args)):
                return True
    return False


_BUILDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("go", ("build", "install")),
    ("cargo", ("build", "install")),
    ("mvn", ("package", "install", "verify")),
    ("mvnw", ("package", "install", "verify")),
    ("gradle", ("build", "assemble", "bootJar", "jar", "shadowJar", "installDist")),
    ("gradlew", ("build", "assemble", "bootJar", "jar", "shadowJar", "installDist")),
    ("dotnet", ("publish", "build")),
    ("tsc", ()),
    ("webpack", ()),
    ("gcc", ()),
    ("g++", ()),
    ("cc", ()),
    ("make", ()),
    ("cmake", ()),
    ("rustc", ()),
    ("javac", ()),
)
_SCRIPT_BUILDS = frozenset({"build", "compile", "bundle"})


def build_tool(ins: Instruction) -> str | None:
    """The compiler or bundler a RUN invokes, if any."""
    for cmd in run_commands(ins):
        sub = cmd.unwrapped()
        args = [a for a in sub.args() if not a.startswith("-")]
        for program, verbs in _BUILDS:
            if sub.program == program and (not verbs or (args and args[0] in verbs)):
                return " ".join([program, *args[:1]]) if verbs else program
        if sub.program in ("npm", "pnpm", "yarn", "bun") and args:
            script = args[1] if args[0] == "run" and len(args) > 1 else args[0]
            if script in _SCRIPT_BUILDS or script.startswith("build:"):
                return f"{sub.program} run {script}"
    return None


def unlocked_install(cmd: Command) -> str | None:
    """Why this install does not follow a lockfile, or None when it does."""
    program, args = cmd.program, cmd.args()
    positional = [a for a in args if not a.startswith("-")]
    if program == "npm" and positional[:1] in (["install"], ["i"]) and len(positional) == 1:
        return "`npm install` may change versions; use `npm ci` with the lockfile"
    if (
        program == "yarn"
        and (not positional or positional[0] == "install")
        and not cmd.has("--frozen-lockfile", "--immutable")
    ):
        return "`yarn install` without `--immutable`/`--frozen-lockfile`"
    if (
        program == "pnpm"
        and positional[:1] in (["install"], ["i"])
        and not cmd.has("--frozen-lockfile")
        and len(positional) == 1
    ):
        return "`pnpm install` without `--frozen-lockfile`"
    if program == "uv" and positional[:1] == ["sync"] and not cmd.has("--locked", "--frozen"):
        return "`uv sync` without `--locked` or `--frozen`"
    if (
        program in ("pip", "pip3")
        or (program == "uv" and positional[:1] == ["pip"])
        or (program.startswith("python") and "pip" in args[:2])
    ):
        return _unlocked_pip(args)
    return None


_PIP_TOOLING = frozenset({"pip", "setuptools", "wheel", "uv", "pipenv", "poetry"})
_PIP_FILE_FLAGS = (
    "-r",
    "--requirement",
    "-c",
    "--constraint",
    "--require-hashes",
    "-e",
    "--editable",
)


def _unlocked_pip(args: tuple[str, ...]) -> str | None:
    if "install" not in args or any(a.startswith(_PIP_FILE_FLAGS) for a in args):
        return None
    after = args[args.index("install") + 1 :]
    packages = [a for a in after if not a.startswith("-") and not _is_flag_value(after, a)]
    loose = [
        p
        for p in packages
        if "==" not in p
        and not p.startswith((".", "/", "$"))
        and "://" not in p
        and not p.endswith((".whl", ".tar.gz", ".zip"))
        and re.split(r"[<>=!~\[;]", p, maxsplit=1)[0].lower() not in _PIP_TOOLING
    ]
    if loose:
        return f"`pip install {loose[0]}` is unpinned and uses no requirements or lock file"
    return None


def _is_flag_value(args: tuple[str, ...], word: str) -> bool:
    """`--index-url URL`, `--target DIR`: the word after a flag that takes a value."""
    index = args.index(word)
    return index > 0 and args[index - 1] in (
        "-i",
        "--index-url",
        "--extra-index-url",
        "-t",
        "--target",
        "--prefix",
        "--root",
        "-f",
        "--find-links",
        "--platform",
        "--python-version",
        "--only-binary",
        "--no-binary",
    )


# Programs that run once and exit: test runners, code generators, build and provisioning tools. An
# image whose entry point is one of them is a tool, not a service. (`go`, `mvn` and the like are
# left out: `go run` and `mvn spring-boot:run` start servers.)
_ONE_SHOT = frozenset(
    {
        "cypress",
        "playwright",
        "pytest",
        "jest",
        "vitest",
        "mocha",
        "protoc",
        "buf",
        "make",
        "terraform",
        "ansible-playbook",
        "k6",
    }
)
# Language and OS images whose default command is a shell or a REPL: built on one with no CMD or
# ENTRYPOINT of its own, an image only runs the command it is given (a toolchain, a codegen step).
_TOOLCHAIN_BASES = frozenset(
    {
        "golang",
        "node",
        "python",
        "rust",
        "ruby",
        "openjdk",
        "eclipse-temurin",
        "amazoncorretto",
        "maven",
        "gradle",
        "alpine",
        "debian",
        "ubuntu",
        "busybox",
        "buildpack-deps",
        "mcr.microsoft.com/dotnet/sdk",
    }
)
_DEV_STAGE = re.compile(r"^dev(?:[-_].+)?$|^development$|^devcontainer$")


def entry_words(stage: Stage) -> tuple[str, ...]:
    """The command line the image starts (its ENTRYPOINT, else its CMD), program as a bare name."""
    for cmd in ("ENTRYPOINT", "CMD"):
        found = [i for s in chain(stage) for i in s.of(cmd)]
        if found and found[-1].args:
            ins = found[-1]
            words = ins.args if ins.json else tuple(ins.args[0].split())
            if words:
                return (words[0].rsplit("/", 1)[-1], *words[1:])
    return ()


def is_tool_image(stage: Stage) -> bool:
    """An image that is not a service: nothing EXPOSEd, and it starts a one-shot tool (`npx`
    included), or it starts nothing of its own on a toolchain base (the command comes with each
    run)."""
    stages = chain(stage)
    if any(s.of("EXPOSE") for s in stages):
        return False
    words = entry_words(stage)
    if words:
        return words[0] in _ONE_SHOT or (words[0] == "npx" and len(words) > 1 and words[1] in _ONE_SHOT)
    base = image_ref(stages[0].resolved_image or stages[0].image).name
    return base.removeprefix("docker.io/").removeprefix("library/") in _TOOLCHAIN_BASES


def is_dev_stage(stage: Stage) -> bool:
    """A stage named for development (`dev`, `dev-envs`): a workstation image, not a release."""
    return any(s.name is not None and _DEV_STAGE.match(s.name) for s in chain(stage))


def is_wasm_image(stage: Stage) -> bool:
    """An image holding a WebAssembly module that a Wasm runtime runs (a `wasi/wasm` platform, or
    a `.wasm` entry point), not a Linux process."""
    base = chain(stage)[0]
    return "wasm" in (base.platform or "") or any(w.endswith(".wasm") for w in entry_words(stage)[:1])


def has_no_shell(stage: Stage) -> bool:
    """A final image with no shell or HTTP client to run a check with: `scratch`, distroless,
    static Chainguard images, WebAssembly."""
    base = chain(stage)[0]
    image = base.resolved_image or base.image
    name = image_ref(image).name
    return (
        image == "scratch"
        or "distroless" in name
        or name.endswith("chainguard/static")
        or is_wasm_image(stage)
    )
