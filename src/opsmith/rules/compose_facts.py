"""Facts about Compose services that several DC rules share: which images keep state and where,
which ports belong to databases and caches, what a one-shot task looks like, and how the Docker
socket gets into a container. The tables are data: extend them, not the rules."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from posixpath import normpath

from opsmith.parse.compose import UNKNOWN, EnvVar, Mount, Service, Value, expand
from opsmith.parse.image import ImageRef, image_ref


@dataclass(frozen=True)
class StatefulImage:
    """An image that keeps data worth keeping, and where."""

    kind: str  # for messages: "PostgreSQL"
    names: tuple[str, ...]  # repository names: the last path part, or a longer `a/b` suffix
    data_dirs: tuple[str, ...]  # where the data lands by default (any of them, when several)
    ports: tuple[int, ...]  # the ports its clients speak to (not admin web UIs)
    volume_dirs: tuple[str, ...] = ()  # VOLUMEs the image declares (they shadow a parent mount)
    env_dirs: tuple[str, ...] = ()  # environment variables that move the data directory
    bitnami: str | None = None  # the folder under /bitnami of the Bitnami image


STATEFUL_IMAGES: tuple[StatefulImage, ...] = (
    StatefulImage(
        "PostgreSQL",
        ("postgres", "postgresql", "postgis", "timescaledb", "pgvector", "supabase/postgres"),
        ("/var/lib/postgresql/data",),
        (5432,),
        volume_dirs=("/var/lib/postgresql/data",),
        env_dirs=("PGDATA",),
        bitnami="postgresql",
    ),
    StatefulImage(
        "MySQL",
        ("mysql", "mysql-server", "percona", "percona-server"),
        ("/var/lib/mysql",),
        (3306, 33060),
        volume_dirs=("/var/lib/mysql",),
        bitnami="mysql",
    ),
    StatefulImage(
        "MariaDB",
        ("mariadb",),
        ("/var/lib/mysql",),
        (3306,),
        volume_dirs=("/var/lib/mysql",),
        bitnami="mariadb",
    ),
    StatefulImage(
        "MongoDB",
        ("mongo", "mongodb", "mongodb-community-server"),
        ("/data/db",),
        (27017,),
        volume_dirs=("/data/db", "/data/configdb"),
        bitnami="mongodb",
    ),
    StatefulImage(
        "Redis",
        ("redis", "redis-stack", "redis-stack-server", "keydb", "dragonfly"),
        ("/data",),
        (6379,),
        volume_dirs=("/data",),
        bitnami="redis",
    ),
    StatefulImage("Valkey", ("valkey",), ("/data",), (6379,), bitnami="valkey"),
    StatefulImage(
        "RabbitMQ",
        ("rabbitmq",),
        ("/var/lib/rabbitmq",),
        (5672, 5671),
        volume_dirs=("/var/lib/rabbitmq",),
        bitnami="rabbitmq",
    ),
    StatefulImage(
        "Elasticsearch",
        ("elasticsearch",),
        ("/usr/share/elasticsearch/data",),
        (9200, 9300),
        bitnami="elasticsearch",
    ),
    StatefulImage("OpenSearch", ("opensearch",), ("/usr/share/opensearch/data",), (9200, 9300)),
    StatefulImage(
        "Kafka",
        ("kafka", "cp-kafka", "cp-server"),
        ("/var/lib/kafka/data", "/tmp/kraft-combined-logs", "/kafka"),
        (9092, 9093, 29092),
        env_dirs=("KAFKA_LOG_DIRS", "KAFKA_CFG_LOG_DIRS"),
        bitnami="kafka",
    ),
    StatefulImage(
        "ZooKeeper",
        ("zookeeper", "cp-zookeeper"),
        ("/data", "/var/lib/zookeeper/data"),
        (2181,),
        env_dirs=("ZOO_DATA_DIR",),
        bitnami="zookeeper",
    ),
    StatefulImage(
        "ClickHouse",
        ("clickhouse-server", "clickhouse"),
        ("/var/lib/clickhouse",),
        (8123, 9000, 9009),
        bitnami="clickhouse",
    ),
    StatefulImage(
        "Cassandra",
        ("cassandra", "scylla"),
        ("/var/lib/cassandra", "/var/lib/scylla"),
        (9042,),
        volume_dirs=("/var/lib/cassandra",),
        bitnami="cassandra",
    ),
    StatefulImage("MinIO", ("minio",), ("/data",), (9000,), env_dirs=("MINIO_VOLUMES",), bitnami="minio"),
    StatefulImage(
        "etcd",
        ("etcd",),
        ("/etcd-data", "/etcd", "/var/lib/etcd", "/default.etcd"),
        (2379, 2380),
        env_dirs=("ETCD_DATA_DIR",),
        bitnami="etcd",
    ),
    StatefulImage(
        "InfluxDB",
        ("influxdb",),
        ("/var/lib/influxdb", "/var/lib/influxdb2", "/var/lib/influxdb3"),
        (8086, 8181),
        bitnami="influxdb",
    ),
    StatefulImage("Neo4j", ("neo4j",), ("/data",), (7687, 7474), bitnami="neo4j"),
    StatefulImage(
        "CouchDB",
        ("couchdb",),
        ("/opt/couchdb/data",),
        (5984,),
        volume_dirs=("/opt/couchdb/data",),
        bitnami="couchdb",
    ),
    StatefulImage("CockroachDB", ("cockroach",), ("/cockroach/cockroach-data",), (26257,)),
    StatefulImage("SQL Server", ("mssql/server", "azure-sql-edge"), ("/var/opt/mssql",), (1433,)),
    StatefulImage("Qdrant", ("qdrant",), ("/qdrant/storage",), (6333, 6334)),
    StatefulImage("Meilisearch", ("meilisearch",), ("/meili_data",), (7700,)),
)

# Ports that are a database's, a cache's or a broker's whatever the image (used when the image is
# built here or unknown). Ambiguous numbers (8086, 9000, 8123...) only count on a known image.
DATABASE_PORTS: frozenset[int] = frozenset(
    {5432, 3306, 33060, 27017, 6379, 11211, 9042, 1433, 1521, 26257, 5984, 7687, 9200, 2379, 5672}
)
# Caches that keep nothing worth a volume, but whose port must not be public either.
_CACHES: dict[str, tuple[str, tuple[int, ...]]] = {"memcached": ("Memcached", (11211,))}


def stateful_image(image: str) -> StatefulImage | None:
    ref = _ref(image)
    if ref is None:
        return None
    return next((s for s in STATEFUL_IMAGES if _named(ref, s.names + _bitnami_names(s))), None)


def _bitnami_names(entry: StatefulImage) -> tuple[str, ...]:
    return (f"bitnami/{entry.bitnami}",) if entry.bitnami else ()


def _named(ref: ImageRef, names: Iterable[str]) -> bool:
    for name in names:
        if "/" in name:
            if ref.name == name or ref.name.endswith("/" + name):
                return True
        elif ref.short_name == name:
            return True
    return False


def _ref(image: str) -> ImageRef | None:
    text = expand(image, partial=True) or image
    ref = image_ref(text.replace(UNKNOWN, ""))
    return ref if ref.name else None


def is_bitnami(image: str) -> bool:
    ref = _ref(image)
    return ref is not None and (ref.name.startswith("bitnami/") or "/bitnami/" in ref.name)


def database_ports(image: str | None) -> tuple[str, frozenset[int]]:
    """(what the image is, the ports that make a published port a database's)."""
    if image:
        entry = stateful_image(image)
        if entry is not None:
            return entry.kind, frozenset(entry.ports) | DATABASE_PORTS
        ref = _ref(image)
        if ref is not None and ref.short_name in _CACHES:
            kind, ports = _CACHES[ref.short_name]
            return kind, frozenset(ports) | DATABASE_PORTS
    return "database", DATABASE_PORTS


def postgres_major(image: str) -> int | None:
    ref = _ref(image)
    if ref is None or ref.tag is None:
        return None
    match = re.match(r"(?:pg)?([0-9]{1,9})(?![0-9])", ref.tag)
    return int(match.group(1)) if match else None


@dataclass(frozen=True)
class DataLayout:
    """Where a stateful service keeps its data, and the VOLUMEs its image declares."""

    entry: StatefulImage
    data_dirs: tuple[str, ...]
    volume_dirs: tuple[str, ...]
    accept_inside: bool  # a mount below the data directory holds the data too (Bitnami layout)


_DIR_FLAGS = ("--datadir", "--dbpath", "--dir", "--data-dir", "--data_dir")


def data_layout(entry: StatefulImage, image: str, env: Iterable[EnvVar], words: Iterable[str]) -> DataLayout:
    if is_bitnami(image) and entry.bitnami:
        return DataLayout(entry, (f"/bitnami/{entry.bitnami}",), (), True)
    dirs = list(entry.data_dirs)
    volumes = list(entry.volume_dirs)
    if entry.kind == "PostgreSQL":
        major = postgres_major(image)
        if major is not None and major >= 18:  # PGDATA=/var/lib/postgresql/18/docker, VOLUME one up
            dirs, volumes = [f"/var/lib/postgresql/{major}/docker"], ["/var/lib/postgresql"]
        elif major is None:  # unknown version: either layout will do
            dirs, volumes = ["/var/lib/postgresql/data"], []
    moved = _moved_data_dirs(entry, env, list(words))
    if moved:
        dirs = moved
    return DataLayout(entry, tuple(dirs), tuple(volumes), False)


def _moved_data_dirs(entry: StatefulImage, env: Iterable[EnvVar], words: list[str]) -> list[str]:
    out: list[str] = []
    for var in env:
        if var.name in entry.env_dirs and var.value:
            value = expand(var.value)
            if value:
                out.extend(p for p in re.split(r"[,\s]+", value) if p.startswith("/"))
    for i, word in enumerate(words):
        flag, sep, value = word.partition("=")
        if flag in _DIR_FLAGS:
            value = value if sep else (words[i + 1] if i + 1 < len(words) else "")
            if value.startswith("/"):
                out.append(value)
    if entry.kind == "MinIO" and "server" in words:
        after = words[words.index("server") + 1 :]
        out.extend(w for w in after if w.startswith("/"))
    return out


def _path(text: str | None) -> str | None:
    if not text or UNKNOWN in text or not text.startswith("/"):
        return None
    return normpath(text)


def within(path: str, parent: str) -> bool:
    return path == parent or path.startswith(parent.rstrip("/") + "/")


@dataclass(frozen=True)
class Persistence:
    """How a service's data directory is mounted."""

    state: str  # "kept" | "missing" | "anonymous" | "ephemeral" | "shadowed"
    mount: Mount | None = None
    data_dir: str = ""
    shadow: str = ""  # the image VOLUME that hides a parent mount


def persistence(layout: DataLayout, mounts: Iterable[Mount], tmpfs: Iterable[Value]) -> Persistence:
    """Whether the data directory sits on a named volume or a bind mount that really receives it."""
    candidates = list(mounts)
    ephemeral = [_path(v.text.split(":", 1)[0]) for v in tmpfs]
    for data_dir in layout.data_dirs:
        holding = [
            m
            for m in candidates
            if (target := _path(m.target))
            and (within(data_dir, target) or (layout.accept_inside and within(target, data_dir)))
        ]
        if any(t and within(data_dir, t) for t in ephemeral):
            return Persistence("ephemeral", data_dir=data_dir)
        if not holding:
            continue
        deepest = max(holding, key=lambda m: len(_path(m.target) or ""))
        target = _path(deepest.target) or ""
        if deepest.type == "tmpfs":
            return Persistence("ephemeral", deepest, data_dir)
        if deepest.source is None:
            return Persistence("anonymous", deepest, data_dir)
        for volume in layout.volume_dirs:
            if within(volume, target) and volume != target and within(data_dir, volume):
                return Persistence("shadowed", deepest, data_dir, volume)
        return Persistence("kept", deepest, data_dir)
    return Persistence("missing", data_dir=layout.data_dirs[0] if layout.data_dirs else "")


def cache_only(service_words: Iterable[str]) -> bool:
    """A Redis/Valkey told to keep nothing on disk (`--save ""` and no append-only file)."""
    words = list(service_words)
    no_snapshots = any(
        w == "--save" and i + 1 < len(words) and words[i + 1] in ("", '""', "''") for i, w in enumerate(words)
    )
    appendonly = any(
        w == "--appendonly" and i + 1 < len(words) and words[i + 1] == "yes" for i, w in enumerate(words)
    )
    return no_snapshots and not appendonly


# ---------------------------------------------------------------------------------------------
# One-shot tasks

_TASK_WORDS = re.compile(
    r"(?i)(?:^|[\s/:_.-])(migrat\w*|seed\w*|init|setup|bootstrap|provision\w*|create[-_]?buckets?"
    r"|fixtures?|loaddata|collectstatic|alembic|flyway|liquibase|prisma|knex|sequelize)(?=$|[\s/:_.-])"
)
_TASK_IMAGES = frozenset({"flyway", "liquibase", "migrate"})
_ONE_SHOT_RESTARTS = ("no", "on-failure")


def looks_like_task(service: Service) -> bool:
    """The command, entrypoint, name or image says it is a task (a migration, a seed, an init)."""
    words = [*(service.command or ()), *(service.entrypoint or ()), service.name]
    if any(_TASK_WORDS.search(w) for w in words):
        return True
    ref = _ref(service.image.text) if service.image else None
    return ref is not None and ref.short_name in _TASK_IMAGES


def restarts_forever(restart: Value | None, policy: Value | None) -> bool:
    if restart is not None and (expand(restart.text) or "").split(":")[0] not in _ONE_SHOT_RESTARTS:
        return True
    return policy is not None and (expand(policy.text) or "any") == "any"


# ---------------------------------------------------------------------------------------------
# The host's control sockets and namespaces

_SOCKETS = re.compile(r"(?:^|/)(?:docker|podman|containerd)\.sock$")
_SOCKET_DIRS = frozenset({"/var/run", "/run", "/var/run/docker", "/run/docker", "/run/podman", "/"})


def host_socket(mount: Mount) -> str | None:
    """The container runtime socket (or a folder holding it) that a mount hands to the container."""
    source = mount.source
    if not source or mount.type not in ("bind", "volume", "npipe"):
        return None
    clean = source.rstrip("/") or "/"
    if _SOCKETS.search(clean.replace("\\", "/")) or clean.startswith("//./pipe/docker_engine"):
        return source
    if normpath(clean) in _SOCKET_DIRS and mount.type == "bind":
        return source
    return None
