"""Ruby: Bundler (Gemfile, Gemfile.lock), Rails and Sinatra, Puma, Sidekiq."""

from __future__ import annotations

import re

from opsmith.analysis.common import DEFAULT, Detection, present, runtime_from
from opsmith.analysis.facts import Command, Fact, PackageManager, Process
from opsmith.analysis.services import CLIENTS
from opsmith.analysis.tree import Tree, join

MANIFESTS = ("Gemfile",)
_GEM = re.compile(r"""^\s*gem\s+["']([\w.\-]+)["']""")
_RUBY = re.compile(r"""^\s*ruby\s+["']([^"']+)["']""")
WORKERS = {
    "sidekiq": "bundle exec sidekiq",
    "good_job": "bundle exec good_job start",
    "solid_queue": "bin/jobs",
    "resque": "bundle exec rake resque:work",
}


def detect(tree: Tree, folder: str) -> Detection | None:
    gemfile = tree.read(join(folder, "Gemfile"))
    if gemfile is None:
        return None
    found = Detection("ruby", folder, gemfile.whole())
    found.languages.append(Fact("Ruby", (gemfile.whole(),)))
    lock = present(tree, folder, ("Gemfile.lock",))
    found.package_manager = PackageManager("bundler", lock, (gemfile.whole(),))
    for number, line in enumerate(gemfile.lines, start=1):
        gem = _GEM.match(line)
        if gem:
            found.deps.setdefault(gem.group(1), gemfile.evidence(number))
    version = tree.read(join(folder, ".ruby-version"))
    ruby_line = gemfile.find(_RUBY)
    if version and version.text.strip():
        found.runtime = runtime_from("ruby", version.lines[0].removeprefix("ruby-"), version.evidence(1))
    elif ruby_line:
        found.runtime = runtime_from(
            "ruby",
            _RUBY.match(gemfile.lines[ruby_line - 1]).group(1),  # type: ignore[union-attr]
            gemfile.evidence(ruby_line),
        )
    found.map_dependencies(CLIENTS["ruby"])
    rails = found.deps.get("rails") or found.deps.get("railties")
    if rails:
        found.add_framework("Rails", rails)
        found.add_port(DEFAULT, 3000, rails, "convention", "Rails' default port")
    elif "sinatra" in found.deps:
        found.add_framework("Sinatra", found.deps["sinatra"])
    found.add_command("install", "bundle install", gemfile.whole(), "convention")
    if "rspec-rails" in found.deps or "rspec" in found.deps:
        found.add_command(
            "test", "bundle exec rspec", found.deps.get("rspec-rails") or found.deps["rspec"], "derived"
        )
    elif rails:
        found.add_command("test", "bin/rails test", rails, "convention")
    if "rubocop" in found.deps or "rubocop-rails-omakase" in found.deps:
        found.add_command(
            "lint",
            "bundle exec rubocop",
            found.deps.get("rubocop") or found.deps["rubocop-rails-omakase"],
            "derived",
        )
    puma = tree.read(join(folder, "config/puma.rb"))
    if "puma" in found.deps and puma:
        found.start = Command(
            "start",
            "bundle exec puma -C config/puma.rb",
            (puma.whole(), found.deps["puma"]),
            "derived",
            "Puma with the app's own config",
        )
    elif rails:
        found.start = Command("start", "bin/rails server -b 0.0.0.0", (rails,), "convention")
    for library, command in WORKERS.items():
        if library in found.deps:
            found.worker = Fact(library, (found.deps[library],))
            found.processes.append(Process("worker", "worker", command, (found.deps[library],), "convention"))
            break
    return found
