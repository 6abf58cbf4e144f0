"""What workflow jobs do (test, scan, lint, build, push, deploy, rollback), where deploys go, and
which checks gate them."""

from __future__ import annotations

import textwrap

import pytest

from opsmith.audit.source import SourceFile
from opsmith.parse.shell import commands
from opsmith.parse.workflow import WorkflowDoc, parse
from opsmith.rules.workflow_graph import (
    PRODUCTION,
    SCAN,
    STAGING,
    TEST,
    WorkflowSet,
    deploy_tiers,
    job_facts,
    script_commands,
    tiers_of,
    tool_of,
)


def _doc(text: str) -> WorkflowDoc:
    doc = parse(SourceFile(".github/workflows/x.yml", textwrap.dedent(text)))
    assert isinstance(doc, WorkflowDoc), doc
    return doc


def _kinds(script: str) -> set[str]:
    """The kinds of a job whose only step runs `script`."""
    doc = _doc("on: push\njobs:\n  j:\n    runs-on: x\n    steps:\n      - run: |\n          " + script)
    return set(job_facts(doc.jobs[0]).kinds)


def test_expressions_stay_whole_words() -> None:
    (cmd,) = script_commands("docker push ghcr.io/${{ github.repository }}:${{ github.sha }}")
    assert cmd.words == ("docker", "push", "ghcr.io/${{ github.repository }}:${{ github.sha }}")


def test_ssh_remote_commands_are_read_too() -> None:
    cmds = script_commands("ssh -i key -p 2222 deploy@host 'cd /srv/shop && docker compose up -d'")
    assert [c.program for c in cmds] == ["ssh", "cd", "docker"]


@pytest.mark.parametrize(
    ("line", "tool"),
    [
        ("npx eslint .", ("eslint", (".",))),
        ("uv run pytest -q", ("pytest", ("-q",))),
        ("python3 -m pytest tests", ("pytest", ("tests",))),
        ("bundle exec rspec", ("rspec", ())),
        ("go run golang.org/x/vuln/cmd/govulncheck@latest ./...", ("govulncheck", ("./...",))),
        ("sudo kubectl apply k8s/", ("kubectl", ("apply", "k8s/"))),
    ],
)
def test_tool_of_unwraps_runners(line: str, tool: tuple[str, tuple[str, ...]]) -> None:
    (cmd,) = commands(line) or []
    assert tool_of(cmd) == tool


