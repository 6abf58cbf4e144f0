"""Stand-ins for the images generated compose files and compiled-language Dockerfiles name.

No registry is reachable here, so these are assembled on the local Debian base (podman_env) from
Debian packages and tagged with the exact names opsmith writes (read from its data files):

- `postgres:<v>-alpine…`: Debian's PostgreSQL 15 (Debian bookworm has no 16) behind an entrypoint
  that honours what the official image's does for the compose file: POSTGRES_PASSWORD (required
  unless POSTGRES_HOST_AUTH_METHOD=trust), POSTGRES_USER, POSTGRES_DB, PGDATA; password login from
  other hosts, `pg_isready` on PATH, the server dropped to the `postgres` user.
- `redis:<v>-alpine…`: Debian's Redis 7.0 with the official entrypoint's behaviour (options
  alone go to redis-server, data in /data owned by `redis`) and protected mode off, as the
  official image is built (Debian's binary has it on, which would refuse the app's connection).
- `golang:<v>-alpine…`: Debian's Go 1.23 from bookworm-backports, laid out like the official image
  (/usr/local/go/bin, GOPATH=/go, GOTOOLCHAIN=local).
- `rust:<v>-alpine…`: Debian's rustc-web/cargo-web 1.85 with a C toolchain and musl-dev; it has no
  Alpine package repository, so its `apk` only accepts `apk add` of packages it already carries
  (musl-dev, which the generated Dockerfile installs) and fails for anything else. It builds for
  glibc, not musl as the official image does.
- `alpine:<v>`: Debian slim with what generated Dockerfiles use from Alpine's BusyBox: `adduser`
  with BusyBox's options (mapped onto useradd), `wget` (BusyBox's) and `nc -z` (OpenBSD netcat).

Version numbers in the tags are the generator's; the toolchains inside are Debian's.
Usable without pytest: `python tests/containers/service_images.py` builds them all.
"""

from __future__ import annotations

import contextlib
import json
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import podman_env

DATA = podman_env.REPO / "src" / "opsmith" / "data"
STAND_IN_LABEL = podman_env.STAND_IN_LABEL


def qualified(ref: str) -> str:
    """The fully-qualified name podman resolves a short Docker Hub name to."""
    first = ref.split("/", 1)[0]
    if "/" in ref and ("." in first or ":" in first or first == "localhost"):
        return ref
    return f"docker.io/{ref}" if "/" in ref else f"docker.io/library/{ref}"


def backing_image(kind: str) -> str:
    """The image generated compose files run for a backing service (`postgresql`, `redis`)."""
    services = json.loads((DATA / "backing_images.json").read_text(encoding="utf-8"))["services"]
    image: str = services[kind]["image"]
    return qualified(image)


def base_image(runtime: str) -> str:
    """The default base image generated Dockerfiles pin for a runtime (`go`, `rust`, `alpine`)."""
    table = json.loads((DATA / "base_images.json").read_text(encoding="utf-8"))["images"][runtime]
    version = table["versions"][table["default"]]
    return qualified(f"{table['repository']}:{version}{table['suffix']}")


_POSTGRES_ENTRYPOINT = r"""#!/bin/sh
# The official postgres image's entrypoint, reduced to what a compose file relies on.
set -eu
if [ "${1#-}" != "$1" ]; then
  set -- postgres "$@"
fi
if [ "$1" = postgres ] && [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi
if [ "$1" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
  user=${POSTGRES_USER:-postgres}
  database=${POSTGRES_DB:-$user}
  method=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}
  if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$method" != trust ]; then
    echo "Error: the database is uninitialized and POSTGRES_PASSWORD is not set." >&2
    exit 1
  fi
  pwfile=$(mktemp)
  printf '%s\n' "${POSTGRES_PASSWORD:-}" >"$pwfile"
  initdb -D "$PGDATA" --username="$user" --pwfile="$pwfile" --encoding=UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host="$method" >/dev/null
  rm -f "$pwfile"
  echo "host all all all $method" >>"$PGDATA/pg_hba.conf"
  echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"
  if [ "$database" != postgres ]; then
    echo "CREATE DATABASE \"$database\";" | postgres --single -D "$PGDATA" postgres >/dev/null
  fi
  echo "PostgreSQL init process complete; ready for start up."
fi
exec "$@"
"""

