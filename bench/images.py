"""Build time and image size of the image opsmith generates for each example application.

    python bench/images.py [--cached] [APP ...]

For each example under tests/containers/apps/ with third-party dependencies (Node with npm, pnpm
and yarn; Python with pip, uv and Poetry), runs `opsmith init` on a copy, builds the generated
Dockerfile with podman from the local stand-in base images (tests/containers/podman_env.py) and
prints the wall time of the build and the image's size. Builds are cold (`--no-cache`: every layer,
the package manager's install included) unless `--cached`; packages come from the host's caching
mirror (tests/containers/build_dependencies.py), so the time is the install's, not the download's,
once the mirror has them. Needs root podman (see .ci/podman-setup). It asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "containers"))
import podman_env
from example_images import EXAMPLES, build_example
from package_mirror import PackageMirror


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("apps", nargs="*", metavar="APP", help=f"of {', '.join(EXAMPLES)} (default: all)")
    parser.add_argument("--cached", action="store_true", help="reuse podman's layer cache")
    args = parser.parse_args()
    unknown = sorted(set(args.apps) - EXAMPLES.keys())
    if unknown:
        parser.error(f"no example named {', '.join(unknown)}")
    reason = podman_env.podman_available()
    if reason:
        print(f"podman unavailable: {reason}", file=sys.stderr)
        return 1
    podman_env.ensure_base_images()
    print(f"{'cached' if args.cached else 'cold'} builds:")
    with PackageMirror(podman_env.STATE_DIR / "mirror") as mirror, tempfile.TemporaryDirectory() as tmp:
        for app in args.apps or EXAMPLES:
            built = build_example(app, Path(tmp) / app, mirror, no_cache=not args.cached)
            print(built.summary(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