@pytest.mark.parametrize(
    ("script", "kinds"),
    [
        ("kubectl -n prod apply -f k8s/", {"deploy"}),
        ("kubectl get pods", set()),
        ("kubectl set image deployment/api api=img:1", {"deploy"}),
        ("kubectl rollout undo deployment/api", {"rollback"}),
        ("helm upgrade --install shop ./chart", {"deploy"}),
        ("helm lint ./chart", {"lint"}),
        ("terraform -chdir=infra apply -auto-approve", {"deploy"}),
        ("terraform plan", set()),
        ("flyctl deploy --remote-only", {"deploy"}),
        ("aws --region eu-west-1 ecs update-service --cluster c --service s", {"deploy"}),
        ("gcloud run deploy shop --image img", {"deploy"}),
        ("railway up", {"deploy"}),
        ("opsmith deploy --env production", {"deploy"}),
        ("./scripts/deploy-prod.sh", {"deploy"}),
        ("bash scripts/deploy.sh staging", {"deploy"}),
        ("make deploy", {"deploy"}),
        ("npm run deploy:prod", {"deploy"}),
        ("pnpm deploy ./out", set()),
        ("vercel --prod", {"deploy"}),
        ("vercel deploy", set()),
        ("ssh host 'docker compose pull && docker compose up -d'", {"deploy"}),
        ("docker compose up -d", set()),
        ("DOCKER_HOST=ssh://deploy@host docker compose up -d", {"deploy"}),
        ("docker --context prod compose up -d", {"deploy"}),
        ("pytest -q", {"test"}),
        ("npm test", {"test"}),
        ("npm run test:unit", {"test"}),
        ("yarn test", {"test"}),
        ("go test ./...", {"test"}),
        ("./mvnw -B verify", {"test", "build"}),
        ("cargo test --locked", {"test"}),
        ("trivy image app:1", {"scan"}),
        ("npm audit --audit-level=high", {"scan"}),
        ("pip-audit -r requirements.txt", {"scan"}),
        ("zizmor .github/workflows", {"scan"}),
        ("npm run lint", {"lint"}),
        ("ruff check .", {"lint"}),
        ("tsc --noEmit", {"lint"}),
        ("docker build -t app .", {"build"}),
        ("docker buildx build --push -t app:1 .", {"build", "push"}),
        ("docker push app:1", {"push"}),
        ("npm run build", {"build"}),
        ("python -m build", {"build"}),
        ("make --always-make generate validate", {"build"}),  # a jsonnet repository's manifests
        ("npm run generate", {"build"}),
        ("go generate ./...", set()),  # code generation alone builds nothing
        # lint and type checks run as nox sessions, tox environments or make targets named for the tool
        ("nox -s pep484", {"lint"}),  # alembic's mypy session
        ("nox -t py-sqla20", set()),
        ("tox -e py312,flake8", {"lint"}),
        ("make typing", {"lint"}),
        ("npm run format:check", {"lint"}),
        ("nox -s mypy-3.13", {"lint"}),
        ("nox -s tests", {"test"}),
        ("tox -e typings_stubs", set()),  # not a known checker name
        ("echo deploy", set()),
        ("twine upload dist/*", {"publish"}),
        ("npm publish --provenance", {"publish"}),
    ],
)
def test_command_kinds(script: str, kinds: set[str]) -> None:
    assert _kinds(script) == kinds


def test_job_kinds_from_actions_and_names() -> None:
    doc = _doc(
        """\
        on: push
        jobs:
          scan:
            runs-on: x
            steps:
              - uses: aquasecurity/trivy-action@master
          image:
            runs-on: x
            steps:
              - uses: docker/build-push-action@v6
                with: {push: true, tags: "a:1"}
          unit-tests:
            runs-on: x
            steps:
              - uses: actions/checkout@v4
              - run: make ci
          checkout-only-tests:
            runs-on: x
            steps:
              - uses: actions/checkout@v4
        """
    )
    kinds = {job.id: job_facts(job).kinds for job in doc.jobs}
    assert kinds == {
        "scan": {"scan"},
        "image": {"build", "push"},
        "unit-tests": {"test"},
        "checkout-only-tests": set(),
    }


@pytest.mark.parametrize(
    ("name", "tiers"),
    [
        ("production", {PRODUCTION}),
        ("prod-eu-west-1", {PRODUCTION}),
        ("Live", {PRODUCTION}),
        ("staging", {STAGING}),
        ("pre-prod", {STAGING}),
        ("preprod", {STAGING}),
        ("nonprod", {STAGING}),
        ("uat2", {STAGING}),
        ("deploy staging and production", {STAGING, PRODUCTION}),
        ("product-catalog", set()),
        ("aws", set()),
    ],
)
def test_tiers_of(name: str, tiers: set[str]) -> None:
    assert tiers_of(name) == tiers