_POSTGRES_CONTAINERFILE = """\
FROM {debian}
RUN set -eu; \\
    mkdir -p /etc/postgresql-common/createcluster.d; \\
    echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.d/stand-in.conf; \\
    apt-get update; \\
    apt-get install -y --no-install-recommends postgresql-15; \\
    rm -rf /var/lib/apt/lists/*
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENV PATH=/usr/lib/postgresql/15/bin:$PATH PGDATA=/var/lib/postgresql/data LANG=C.UTF-8
VOLUME /var/lib/postgresql/data
STOPSIGNAL SIGINT
EXPOSE 5432
LABEL {label}={recipe}
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["postgres"]
"""

_REDIS_ENTRYPOINT = r"""#!/bin/sh
# The official redis image's entrypoint, reduced to what a compose file relies on.
set -eu
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
  set -- redis-server "$@"
fi
if [ "$1" = redis-server ]; then
  shift
  # Protected mode goes right after the config file (redis-server reads that first), so the
  # caller's own options still override it.
  if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
    conf=$1
    shift
    set -- redis-server "$conf" --protected-mode no "$@"
  else
    set -- redis-server --protected-mode no "$@"
  fi
  if [ "$(id -u)" = 0 ]; then
    find . \! -user redis -exec chown redis '{}' +
    exec setpriv --reuid=redis --regid=redis --init-groups "$@"
  fi
fi
exec "$@"
"""

_REDIS_CONTAINERFILE = """\
FROM {debian}
RUN set -eu; \\
    apt-get update; \\
    apt-get install -y --no-install-recommends redis-server; \\
    rm -rf /var/lib/apt/lists/*; \\
    mkdir -p /data; chown redis:redis /data
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
VOLUME /data
WORKDIR /data
EXPOSE 6379
LABEL {label}={recipe}
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["redis-server"]
"""

_GOLANG_CONTAINERFILE = """\
FROM {debian}
RUN set -eu; \\
    echo "deb {mirror} bookworm-backports main" >/etc/apt/sources.list.d/backports.list; \\
    apt-get update; \\
    apt-get install -y --no-install-recommends -t bookworm-backports golang-1.23-go; \\
    apt-get install -y --no-install-recommends ca-certificates; \\
    rm -rf /var/lib/apt/lists/* /etc/apt/sources.list.d/backports.list; \\
    mkdir -p /usr/local/go /go/bin /go/src; \\
    ln -s /usr/lib/go-1.23/bin /usr/local/go/bin
ENV GOTOOLCHAIN=local GOPATH=/go PATH=/go/bin:/usr/local/go/bin:$PATH
RUN go version
WORKDIR /go
LABEL {label}={recipe}
"""

_APK = r"""#!/bin/sh
# Not Alpine's apk: no Alpine package repository is reachable here. `apk add` succeeds for the
# packages this stand-in already carries (Debian's builds) and fails for any other.
set -eu
provided=" musl-dev "
if [ "${1:-}" != add ]; then
  echo "apk (stand-in): only 'apk add' of:${provided}" >&2
  exit 1
fi
shift
for name in "$@"; do
  case $name in -*) continue ;; esac
  case $provided in
    *" $name "*) ;;
    *)
      echo "apk (stand-in): $name is not in this image; Alpine's repositories are unreachable" >&2
      exit 1
      ;;
  esac
done
"""

_RUST_CONTAINERFILE = """\
FROM {debian}
RUN set -eu; \\
    apt-get update; \\
    apt-get install -y --no-install-recommends rustc-web cargo-web gcc libc6-dev musl-dev ca-certificates; \\
    rm -rf /var/lib/apt/lists/*; \\
    mkdir -p /usr/local/cargo/bin; \\
    ln -s /usr/bin/cargo /usr/bin/rustc /usr/local/cargo/bin/
COPY apk /sbin/apk
ENV CARGO_HOME=/usr/local/cargo PATH=/usr/local/cargo/bin:$PATH
RUN rustc --version && cargo --version
LABEL {label}={recipe}
"""

_ADDUSER = r"""#!/bin/sh
# BusyBox's adduser as Alpine has it (adduser [-DHS] [-u UID] [-G GROUP] [-h HOME] [-s SHELL]
# [-g GECOS] USER), carried out by Debian's useradd.
set -eu
home_flag=--create-home
system="" uid="" group="" home="" shell=/bin/sh gecos=""
while getopts "DHSu:G:h:s:g:k:" opt; do
  case $opt in
    D) ;;  # no password: what useradd does anyway
    H) home_flag=--no-create-home ;;
    S) system=--system ;;
    u) uid=$OPTARG ;;
    G) group=$OPTARG ;;
    h) home=$OPTARG ;;
    s) shell=$OPTARG ;;
    g) gecos=$OPTARG ;;
    k) ;;
    *) echo "usage: adduser [-DHS] [-u UID] [-G GROUP] [-h HOME] [-s SHELL] [-g GECOS] USER" >&2; exit 1 ;;
  esac
done
shift $((OPTIND - 1))
if [ $# -ne 1 ]; then
  echo "adduser: exactly one user name expected" >&2
  exit 1
fi
exec useradd $home_flag $system ${uid:+--uid "$uid"} ${group:+--gid "$group"} \
  ${home:+--home-dir "$home"} --shell "$shell" ${gecos:+--comment "$gecos"} "$1"
"""

