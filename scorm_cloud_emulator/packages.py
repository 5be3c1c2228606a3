"""Course package import: safe unzip and hardened ``imsmanifest.xml`` parsing.

Nothing here speaks HTTP. The import job calls :func:`import_package` and turns a
:class:`PackageError` into an ``ERROR`` job whose ``message`` is ``error.message``; the
returned :class:`ParsedPackage` feeds ``importResult`` (course title, learning standard,
``parserWarnings``, ``courseLanguages``) and the course's ``rootActivity``.
"""
import posixpath
import re
import shutil
import stat
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional
from urllib.parse import unquote, urljoin, urlsplit
from xml.etree.ElementTree import ParseError
from xml.parsers.expat import ErrorString

from defusedxml import DefusedXmlException, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import fromstring

MANIFEST_NAME = "imsmanifest.xml"

# Limits against zip bombs and resource exhaustion. Every one can be overridden per call.
MAX_TOTAL_SIZE = 1024 * 1024 * 1024  # bytes, all entries uncompressed
MAX_ENTRIES = 20_000
MAX_COMPRESSION_RATIO = 200  # uncompressed / compressed, per entry
# Small entries cannot exhaust anything whatever their ratio (a blank .DS_Store compresses ~100x).
RATIO_CHECK_MIN_SIZE = 1024 * 1024
MAX_MANIFEST_SIZE = 16 * 1024 * 1024
MAX_ITEM_DEPTH = 100  # nested <item>s; real courses use a handful

_CHUNK_SIZE = 64 * 1024
# What zipfile raises while reading a damaged member.
_CORRUPT = (zipfile.BadZipFile, EOFError, zlib.error)
_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# Normalised <schemaversion> text -> SCORM Cloud's courseLearningStandard.
_SCHEMA_VERSIONS = {
    "1.1": "SCORM11",
    "1.2": "SCORM12",
    "cam 1.3": "SCORM20042NDEDITION",
    "2004 2nd edition": "SCORM20042NDEDITION",
    "2004 3rd edition": "SCORM20043RDEDITION",
    "2004 4th edition": "SCORM20044THEDITION",
}
_SCORM12_NAMESPACES = ("http://www.adlnet.org/xsd/adlcp_rootv1p2", "http://www.imsproject.org/xsd/imscp_rootv1p1p2")
_SCORM2004_NAMESPACES = ("http://www.adlnet.org/xsd/adlcp_v1p3", "http://www.imsglobal.org/xsd/imscp_v1p1")


class PackageError(Exception):
    """The package cannot be imported; ``message`` is written for the course author."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass
class Activity:
    """One node of the course's activity tree, as SCORM Cloud reports it in ``rootActivity``."""

    identifier: str
    title: str
    activity_type: str  # "AGGREGATION" | "SCO" | "ASSET"
    href: Optional[str] = None
    resource_identifier: Optional[str] = None
    scaled_passing_score: Optional[float] = None
    completion_threshold: Optional[float] = None
    children: list = field(default_factory=list)

    def to_json(self):
        """This activity and its descendants in the ``CourseActivitySchema`` shape."""
        return {
            "externalIdentifier": self.identifier,
            "itemIdentifier": self.identifier,
            "resourceIdentifier": self.resource_identifier,
            "activityType": self.activity_type,
            "href": self.href,
            # The schema types scaledPassingScore as a string.
            "scaledPassingScore": None if self.scaled_passing_score is None else str(self.scaled_passing_score),
            "title": self.title,
            "children": [child.to_json() for child in self.children],
        }

    def walk(self):
        """This activity, then its descendants in organization (pre-)order."""
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass
class ParsedPackage:
    title: str
    learning_standard: str
    schema_version: Optional[str]
    manifest_identifier: str
    root: Activity
    scos: list
    warnings: list
    languages: list

    def launchable(self):
        """Every activity with a launch URL (SCOs and assets), in organization order."""
        return [activity for activity in self.root.walk() if activity.href is not None]


# --------------------------------------------------------------------------------------------
# Zip safety


