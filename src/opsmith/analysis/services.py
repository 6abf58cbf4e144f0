"""Backing services (databases, caches, queues, object storage) and how a repository reveals them:
client libraries in its dependencies, environment variable names, URL schemes and config files."""

from __future__ import annotations

import re

# Client libraries, by ecosystem, that only make sense with the service they name.
CLIENTS: dict[str, dict[str, str]] = {
    "node": {
        "pg": "postgresql",
        "postgres": "postgresql",
        "pg-promise": "postgresql",
        "mysql": "mysql",
        "mysql2": "mysql",
        "mongodb": "mongodb",
        "mongoose": "mongodb",
        "redis": "redis",
        "ioredis": "redis",
        "bullmq": "redis",
        "bull": "redis",
        "amqplib": "rabbitmq",
        "amqp-connection-manager": "rabbitmq",
        "kafkajs": "kafka",
        "@confluentinc/kafka-javascript": "kafka",
        "@aws-sdk/client-s3": "s3",
        "minio": "s3",
    },
    "python": {
        "psycopg": "postgresql",
        "psycopg2": "postgresql",
        "psycopg2-binary": "postgresql",
        "asyncpg": "postgresql",
        "pg8000": "postgresql",
        "mysqlclient": "mysql",
        "pymysql": "mysql",
        "mysql-connector-python": "mysql",
        "aiomysql": "mysql",
        "pymongo": "mongodb",
        "motor": "mongodb",
        "mongoengine": "mongodb",
        "beanie": "mongodb",
        "redis": "redis",
        "rq": "redis",
        "pika": "rabbitmq",
        "aio-pika": "rabbitmq",
        "confluent-kafka": "kafka",
        "kafka-python": "kafka",
        "aiokafka": "kafka",
        "minio": "s3",
        "django-storages": "s3",
    },
    "go": {
        "github.com/lib/pq": "postgresql",
        "github.com/jackc/pgx": "postgresql",
        "github.com/jackc/pgx/v4": "postgresql",
        "github.com/jackc/pgx/v5": "postgresql",
        "github.com/go-sql-driver/mysql": "mysql",
        "go.mongodb.org/mongo-driver": "mongodb",
        "go.mongodb.org/mongo-driver/v2": "mongodb",
        "github.com/redis/go-redis/v9": "redis",
        "github.com/go-redis/redis/v8": "redis",
        "github.com/gomodule/redigo": "redis",
        "github.com/rabbitmq/amqp091-go": "rabbitmq",
        "github.com/streadway/amqp": "rabbitmq",
        "github.com/segmentio/kafka-go": "kafka",
        "github.com/confluentinc/confluent-kafka-go/v2": "kafka",
        "github.com/IBM/sarama": "kafka",
        "github.com/aws/aws-sdk-go-v2/service/s3": "s3",
        "github.com/minio/minio-go/v7": "s3",
    },
    "java": {
        "org.postgresql:postgresql": "postgresql",
        "com.mysql:mysql-connector-j": "mysql",
        "mysql:mysql-connector-java": "mysql",
        "org.springframework.boot:spring-boot-starter-data-mongodb": "mongodb",
        "org.mongodb:mongodb-driver-sync": "mongodb",
        "org.springframework.boot:spring-boot-starter-data-redis": "redis",
        "redis.clients:jedis": "redis",
        "io.lettuce:lettuce-core": "redis",
        "org.springframework.boot:spring-boot-starter-amqp": "rabbitmq",
        "com.rabbitmq:amqp-client": "rabbitmq",
        "org.springframework.kafka:spring-kafka": "kafka",
        "org.apache.kafka:kafka-clients": "kafka",
        "software.amazon.awssdk:s3": "s3",
        "io.minio:minio": "s3",
    },
    "ruby": {
        "pg": "postgresql",
        "mysql2": "mysql",
        "trilogy": "mysql",
        "mongoid": "mongodb",
        "mongo": "mongodb",
        "redis": "redis",
        "sidekiq": "redis",
        "resque": "redis",
        "bunny": "rabbitmq",
        "sneakers": "rabbitmq",
        "ruby-kafka": "kafka",
        "rdkafka": "kafka",
        "karafka": "kafka",
        "aws-sdk-s3": "s3",
    },
    "rust": {
        "tokio-postgres": "postgresql",
        "postgres": "postgresql",
        "mysql": "mysql",
        "mysql_async": "mysql",
        "mongodb": "mongodb",
        "redis": "redis",
        "deadpool-redis": "redis",
        "lapin": "rabbitmq",
        "rdkafka": "kafka",
        "aws-sdk-s3": "s3",
        "rust-s3": "s3",
    },
    "php": {
        "predis/predis": "redis",
        "ext-redis": "redis",
        "ext-pgsql": "postgresql",
        "ext-pdo_pgsql": "postgresql",
        "ext-pdo_mysql": "mysql",
        "ext-mysqli": "mysql",
        "mongodb/laravel-mongodb": "mongodb",
        "mongodb/mongodb": "mongodb",
        "php-amqplib/php-amqplib": "rabbitmq",
        "league/flysystem-aws-s3-v3": "s3",
        "aws/aws-sdk-php": "s3",
    },
    "dotnet": {
        "npgsql": "postgresql",
        "npgsql.entityframeworkcore.postgresql": "postgresql",
        "mysqlconnector": "mysql",
        "pomelo.entityframeworkcore.mysql": "mysql",
        "mysql.data": "mysql",
        "mongodb.driver": "mongodb",
        "stackexchange.redis": "redis",
        "microsoft.extensions.caching.stackexchangeredis": "redis",
        "rabbitmq.client": "rabbitmq",
        "masstransit.rabbitmq": "rabbitmq",
        "confluent.kafka": "kafka",
        "awssdk.s3": "s3",
    },
}

