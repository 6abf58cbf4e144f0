"""Java and Kotlin: Maven (pom.xml) and Gradle (build.gradle[.kts]); Spring Boot."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from opsmith.analysis.common import DEFAULT, Detection, derived_start, present, runtime_from
from opsmith.analysis.facts import Evidence, Fact, PackageManager
from opsmith.analysis.services import CLIENTS
from opsmith.analysis.tree import TextFile, Tree, join

MANIFESTS = ("pom.xml", "build.gradle", "build.gradle.kts")
_GRADLE_DEP = re.compile(
    r"^\s*(?:implementation|api|runtimeOnly|compileOnly|testImplementation|developmentOnly)"
    r"\s*\(?\s*[\"']([\w.\-]+):([\w.\-]+)(?::[^\"']*)?[\"']"
)
_GRADLE_JAVA = re.compile(
    r"JavaLanguageVersion\.of\(\s*(\d+)\s*\)|(?:source|target)Compatibility\s*=\s*(?:JavaVersion\.VERSION_)?"
    r"[\"']?(\d+(?:\.\d+)?)|jvmToolchain\(\s*(\d+)\s*\)"
)
_SPRING_PLUGIN = re.compile(r"org\.springframework\.boot")
# `name = "value"` in a Gradle line (searched from the `=`: `.*=` first would be quadratic)
_QUOTED_VALUE = re.compile(r"=\s*[\"']([^\"']+)[\"']")
_LINT_PLUGINS = (
    ("spotless", "spotless:check", "spotlessCheck"),
    ("checkstyle", "checkstyle:check", "checkstyleMain"),
)


def detect(tree: Tree, folder: str) -> Detection | None:
    pom = tree.read(join(folder, "pom.xml"))
    if pom is not None:
        return _maven(tree, folder, pom)
    gradle = tree.first(folder, "build.gradle.kts", "build.gradle")
    return _gradle(tree, folder, gradle) if gradle else None


def _language(tree: Tree, folder: str, manifest: TextFile, kotlin: bool) -> Fact[str]:
    if kotlin:
        return Fact("Kotlin", (manifest.at(r"kotlin"),))
    return Fact("Java", (manifest.whole(),))


def _spring(found: Detection, evidence: Evidence) -> None:
    found.add_framework("Spring Boot", evidence)
    found.add_port(DEFAULT, 8080, evidence, "convention", "Spring Boot's default port (server.port)")
    actuator = found.deps.get("org.springframework.boot:spring-boot-starter-actuator")
    if actuator:
        found.health.append(Fact("/actuator/health", (actuator,), "convention", "Spring Boot Actuator"))


def _maven(tree: Tree, folder: str, pom: TextFile) -> Detection:
    found = Detection("java", folder, pom.whole())
    root = _xml(pom.text)
    artifact = _text(root, "artifactId")
    version = _text(root, "version") or _text(root, "parent/version")
    found.name = artifact
    found.languages.append(_language(tree, folder, pom, "kotlin-maven-plugin" in pom.text))
    lock = None
    found.package_manager = PackageManager("maven", lock, (pom.whole(),))
    for key in ("java.version", "maven.compiler.release", "maven.compiler.source", "maven.compiler.target"):
        value = _text(root, f"properties/{key}")
        if value:
            found.runtime = runtime_from("java", value, pom.at(rf"<{re.escape(key)}>"))
            break
    if root is not None:
        for dep in root.iter(_ns(root, "dependency")):
            group, name = dep.findtext(_ns(root, "groupId")), dep.findtext(_ns(root, "artifactId"))
            if group and name:
                found.deps[f"{group}:{name}"] = pom.at(rf"<artifactId>\s*{re.escape(name)}\s*</artifactId>")
        modules = [m.text.strip() for m in root.iter(_ns(root, "module")) if m.text and m.text.strip()]
        if modules:
            found.workspaces = modules
            found.workspace_evidence = pom.at(r"<modules>")
    found.map_dependencies(CLIENTS["java"])
    if _SPRING_PLUGIN.search(pom.text):
        _spring(
            found, pom.at(r"spring-boot-starter-parent|spring-boot-maven-plugin|org\.springframework\.boot")
        )
    tool = "./mvnw" if tree.exists(join(folder, "mvnw")) else "mvn"
    found.add_command("install", f"{tool} -B dependency:go-offline", pom.whole(), "convention")
    found.add_command("build", f"{tool} -B package -DskipTests", pom.whole(), "convention")
    found.add_command("test", f"{tool} -B test", pom.whole(), "convention")
    for plugin, goal, _ in _LINT_PLUGINS:
        if f"{plugin}-maven-plugin" in pom.text or f"maven-{plugin}-plugin" in pom.text:
            found.add_command("lint", f"{tool} -B {goal}", pom.at(plugin))
    if found.server and artifact and version:
        jar = f"target/{artifact}-{version}.jar"
        found.start = derived_start(
            f"java -jar {jar}", pom.at(r"<artifactId>"), "the jar spring-boot-maven-plugin repackages"
        )
    return found


def _gradle(tree: Tree, folder: str, gradle: TextFile) -> Detection:
    found = Detection("java", folder, gradle.whole())
    settings = tree.first(folder, "settings.gradle.kts", "settings.gradle")
    name_line = settings.find(r"rootProject\.name\s*=") if settings else None
    if settings and name_line:
        found.name = _quoted_value(settings.lines[name_line - 1]) or found.name
    kotlin = (
        gradle.relpath.endswith(".kts") and "kotlin(" in gradle.text
    ) or "org.jetbrains.kotlin" in gradle.text
    found.languages.append(_language(tree, folder, gradle, kotlin))
    lock = present(tree, folder, ("gradle.lockfile",))
    found.package_manager = PackageManager("gradle", lock, (gradle.whole(),))
    for number, line in enumerate(gradle.lines, start=1):
        dep = _GRADLE_DEP.match(line)
        if dep:
            found.deps[f"{dep.group(1)}:{dep.group(2)}"] = gradle.evidence(number)
        java = _GRADLE_JAVA.search(line)
        if java and found.runtime is None:
            found.runtime = runtime_from("java", next(g for g in java.groups() if g), gradle.evidence(number))
    found.map_dependencies(CLIENTS["java"])
    if _SPRING_PLUGIN.search(gradle.text):
        _spring(found, gradle.at(_SPRING_PLUGIN))
    tool = "./gradlew" if tree.exists(join(folder, "gradlew")) else "gradle"
    found.add_command("build", f"{tool} build -x test", gradle.whole(), "convention")
    found.add_command("test", f"{tool} test", gradle.whole(), "convention")
    for plugin, _, task in _LINT_PLUGINS:
        if plugin in gradle.text:
            found.add_command("lint", f"{tool} {task}", gradle.at(plugin))
    version_line = gradle.find(r"^version\s*=")
    version = _quoted_value(gradle.lines[version_line - 1]) if version_line else None
    if found.server and found.name:
        jar = f"build/libs/{found.name}-{version}.jar" if version else f"build/libs/{found.name}.jar"
        found.start = derived_start(
            f"java -jar {jar}",
            gradle.at(_SPRING_PLUGIN),
            "the jar the Spring Boot plugin's bootJar task builds",
        )
    return found


def _xml(text: str) -> ET.Element | None:
    if "<!ENTITY" in text:  # never expand entities from a repository's file
        return None
    try:
        return ET.fromstring(text)
    except ET.ParseError:
        return None


def _ns(root: ET.Element, tag: str) -> str:
    namespace = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""
    return "/".join(namespace + part for part in tag.split("/"))


def _text(root: ET.Element | None, path: str) -> str | None:
    if root is None:
        return None
    value = root.findtext(_ns(root, path))
    return value.strip() if value and value.strip() else None


def _quoted_value(line: str) -> str | None:
    quoted = _QUOTED_VALUE.search(line)
    return quoted.group(1) if quoted else None
