"""Container image references (`registry/repository:tag@digest`), read the same way by every
family that names an image. A module of its own so that reading one costs no Dockerfile parser."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ImageRef:
    name: str  # registry/repository, lower-cased
    tag: str | None
    digest: str | None

    @property
    def short_name(self) -> str:
        return self.name.rsplit("/", 1)[-1]


def image_ref(ref: str) -> ImageRef:
    rest, _, digest = ref.partition("@")
    slash = rest.rfind("/")
    colon = rest.rfind(":")
    if colon > slash:
        name, tag = rest[:colon], rest[colon + 1 :]
    else:
        name, tag = rest, None
    return ImageRef(name.lower(), tag or None, digest or None)
