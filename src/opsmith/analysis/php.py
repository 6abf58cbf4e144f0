"""PHP: Composer (composer.json, composer.lock), Laravel (artisan, Octane, Horizon)."""

from __future__ import annotations

from typing import Any

from opsmith.analysis.common import DEFAULT, Detection, present, runtime_from
from opsmith.analysis.facts import Command, CommandPurpose, Evidence, Fact, PackageManager, Process
from opsmith.analysis.services import CLIENTS
from opsmith.analysis.tree import Tree, join

MANIFESTS = ("composer.json",)
FRAMEWORKS = {"laravel/framework": "Laravel", "symfony/framework-bundle": "Symfony", "slim/slim": "Slim"}
SCRIPT_PURPOSES: dict[str, CommandPurpose] = {
    "test": "test",
    "lint": "lint",
    "analyse": "typecheck",
    "phpstan": "typecheck",
    "build": "build",
}
_TOOLS: tuple[tuple[str, CommandPurpose, str], ...] = (
    ("pestphp/pest", "test", "vendor/bin/pest"),
    ("phpunit/phpunit", "test", "vendor/bin/phpunit"),
    ("laravel/pint", "lint", "vendor/bin/pint --test"),
    ("friendsofphp/php-cs-fixer", "lint", "vendor/bin/php-cs-fixer fix --dry-run"),
    ("larastan/larastan", "typecheck", "vendor/bin/phpstan analyse"),
    ("phpstan/phpstan", "typecheck", "vendor/bin/phpstan analyse"),
    ("vimeo/psalm", "typecheck", "vendor/bin/psalm"),
)


def detect(tree: Tree, folder: str) -> Detection | None:
    composer = tree.read(join(folder, "composer.json"))
    data = composer.json() if composer else None
    if composer is None or not isinstance(data, dict):
        return None
    found = Detection("php", folder, composer.whole())
    name = data.get("name")
    found.name = name.rsplit("/", 1)[-1] if isinstance(name, str) else None
    found.languages.append(Fact("PHP", (composer.whole(),)))
    lock = present(tree, folder, ("composer.lock",))
    found.package_manager = PackageManager("composer", lock, (composer.whole(),))
    for section in ("require", "require-dev"):
        table: Any = data.get(section)
        for dep in table if isinstance(table, dict) else {}:
            found.deps[dep.lower()] = composer.json_key(section, dep)
    platform = data.get("config", {}).get("platform", {}) if isinstance(data.get("config"), dict) else {}
    if isinstance(platform, dict) and isinstance(platform.get("php"), str):
        found.runtime = runtime_from("php", platform["php"], composer.json_key("platform", "php"))
    elif isinstance(data.get("require"), dict) and isinstance(data["require"].get("php"), str):
        found.runtime = runtime_from("php", data["require"]["php"], composer.json_key("require", "php"))
    for dep, framework in FRAMEWORKS.items():
        if dep in found.deps:
            found.add_framework(framework, found.deps[dep])
    found.map_dependencies(CLIENTS["php"])
    found.add_command(
        "install", "composer install --no-dev --optimize-autoloader", composer.whole(), "convention"
    )
    scripts = data.get("scripts")
    for script in scripts if isinstance(scripts, dict) else {}:
        purpose = SCRIPT_PURPOSES.get(script)
        if purpose:
            found.add_command(purpose, f"composer run-script {script}", composer.json_key("scripts", script))
    laravel = found.deps.get("laravel/framework")
    if laravel and tree.exists(join(folder, "artisan")) and "phpunit/phpunit" in found.deps:
        found.add_command("test", "php artisan test", found.deps["phpunit/phpunit"], "derived")
    for dep, purpose, command in _TOOLS:
        if dep in found.deps:
            found.add_command(purpose, command, found.deps[dep], "derived")
    if laravel:
        _laravel(found, laravel)
    return found


def _laravel(found: Detection, evidence: Evidence) -> None:
    octane = found.deps.get("laravel/octane")
    if octane:
        found.start = Command(
            "start",
            "php artisan octane:start --host=0.0.0.0 --port=8000",
            (octane,),
            "derived",
            "Laravel Octane",
        )
    else:
        found.start = Command(
            "start",
            "php artisan serve --host=0.0.0.0 --port=8000",
            (evidence,),
            "convention",
            "PHP's built-in server: one request at a time per worker; PHP-FPM or Octane "
            "carry production load",
        )
    found.add_port(DEFAULT, 8000, octane or evidence, "convention", "the port in the start command")
    horizon = found.deps.get("laravel/horizon")
    if horizon:
        found.worker = Fact("laravel/horizon", (horizon,))
        found.processes.append(Process("worker", "worker", "php artisan horizon", (horizon,), "convention"))