# Drivers whose engine is chosen by a feature flag (sqlx, diesel, sea-orm in Rust).
RUST_FEATURES = {"postgres": "postgresql", "mysql": "mysql"}

# Environment variable names that name their service outright.
ENV_NAMES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(POSTGRES(QL)?|PG)_?[A-Z_]*$|^PG(HOST|USER|PASSWORD|DATABASE|PORT)$"), "postgresql"),
    (re.compile(r"^MYSQL_[A-Z_]+$"), "mysql"),
    (re.compile(r"^MONGO(DB)?_[A-Z_]+$"), "mongodb"),
    (re.compile(r"^REDIS_[A-Z_]+$"), "redis"),
    (re.compile(r"^(RABBITMQ|AMQP|CLOUDAMQP)_[A-Z_]*$|^AMQP_URL$"), "rabbitmq"),
    (re.compile(r"^KAFKA_[A-Z_]+$"), "kafka"),
    (re.compile(r"^(AWS_)?S3_[A-Z_]+$|^MINIO_[A-Z_]+$|^AWS_BUCKET$"), "s3"),
)

# URL schemes (DATABASE_URL=postgres://..., spring.datasource.url=jdbc:mysql://...).
SCHEMES: dict[str, str] = {
    "postgres": "postgresql",
    "postgresql": "postgresql",
    "pgsql": "postgresql",
    "mysql": "mysql",
    "mariadb": "mysql",
    "mongodb": "mongodb",
    "mongodb+srv": "mongodb",
    "redis": "redis",
    "rediss": "redis",
    "amqp": "rabbitmq",
    "amqps": "rabbitmq",
    "kafka": "kafka",
    "s3": "s3",
}
SCHEME = re.compile(r"(?:jdbc:)?\b(postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|amqps?)://")

# Container images in compose files.
IMAGES: dict[str, str] = {
    "postgres": "postgresql",
    "postgis/postgis": "postgresql",
    "bitnami/postgresql": "postgresql",
    "mysql": "mysql",
    "mariadb": "mysql",
    "mongo": "mongodb",
    "redis": "redis",
    "valkey/valkey": "redis",
    "bitnami/redis": "redis",
    "rabbitmq": "rabbitmq",
    "bitnami/kafka": "kafka",
    "apache/kafka": "kafka",
    "confluentinc/cp-kafka": "kafka",
    "redpandadata/redpanda": "kafka",
    "minio/minio": "s3",
    "localstack/localstack": "s3",
}

# Rails config/database.yml adapters and Laravel DB_CONNECTION values.
ADAPTERS: dict[str, str] = {
    "postgresql": "postgresql",
    "postgis": "postgresql",
    "pgsql": "postgresql",
    "mysql2": "mysql",
    "mysql": "mysql",
    "trilogy": "mysql",
    "mariadb": "mysql",
    "mongodb": "mongodb",
}


def from_env_name(name: str) -> str | None:
    for pattern, kind in ENV_NAMES:
        if pattern.match(name):
            return kind
    return None


def image_kind(image: str) -> str | None:
    """`postgres:16-alpine` -> postgresql; registry prefixes and tags ignored."""
    ref = image.split("@", 1)[0]
    name = ref.rsplit(":", 1)[0] if ":" in ref.rsplit("/", 1)[-1] else ref
    for prefix in ("docker.io/library/", "docker.io/", "library/"):
        if name.startswith(prefix):
            name = name[len(prefix) :]
    return IMAGES.get(name)