def inspect_zip(
    zip_path,
    *,
    max_total_size=MAX_TOTAL_SIZE,
    max_entries=MAX_ENTRIES,
    max_compression_ratio=MAX_COMPRESSION_RATIO,
):
    """Raise :class:`PackageError` unless the zip at ``zip_path`` is safe to extract."""
    with _open_zip(zip_path) as archive:
        _check_entries(archive, max_total_size, max_entries, max_compression_ratio)


def import_package(
    zip_path,
    dest_dir,
    *,
    max_total_size=MAX_TOTAL_SIZE,
    max_entries=MAX_ENTRIES,
    max_compression_ratio=MAX_COMPRESSION_RATIO,
):
    """Check the zip, extract it into ``dest_dir`` and parse its manifest.

    ``dest_dir`` must be absent or empty. On any error nothing is left in it and
    :class:`PackageError` is raised.
    """
    dest_dir = Path(dest_dir)
    if dest_dir.exists() and (not dest_dir.is_dir() or any(dest_dir.iterdir())):
        raise ValueError(f"destination {dest_dir} must be absent or an empty directory")
    with _open_zip(zip_path) as archive:
        entries = _check_entries(archive, max_total_size, max_entries, max_compression_ratio)
        manifest = _find_manifest(entries)
        package = parse_manifest(_read_member(archive, manifest, MAX_MANIFEST_SIZE))
        _check_launch_files(package, {path for path, info in entries if not info.is_dir()})
        # Extract beside the destination, then rename, so a failure never leaves a partial tree.
        dest_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{dest_dir.name}-", dir=dest_dir.parent))
        try:
            _extract(archive, entries, staging)
            if dest_dir.exists():
                dest_dir.rmdir()
            staging.rename(dest_dir)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return package


def _open_zip(zip_path):
    try:
        return zipfile.ZipFile(zip_path)
    except zipfile.BadZipFile:
        raise PackageError("The file is not a zip archive. Upload the course package as a .zip file.") from None
    except NotImplementedError as error:
        raise PackageError(f"The zip uses a format that is not supported ({error}).") from None
    except OSError as error:
        raise PackageError(f"The package could not be read: {error.strerror or error}.") from None


def _check_entries(archive, max_total_size, max_entries, max_compression_ratio):
    """Validate every entry; return ``[(safe relative path, ZipInfo)]``."""
    infos = archive.infolist()
    if len(infos) > max_entries:
        raise PackageError(f"The package has {len(infos)} files; at most {max_entries} are allowed.")
    entries, seen, total = [], set(), 0
    for info in infos:
        path = _safe_member_path(info.filename)
        mode = info.external_attr >> 16
        kind = stat.S_IFMT(mode)
        if stat.S_ISLNK(mode):
            raise PackageError(f"The package contains a symbolic link ({info.filename}); links are not allowed.")
        if kind and kind not in (stat.S_IFREG, stat.S_IFDIR):
            raise PackageError(
                f"The package contains a special file ({info.filename}); only files and folders are allowed."
            )
        if info.flag_bits & 0x1:
            raise PackageError(
                f"The package contains an encrypted file ({info.filename}); encrypted zips are not supported."
            )
        if path in seen:
            raise PackageError(f"The package contains {info.filename} more than once.")
        seen.add(path)
        total += info.file_size
        if total > max_total_size:
            raise PackageError(f"The package unzips to more than {max_total_size} bytes, the most allowed.")
        if info.file_size >= RATIO_CHECK_MIN_SIZE and info.file_size > info.compress_size * max_compression_ratio:
            raise PackageError(
                f"{info.filename} is compressed more than {max_compression_ratio} to 1; "
                "the package looks like a zip bomb."
            )
        entries.append((path, info))
    return entries


_DRIVE = re.compile(r"^[A-Za-z]:")