def test_deploy_tiers_from_matrix_inputs_names_and_commands() -> None:
    doc = _doc(
        """\
        name: Release
        on:
          workflow_dispatch:
            inputs:
              target: {type: choice, options: [staging, production]}
        jobs:
          matrix:
            strategy: {matrix: {env: [staging, production]}}
            environment: ${{ matrix.env }}
            runs-on: x
            steps: [{run: helm upgrade --install a ./chart}]
          chosen:
            environment: ${{ inputs.target }}
            runs-on: x
            steps: [{run: helm upgrade --install a ./chart}]
          by-name-prod:
            runs-on: x
            steps: [{run: helm upgrade --install a ./chart}]
          by-command:
            runs-on: x
            steps: [{run: kubectl apply -k overlays/staging}]
          unlabelled:
            runs-on: x
            steps: [{run: kubectl apply -f k8s/}]
        """
    )
    tiers = {job.id: deploy_tiers(doc, job) for job in doc.jobs}
    assert tiers == {
        "matrix": {STAGING, PRODUCTION},
        "chosen": {STAGING, PRODUCTION},
        "by-name-prod": {PRODUCTION},
        "by-command": {STAGING},
        "unlabelled": set(),
    }


def test_gates_follow_needs_transitively_but_not_through_always() -> None:
    doc = _doc(
        """\
        on: push
        jobs:
          test: {runs-on: x, steps: [{run: pytest}]}
          scan: {runs-on: x, steps: [{run: trivy fs .}]}
          build: {needs: [test, scan], runs-on: x, steps: [{run: docker build .}]}
          deploy: {needs: build, runs-on: x, steps: [{run: kubectl apply -f k8s}]}
          always: {needs: build, if: always(), runs-on: x, steps: [{run: kubectl apply -f k8s}]}
          checked:
            needs: build
            if: always() && needs.build.result == 'success'
            runs-on: x
            steps: [{run: x}]
          inline:
            runs-on: x
            steps: [{run: pytest}, {run: kubectl apply -f k8s}, {run: trivy fs .}]
        """
    )
    flows = WorkflowSet([("x.yml", doc)])
    gates = {job.id: flows.gates(doc, job, job_facts(job).first("deploy")) for job in doc.jobs}
    assert gates["deploy"] == {TEST, SCAN}
    assert gates["always"] == set()
    assert gates["checked"] == {TEST, SCAN}
    assert gates["inline"] == {TEST}  # the scan runs after the deploy step


def test_reusable_callers_become_deploys_with_the_callers_inputs() -> None:
    callee = _doc(
        """\
        on:
          workflow_call:
            inputs: {env: {type: string}}
        jobs:
          apply:
            environment: ${{ inputs.env }}
            runs-on: x
            steps: [{run: terraform apply -auto-approve}]
        """
    )
    caller = _doc(
        """\
        on: push
        jobs:
          stage: {uses: ./.github/workflows/deploy.yml, with: {env: staging}}
          prod: {uses: ./.github/workflows/deploy.yml, with: {env: production}}
          remote: {uses: acme/ops/.github/workflows/deploy.yml@v1, with: {environment: prod}}
          other: {uses: acme/ops/.github/workflows/lint.yml@v1}
        """
    )
    flows = WorkflowSet([(".github/workflows/deploy.yml", callee), (".github/workflows/ci.yml", caller)])
    found = {(d.job.id, tuple(sorted(d.tiers))) for d in flows.deploys()}
    assert found == {
        ("apply", ()),
        ("stage", (STAGING,)),
        ("prod", (PRODUCTION,)),
        ("remote", (PRODUCTION,)),
    }
    assert [j.id for _p, _d, j in flows.callers(".github/workflows/deploy.yml")] == ["stage", "prod"]


def test_publishing_a_package_is_not_a_deploy() -> None:
    doc = _doc(
        """\
        on: {release: {types: [published]}}
        jobs:
          deploy:
            name: Deploy to PyPI
            environment: {name: pypi, url: https://pypi.org/p/x}
            runs-on: x
            steps: [{uses: pypa/gh-action-pypi-publish@release/v1}]
          deploy-docs:
            environment: production-docs
            runs-on: x
            steps: [{run: twine upload dist/*}]
          deploy-site:
            environment: production
            runs-on: x
            steps: [{name: Deploy, run: ./bin/ship}]
        """
    )
    assert [d.job.id for d in WorkflowSet([("x.yml", doc)]).deploys()] == ["deploy-site"]