_ALPINE_CONTAINERFILE = """\
FROM {debian}
RUN set -eu; \\
    apt-get update; \\
    apt-get install -y --no-install-recommends busybox netcat-openbsd; \\
    rm -rf /var/lib/apt/lists/*; \\
    ln -s "$(command -v busybox)" /usr/local/bin/wget
COPY adduser /usr/local/sbin/adduser
LABEL {label}={recipe}
CMD ["/bin/sh"]
"""


def _ensure(ref: str, containerfile: str, scripts: dict[str, str]) -> str:
    """Builds `ref` from `containerfile` (with executable `scripts` in its context) unless an
    image of the same recipe exists; returns its ID. apt-get in the build reaches the mirror."""
    debian_id = podman_env._image_id(podman_env.DEBIAN_IMAGE)
    mirror = podman_env.debian_mirror()
    parts = [f"{name}\0{text}" for name, text in sorted(scripts.items())]
    recipe = podman_env._digest(debian_id, mirror, containerfile, *parts)
    if podman_env._fresh([ref], recipe):
        return podman_env._image_id(ref)
    with tempfile.TemporaryDirectory(prefix="stand-in-", dir=podman_env.STATE_DIR) as tmp:
        context = Path(tmp)
        for name, text in scripts.items():
            script = context / name
            script.write_text(text, encoding="utf-8")
            script.chmod(0o755)
        (context / "Containerfile").write_text(
            containerfile.format(
                debian=podman_env.DEBIAN_IMAGE, mirror=mirror, label=STAND_IN_LABEL, recipe=recipe
            ),
            encoding="utf-8",
        )
        podman_env.build_image(context, ref, network="host")
    return podman_env._image_id(ref)


def ensure_service_images() -> dict[str, str]:
    """The postgres and redis stand-ins generated compose files name: {reference: image id}."""
    with _base():
        return {
            backing_image("postgresql"): _ensure(
                backing_image("postgresql"),
                _POSTGRES_CONTAINERFILE,
                {"docker-entrypoint.sh": _POSTGRES_ENTRYPOINT},
            ),
            backing_image("redis"): _ensure(
                backing_image("redis"), _REDIS_CONTAINERFILE, {"docker-entrypoint.sh": _REDIS_ENTRYPOINT}
            ),
        }


# Repository name -> (Containerfile, scripts) of the compiled-language stand-ins.
_COMPILED: dict[str, tuple[str, dict[str, str]]] = {
    "golang": (_GOLANG_CONTAINERFILE, {}),
    "rust": (_RUST_CONTAINERFILE, {"apk": _APK}),
    "alpine": (_ALPINE_CONTAINERFILE, {"adduser": _ADDUSER}),
}


def ensure_compiled_images(refs: Iterable[str] | None = None) -> dict[str, str]:
    """The Go and Rust builders and the Alpine runtime generated Dockerfiles name (by default,
    at the generator's default versions): {reference: image id}."""
    wanted = (
        [qualified(r) for r in refs]
        if refs is not None
        else [base_image(r) for r in ("go", "rust", "alpine")]
    )
    images: dict[str, str] = {}
    with _base():
        for ref in wanted:
            repository = ref.rpartition(":")[0].rpartition("/")[2]
            if repository not in _COMPILED:
                raise podman_env.PodmanError(f"no stand-in is assembled for {ref}")
            images[ref] = _ensure(ref, *_COMPILED[repository])
    return images


@contextlib.contextmanager
def _base() -> Iterator[None]:
    """The Debian base exists (built by podman_env if missing); builders are serialised."""
    podman_env.ensure_base_images(node_versions=[], python_versions=[])
    with podman_env._lock(podman_env.STATE_DIR / "lock"):
        yield


def main() -> int:
    reason = podman_env.podman_available()
    if reason:
        print(f"podman unavailable: {reason}", file=sys.stderr)
        return 1
    started = time.monotonic()
    for ref, image_id in {**ensure_service_images(), **ensure_compiled_images()}.items():
        print(f"{ref}  {image_id[:12]}")
    print(f"service and compiler stand-ins ready in {time.monotonic() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