def _safe_member_path(name):
    """The entry name as a clean relative POSIX path, or PackageError if it could escape."""
    # Zips made on Windows sometimes use backslashes as separators.
    normalized = name.replace("\\", "/")
    if "\x00" in normalized or normalized.startswith("/") or _DRIVE.match(normalized):
        raise PackageError(f"The package contains an entry with an absolute path ({name}).")
    parts = [part for part in normalized.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise PackageError(f"The package contains an entry that points outside the package ({name}).")
    if not parts:
        raise PackageError(f"The package contains an entry with an empty name ({name!r}).")
    return "/".join(parts)


def _find_manifest(entries):
    for path, info in entries:
        if path == MANIFEST_NAME and not info.is_dir():
            return info
    elsewhere = [path for path, info in entries if posixpath.basename(path).lower() == MANIFEST_NAME]
    if elsewhere:
        raise PackageError(
            f"The package has no {MANIFEST_NAME} at the root of the zip; one was found at {elsewhere[0]}. "
            f"Zip the contents of that folder so {MANIFEST_NAME} is at the top level."
        )
    raise PackageError(f"The package has no {MANIFEST_NAME} at the root of the zip. Is it a SCORM package?")


def _read_member(archive, info, limit):
    if info.file_size > limit:
        raise PackageError(f"{info.filename} is larger than {limit} bytes.")
    try:
        with _open_member(archive, info) as source:
            data = source.read(limit + 1)
    except _CORRUPT as error:
        raise PackageError(f"{info.filename} is corrupt in the zip ({error}).") from None
    if len(data) > limit:
        raise PackageError(f"{info.filename} is larger than {limit} bytes.")
    return data


def _open_member(archive, info):
    try:
        return archive.open(info)
    except NotImplementedError:
        raise PackageError(f"{info.filename} uses a compression method that is not supported.") from None
    except (*_CORRUPT, OSError) as error:  # OSError: a header points outside the file
        raise PackageError(f"{info.filename} is corrupt in the zip ({error}).") from None


def _extract(archive, entries, target):
    for path, info in entries:
        destination = target.joinpath(*path.split("/"))
        try:
            if info.is_dir():
                destination.mkdir(parents=True, exist_ok=True)
                continue
            destination.parent.mkdir(parents=True, exist_ok=True)
            # zipfile stops at the size the header declares and then fails the CRC check, so a
            # lying header cannot get past the limits checked on the headers. Exclusive creation
            # never writes through something already there.
            with _open_member(archive, info) as source, open(destination, "xb") as sink:
                shutil.copyfileobj(source, sink, _CHUNK_SIZE)
        except _CORRUPT as error:
            raise PackageError(f"{info.filename} is corrupt in the zip ({error}).") from None
        except OSError as error:
            raise PackageError(f"{info.filename} could not be extracted: {error.strerror or error}.") from None


def _check_launch_files(package, files):
    """Warn about activities whose launch file is missing; fail if nothing can launch."""
    launchable = package.launchable()
    missing = [activity for activity in launchable if not _launch_file_present(activity.href, files)]
    for activity in missing:
        package.warnings.append(
            f"Item '{activity.identifier}' launches {activity.href}, but that file is not in the package."
        )
    if launchable and len(missing) == len(launchable):
        raise PackageError("None of the files the manifest launches are in the package, so nothing can be launched.")


def _launch_file_present(href, files):
    if urlsplit(href).scheme:
        return True  # external content, nothing to find in the zip
    path = urlsplit(href).path
    return path in files or unquote(path) in files


# --------------------------------------------------------------------------------------------
# Manifest parsing


def parse_manifest(xml_bytes):
    """Parse an ``imsmanifest.xml`` without entities, DTD fetching or network access."""
    root = _parse_xml(xml_bytes)
    if _local(root.tag) != "manifest":
        raise PackageError(
            f"{MANIFEST_NAME} is not a content package manifest: its root element is <{_local(root.tag)}>."
        )
    return _ManifestReader(root).read()


def _parse_xml(xml_bytes):
    try:
        return fromstring(xml_bytes, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except (EntitiesForbidden, ExternalReferenceForbidden):
        raise PackageError(
            f"{MANIFEST_NAME} declares XML entities, which are not allowed. "
            "Remove the DOCTYPE entity declarations."
        ) from None
    except DefusedXmlException as error:
        raise PackageError(f"{MANIFEST_NAME} uses an XML feature that is not allowed ({error}).") from None
    except LookupError as error:  # an encoding Python does not know
        raise PackageError(f"{MANIFEST_NAME} declares an encoding that is not supported ({error}).") from None
    except ParseError as error:
        line, column = error.position
        raise PackageError(
            f"{MANIFEST_NAME} is not well-formed XML: {ErrorString(error.code)} (line {line}, column {column + 1})."
        ) from None


def _local(tag):
    """Element or attribute name without its namespace: SCORM 1.2 and 2004 use different ones."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _namespace(tag):
    return tag[1:].split("}", 1)[0] if isinstance(tag, str) and tag.startswith("{") else ""


def _children(element, name):
    return [child for child in element if _local(child.tag) == name]


def _child(element, name):
    return next(iter(_children(element, name)), None)


def _text(element):
    return "".join(element.itertext()).strip() if element is not None else ""


def _attr(element, name, *, case_sensitive=True):
    """An attribute by local name in any namespace (``adlcp:scormtype`` vs ``adlcp:scormType``)."""
    for key, value in element.attrib.items():
        local = _local(key)
        if local == name or (not case_sensitive and local.lower() == name.lower()):
            return value.strip()
    return None


def _apply_base(base, href):
    return urljoin(base, href) if base else href


def apply_parameters(href, parameters):
    """Add an item's ``parameters`` to a launch URL the way the SCORM CAM describes."""
    parameters = (parameters or "").strip().lstrip("?&")
    if not parameters:
        return href
    url, hash_mark, fragment = href.partition("#")
    if parameters.startswith("#"):
        # A fragment in parameters is ignored if the href already has one.
        return href if hash_mark else href + parameters
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}{parameters}{hash_mark}{fragment}"


@dataclass
class _Resource:
    identifier: str
    href: Optional[str]
    scorm_type: str  # "SCO" | "ASSET"


class _ManifestReader:
    """One pass over a parsed manifest; collects warnings as it goes."""

    def __init__(self, root):
        self.root = root
        self.warnings = []
        self.identifier = root.get("identifier", "").strip()
        self.learning_standard = "UNKNOWN"
        self.collection = {}
        self.item_identifiers = set()

    def read(self):
        schema_version, self.learning_standard = self._learning_standard()
        resources = self._resources()
        self.collection = self._sequencing_collection()
        organization, title = self._organization()
        if organization is not None:
            root = Activity(
                identifier=organization.get("identifier", "").strip() or self.identifier,
                title=title,
                activity_type="AGGREGATION",
                children=self._items(organization, resources),
            )
        else:
            root = self._root_from_resources(resources, title)
        if not any(activity.href is not None for activity in root.walk()):
            raise PackageError(f"{MANIFEST_NAME} has no item that launches a SCO or asset, so nothing can be launched.")
        return ParsedPackage(
            title=title,
            learning_standard=self.learning_standard,
            schema_version=schema_version,
            manifest_identifier=self.identifier,
            root=root,
            scos=[activity for activity in root.walk() if activity.activity_type == "SCO"],
            warnings=self.warnings,
            languages=self._languages(),
        )

    # -- learning standard

    def _learning_standard(self):
        metadata = _child(self.root, "metadata")
        version_element = _child(metadata, "schemaversion") if metadata is not None else None
        schema_version = _text(version_element) or None
        if schema_version:
            key = " ".join(schema_version.lower().split())
            key = key.removeprefix("scorm ").strip()
            if key in _SCHEMA_VERSIONS:
                return schema_version, _SCHEMA_VERSIONS[key]
            reason = f"The schemaversion '{schema_version}' is not a SCORM version"
        else:
            reason = "The manifest has no <metadata><schemaversion>"
        inferred = self._standard_from_namespaces()
        if inferred == "UNKNOWN":
            self.warnings.append(f"{reason}, and its namespaces do not tell the SCORM version either.")
        else:
            self.warnings.append(f"{reason}; {inferred} was inferred from its namespaces.")
        return schema_version, inferred

    def _standard_from_namespaces(self):
        namespaces = {_namespace(element.tag) for element in self.root.iter()}
        for element in self.root.iter():
            namespaces.update(_namespace(key) for key in element.attrib)
        if namespaces & set(_SCORM12_NAMESPACES):
            return "SCORM12"
        if namespaces & set(_SCORM2004_NAMESPACES):
            return "SCORM20043RDEDITION"
        return "UNKNOWN"

    @property
    def is_scorm12(self):
        return self.learning_standard in ("SCORM11", "SCORM12")

    # -- resources

    def _resources(self):
        manifest_base = self.root.get(_XML_BASE, "")
        resources = {}
        for container in _children(self.root, "resources"):
            container_base = _apply_base(manifest_base, container.get(_XML_BASE, ""))
            for element in _children(container, "resource"):
                identifier = element.get("identifier", "").strip()
                if not identifier:
                    self.warnings.append("A <resource> has no identifier; it was ignored.")
                    continue
                if identifier in resources:
                    self.warnings.append(f"Resource '{identifier}' is declared twice; the first one is used.")
                    continue
                href = element.get("href", "").strip() or None
                if href is not None:
                    href = _apply_base(_apply_base(container_base, element.get(_XML_BASE, "")), href)
                scorm_type = (_attr(element, "scormtype", case_sensitive=False) or "asset").lower()
                resources[identifier] = _Resource(identifier, href, "SCO" if scorm_type == "sco" else "ASSET")
        return resources

    def _sequencing_collection(self):
        collection = {}
        for container in _children(self.root, "sequencingCollection"):
            for sequencing in _children(container, "sequencing"):
                if sequencing.get("ID"):
                    collection[sequencing.get("ID")] = sequencing
        return collection

    # -- organizations and items

    def _organization(self):
        """The default organization and the course title."""
        container = _child(self.root, "organizations")
        organizations = _children(container, "organization") if container is not None else []
        default_id = (container.get("default") or "").strip() if container is not None else ""
        chosen = next((org for org in organizations if org.get("identifier", "").strip() == default_id), None)
        if chosen is None and organizations:
            chosen = organizations[0]
            if default_id:
                self.warnings.append(
                    f"The default organization '{default_id}' does not exist; "
                    f"'{chosen.get('identifier', '')}' was used instead."
                )
        title = _text(_child(chosen, "title")) if chosen is not None else ""
        if not title:
            title = self.identifier or "Untitled course"
            self.warnings.append(f"The course has no organization title; '{title}' was used as its title.")
        return chosen, title

    def _items(self, parent, resources, depth=1):
        if depth > MAX_ITEM_DEPTH:
            raise PackageError(f"{MANIFEST_NAME} nests items more than {MAX_ITEM_DEPTH} levels deep.")
        activities = []
        for item in _children(parent, "item"):
            activity = self._item(item, resources, depth)
            if activity is not None:
                activities.append(activity)
        return activities

    def _item(self, item, resources, depth):
        identifier = item.get("identifier", "").strip()
        title = _text(_child(item, "title")) or identifier
        if not identifier:
            self.warnings.append(f"An item titled '{title}' has no identifier; it was skipped.")
            return None
        if identifier in self.item_identifiers:
            self.warnings.append(f"Item identifier '{identifier}' is used more than once; progress may be mixed up.")
        self.item_identifiers.add(identifier)
        children = self._items(item, resources, depth + 1)
        reference = (item.get("identifierref") or "").strip()
        if _children(item, "item"):
            # SCORM 1.2 lets a parent item launch content too; 2004 forbids it.
            if reference and not self.is_scorm12:
                self.warnings.append(
                    f"Item '{identifier}' has child items, so its identifierref '{reference}' was ignored."
                )
                reference = ""
        elif not reference:
            self.warnings.append(f"Item '{identifier}' has no identifierref and no child items; it was skipped.")
            return None
        launch = self._launch(item, identifier, reference, resources) if reference else None
        if launch is None:
            if not _children(item, "item"):
                return None
            return Activity(identifier, title, "AGGREGATION", children=children)
        resource, href = launch
        return Activity(
            identifier=identifier,
            title=title,
            activity_type=resource.scorm_type,
            href=href,
            resource_identifier=resource.identifier,
            scaled_passing_score=self._passing_score(item, identifier),
            completion_threshold=self._completion_threshold(item, identifier),
            children=children,
        )

    def _launch(self, item, identifier, reference, resources):
        """The item's resource and launch URL, or None (with a warning) if it cannot launch."""
        resource = resources.get(reference)
        if resource is None:
            self.warnings.append(f"Item '{identifier}' refers to resource '{reference}', which is not in the manifest.")
            return None
        if resource.href is None:
            self.warnings.append(f"Resource '{reference}' (item '{identifier}') has no href to launch.")
            return None
        href = apply_parameters(resource.href, item.get("parameters"))
        if not self._href_stays_inside(href):
            self.warnings.append(f"Item '{identifier}' launches {href}, which is outside the package.")
            return None
        return resource, href

    @staticmethod
    def _href_stays_inside(href):
        parts = urlsplit(href)
        if parts.scheme in ("http", "https"):
            return True
        if parts.scheme or parts.netloc or parts.path.startswith("/"):
            return False
        return not posixpath.normpath(unquote(parts.path) or ".").startswith("..")

    def _root_from_resources(self, resources, title):
        scos = [resource for resource in resources.values() if resource.scorm_type == "SCO" and resource.href]
        if not scos:
            raise PackageError(
                f"{MANIFEST_NAME} has no <organization> and no SCO resource, so nothing can be launched."
            )
        self.warnings.append("The manifest has no <organization>; each SCO resource became an activity.")
        children = [
            Activity(sco.identifier, sco.identifier, "SCO", href=sco.href, resource_identifier=sco.identifier)
            for sco in scos
        ]
        return Activity(self.identifier or "root", title, "AGGREGATION", children=children)

    # -- passing score and completion threshold

    def _passing_score(self, item, identifier):
        if self.is_scorm12:
            text = _text(_child(item, "masteryscore"))
            if not text:
                return None
            score = self._number(text, f"adlcp:masteryscore of item '{identifier}'", 0, 100)
            return None if score is None else score / 100
        primary = self._primary_objective(item)
        if primary is None or (primary.get("satisfiedByMeasure") or "").strip().lower() != "true":
            return None
        measure = _child(primary, "minNormalizedMeasure")
        if measure is None:
            return 1.0  # the IMS SS default for minNormalizedMeasure
        return self._number(_text(measure), f"imsss:minNormalizedMeasure of item '{identifier}'", -1, 1)

    def _primary_objective(self, item):
        """The item's primaryObjective, falling back to its sequencingCollection entry (IDRef)."""
        sequencing = _child(item, "sequencing")
        if sequencing is None:
            return None
        candidates = [sequencing]
        if sequencing.get("IDRef") in self.collection:
            candidates.append(self.collection[sequencing.get("IDRef")])
        for candidate in candidates:
            objectives = _child(candidate, "objectives")
            primary = _child(objectives, "primaryObjective") if objectives is not None else None
            if primary is not None:
                return primary
        return None

    def _completion_threshold(self, item, identifier):
        element = _child(item, "completionThreshold")
        if element is None or self.is_scorm12:
            return None
        if _text(element):  # 3rd Edition: the threshold is the element's text
            return self._number(_text(element), f"adlcp:completionThreshold of item '{identifier}'", 0, 1)
        # 4th Edition: attributes, and only completedByMeasure="true" makes it a threshold.
        if (element.get("completedByMeasure") or "").strip().lower() != "true":
            return None
        minimum = element.get("minProgressMeasure", "1.0")
        return self._number(minimum, f"minProgressMeasure of item '{identifier}'", 0, 1)

    def _number(self, text, what, low, high):
        try:
            value = float(text)
        except ValueError:
            self.warnings.append(f"The {what} is '{text}', not a number; it was ignored.")
            return None
        if not low <= value <= high:
            self.warnings.append(f"The {what} is {text}, outside {low}..{high}; it was ignored.")
            return None
        return value

    # -- languages

    def _languages(self):
        """Languages declared in the manifest's metadata (LOM ``language`` and ``xml:lang``)."""
        metadata = _child(self.root, "metadata")
        found = []
        if metadata is not None:
            for element in metadata.iter():
                values = [_text(element)] if _local(element.tag) == "language" else []
                values.append(element.get(_XML_LANG, ""))
                # "x-none" is LOM's "no language".
                found.extend(value.strip() for value in values if value.strip() not in ("", "x-none"))
        return list(dict.fromkeys(found))
