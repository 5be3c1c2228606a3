"""Package import: the real third-party packages, and hostile or broken packages built here."""
import stat
import struct
import zipfile

import pytest

from scorm_cloud_emulator.packages import (
    PackageError,
    apply_parameters,
    import_package,
    inspect_zip,
    parse_manifest,
)

SCORM12_NS = (
    'xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2" '
    'xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"'
)
SCORM2004_NS = (
    'xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" '
    'xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3" '
    'xmlns:imsss="http://www.imsglobal.org/xsd/imsss"'
)


def manifest(body, *, namespaces=SCORM12_NS, schemaversion="1.2", attributes=""):
    metadata = f"<metadata><schema>ADL SCORM</schema><schemaversion>{schemaversion}</schemaversion></metadata>"
    if schemaversion is None:
        metadata = ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<manifest identifier="test.manifest" {namespaces} {attributes}>{metadata}{body}</manifest>'
    ).encode()


def single_sco(href="index.html", *, item_extra="", resource_attributes='adlcp:scormtype="sco"', title="A Course"):
    return (
        f'<organizations default="org"><organization identifier="org"><title>{title}</title>'
        f'<item identifier="item_1" identifierref="res_1"><title>Lesson</title>{item_extra}</item>'
        f"</organization></organizations>"
        f'<resources><resource identifier="res_1" type="webcontent" {resource_attributes} href="{href}"/></resources>'
    )


def write_zip(path, members):
    """members: {name or ZipInfo: bytes}."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def assert_nothing_extracted(dest):
    assert not dest.exists()
    # No staging directory is left beside the destination either.
    assert list(dest.parent.iterdir()) == []


@pytest.fixture
def dest(tmp_path):
    (tmp_path / "extracted").mkdir()
    return tmp_path / "extracted" / "course"


@pytest.fixture
def valid_members():
    return {"imsmanifest.xml": manifest(single_sco()), "index.html": b"<html></html>"}


# -- the real packages


@pytest.mark.parametrize(
    "filename, title, learning_standard, launchable_scos, sco_resources",
    [
        ("golf_RuntimeBasicCalls_SCORM12.zip", "Golf Explained - Run-time Basic Calls", "SCORM12", 1, 1),
        ("golf_RuntimeMinimumCalls_SCORM12.zip", "Golf Explained - Minimum Run-time Calls", "SCORM12", 18, 18),
        (
            "golf_RuntimeBasicCalls_SCORM20043rdEdition.zip",
            "Golf Explained - Run-time Basic Calls",
            "SCORM20043RDEDITION",
            1,
            1,
        ),
        (
            "golf_SequencingSimpleRemediation_SCORM20043rdEdition.zip",
            "Golf Explained - Simple Remediation",
            "SCORM20043RDEDITION",
            8,
            5,
        ),
        (
            "golf_SequencingPostTestRollup4thEd_SCORM20044thEdition.zip",
            "Golf Explained - 4th Edition Features",
            "SCORM20044THEDITION",
            5,
            5,
        ),
        ("moodle_complexscorm_debugger_SCORM12.zip", "The organization", "SCORM12", 7, 1),
    ],
)
def test_real_packages_import(scorm_packages, dest, filename, title, learning_standard, launchable_scos, sco_resources):
    package = import_package(scorm_packages / filename, dest)

    assert package.title == title
    assert package.learning_standard == learning_standard
    assert len(package.scos) == launchable_scos
    assert len({sco.resource_identifier for sco in package.scos}) == sco_resources
    assert (dest / "imsmanifest.xml").is_file()
    for sco in package.scos:
        assert (dest / sco.href.split("?")[0]).is_file()
    assert package.root.activity_type == "AGGREGATION"


def test_multi_sco_tree_keeps_folders_and_item_parameters(scorm_packages, dest):
    package = import_package(scorm_packages / "golf_RuntimeMinimumCalls_SCORM12.zip", dest)

    assert package.schema_version == "1.2"
    assert package.manifest_identifier == "com.scorm.golfsamples.runtime.minimumcalls.12"
    folders = package.root.children
    assert [folder.title for folder in folders] == ["Playing the Game", "Etiquette", "Handicapping", "Having Fun"]
    assert {folder.activity_type for folder in package.root.children} == {"AGGREGATION"}
    assert package.scos[0].href == "Playing/Playing.html"
    assert package.scos[5].href == "shared/assessmenttemplate.html?questions=Playing"
    assert package.warnings == []


def test_remediation_quizzes_differ_by_item_parameters(scorm_packages, dest):
    package = import_package(scorm_packages / "golf_SequencingSimpleRemediation_SCORM20043rdEdition.zip", dest)

    wrapper = package.root.children[0]
    assert (wrapper.identifier, wrapper.activity_type, wrapper.href) == ("content_wrapper", "AGGREGATION", None)
    assert [sco.href for sco in package.scos] == [
        "shared/launchpage.html?content=playing",
        "shared/launchpage.html?content=etiquette",
        "shared/launchpage.html?content=handicapping",
        "shared/launchpage.html?content=havingfun",
        "shared/launchpage.html?content=assessment1",
        "shared/launchpage.html?content=assessment2",
        "shared/launchpage.html?content=assessment3",
        "shared/launchpage.html?content=assessment4",
    ]


def test_moodle_edge_cases(scorm_packages, dest):
    package = import_package(scorm_packages / "moodle_complexscorm_debugger_SCORM12.zip", dest)

    assert package.warnings == [
        "The default organization 'SCORMDEbugger555f231e21b982c25d16' does not exist; "
        "'mm-SCORMDEbugger555f231e21b982c25d16' was used instead."
    ]
    asset, parent = package.root.children[2], package.root.children[3]
    assert (asset.activity_type, asset.href) == ("ASSET", "index.html")
    # SCORM 1.2 lets a parent item launch a SCO of its own.
    assert (parent.activity_type, parent.title, len(parent.children)) == ("SCO", "SCO with subscoes", 1)


def test_activity_json_has_course_activity_schema_shape(scorm_packages, dest):
    package = import_package(scorm_packages / "golf_RuntimeBasicCalls_SCORM12.zip", dest)

    assert package.root.to_json() == {
        "externalIdentifier": "golf_sample_default_org",
        "itemIdentifier": "golf_sample_default_org",
        "resourceIdentifier": None,
        "activityType": "AGGREGATION",
        "href": None,
        "scaledPassingScore": None,
        "title": "Golf Explained - Run-time Basic Calls",
        "children": [
            {
                "externalIdentifier": "item_1",
                "itemIdentifier": "item_1",
                "resourceIdentifier": "resource_1",
                "activityType": "SCO",
                "href": "shared/launchpage.html",
                "scaledPassingScore": None,
                "title": "Golf Explained",
                "children": [],
            }
        ],
    }


def test_manifest_only_in_a_subfolder_is_refused(scorm_packages, dest):
    with pytest.raises(PackageError) as raised:
        import_package(scorm_packages / "edge_badscorm_manifest_in_subfolder.zip", dest)

    assert raised.value.message == (
        "The package has no imsmanifest.xml at the root of the zip; one was found at badscorm/imsmanifest.xml. "
        "Zip the contents of that folder so imsmanifest.xml is at the top level."
    )
    assert_nothing_extracted(dest)


def test_zip_without_manifest_is_refused(scorm_packages, dest):
    with pytest.raises(PackageError) as raised:
        import_package(scorm_packages / "edge_invalid_no_manifest.zip", dest)

    assert raised.value.message == "The package has no imsmanifest.xml at the root of the zip. Is it a SCORM package?"
    assert_nothing_extracted(dest)


# -- unsafe zips


def test_non_zip_file_is_refused(tmp_path, dest):
    path = tmp_path / "course.zip"
    path.write_bytes(b"%PDF-1.4 not a zip at all")

    with pytest.raises(PackageError, match="The file is not a zip archive"):
        import_package(path, dest)
    assert_nothing_extracted(dest)


def test_valid_zip_passes_inspection_and_imports_into_an_empty_directory(tmp_path, dest, valid_members):
    path = write_zip(tmp_path / "course.zip", valid_members)
    dest.mkdir()

    inspect_zip(path)
    package = import_package(path, dest)

    assert package.title == "A Course"
    assert sorted(p.name for p in dest.iterdir()) == ["imsmanifest.xml", "index.html"]


def test_destination_with_content_is_a_caller_error(tmp_path, dest, valid_members):
    path = write_zip(tmp_path / "course.zip", valid_members)
    dest.mkdir()
    (dest / "old.html").write_bytes(b"")

    with pytest.raises(ValueError, match="must be absent or an empty directory"):
        import_package(path, dest)


def test_zip_bomb_entry_is_refused(tmp_path, dest, valid_members):
    # Two megabytes of zeros deflate to about two kilobytes.
    path = write_zip(tmp_path / "bomb.zip", {**valid_members, "padding.bin": bytes(2 * 1024 * 1024)})

    with pytest.raises(PackageError, match=r"padding.bin is compressed more than 200 to 1; .* looks like a zip bomb"):
        import_package(path, dest)
    assert_nothing_extracted(dest)


def test_compression_ratio_limit_is_adjustable(tmp_path, valid_members):
    path = write_zip(tmp_path / "bomb.zip", {**valid_members, "padding.bin": bytes(2 * 1024 * 1024)})

    inspect_zip(path, max_compression_ratio=10_000)
    with pytest.raises(PackageError, match="zip bomb"):
        inspect_zip(path, max_compression_ratio=100)


def test_total_uncompressed_size_is_limited(tmp_path, dest, valid_members):
    path = write_zip(tmp_path / "big.zip", {**valid_members, "video.bin": bytes(5000)})

    with pytest.raises(PackageError, match="The package unzips to more than 4000 bytes"):
        import_package(path, dest, max_total_size=4000)
    assert_nothing_extracted(dest)


def test_file_count_is_limited(tmp_path, dest, valid_members):
    path = write_zip(tmp_path / "many.zip", {**valid_members, "a.html": b"", "b.html": b""})

    with pytest.raises(PackageError, match="The package has 4 files; at most 3 are allowed"):
        import_package(path, dest, max_entries=3)
    assert_nothing_extracted(dest)


@pytest.mark.parametrize(
    "name, message",
    [
        ("../evil.html", "points outside the package"),
        ("shared/../../evil.html", "points outside the package"),
        ("..\\evil.html", "points outside the package"),
        ("/etc/evil.html", "absolute path"),
        ("C:/evil.html", "absolute path"),
    ],
)
def test_entries_escaping_the_package_are_refused(tmp_path, name, message, valid_members):
    path = write_zip(tmp_path / "course.zip", {**valid_members, name: b"pwned"})
    workdir = tmp_path / "work"
    workdir.mkdir()
    dest = workdir / "course"

    with pytest.raises(PackageError, match=message):
        import_package(path, dest)
    assert_nothing_extracted(dest)
    assert not (tmp_path / "evil.html").exists()


def unix_entry(name, file_type):
    info = zipfile.ZipInfo(name)
    info.create_system = 3  # Unix, where the high 16 bits of external_attr are st_mode
    info.external_attr = (file_type | 0o777) << 16
    return info


def test_symlink_entry_is_refused(tmp_path, dest, valid_members):
    link = unix_entry("shared/passwd", stat.S_IFLNK)
    path = write_zip(tmp_path / "course.zip", {**valid_members, link: b"/etc/passwd"})

    with pytest.raises(PackageError) as raised:
        import_package(path, dest)
    assert raised.value.message == "The package contains a symbolic link (shared/passwd); links are not allowed."
    assert_nothing_extracted(dest)


def test_device_entry_is_refused(tmp_path, valid_members):
    path = write_zip(tmp_path / "course.zip", {**valid_members, unix_entry("tty", stat.S_IFCHR): b""})

    with pytest.raises(PackageError, match=r"special file \(tty\)"):
        inspect_zip(path)


def test_duplicate_entries_are_refused(tmp_path, valid_members):
    path = tmp_path / "course.zip"
    write_zip(path, valid_members)
    with zipfile.ZipFile(path, "a") as archive, pytest.warns(UserWarning, match="Duplicate name"):
        archive.writestr("index.html", b"<script>other</script>")

    with pytest.raises(PackageError, match="contains index.html more than once"):
        inspect_zip(path)


def lie_about_size(path, name, declared):
    """Rewrite the uncompressed size of ``name`` in both its local and central headers."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(name)
    struct.pack_into("<I", data, info.header_offset + 22, declared)
    # The central directory record of this entry is the one pointing at its local header.
    central = next(
        offset
        for offset in range(len(data) - 46)
        if data[offset : offset + 4] == b"PK\x01\x02"
        and struct.unpack_from("<I", data, offset + 42)[0] == info.header_offset
    )
    struct.pack_into("<I", data, central + 24, declared)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("member", ["index.html", "imsmanifest.xml"])
def test_entry_whose_header_lies_about_its_size_is_refused(tmp_path, dest, valid_members, member):
    path = write_zip(tmp_path / "course.zip", {**valid_members, "index.html": b"<html>" + b"x" * 500 + b"</html>"})
    lie_about_size(path, member, 10)

    with pytest.raises(PackageError, match=f"{member} is corrupt in the zip"):
        import_package(path, dest)
    assert_nothing_extracted(dest)


def test_failure_during_extraction_leaves_nothing_extracted(tmp_path, dest, valid_members):
    # "shared" is a file, so "shared/page.html" cannot be written after it.
    path = write_zip(tmp_path / "course.zip", {**valid_members, "shared": b"", "shared/page.html": b""})

    with pytest.raises(PackageError, match="shared/page.html could not be extracted"):
        import_package(path, dest)
    assert_nothing_extracted(dest)


def test_launch_file_missing_from_the_zip(tmp_path, dest):
    body = (
        '<organizations default="org"><organization identifier="org"><title>Two</title>'
        '<item identifier="one" identifierref="r1"><title>One</title></item>'
        '<item identifier="two" identifierref="r2"><title>Two</title></item>'
        "</organization></organizations><resources>"
        '<resource identifier="r1" type="webcontent" adlcp:scormtype="sco" href="one.html"/>'
        '<resource identifier="r2" type="webcontent" adlcp:scormtype="sco" href="two.html?page=1"/>'
        "</resources>"
    )
    path = write_zip(tmp_path / "course.zip", {"imsmanifest.xml": manifest(body), "one.html": b""})

    package = import_package(path, dest)

    assert package.warnings == ["Item 'two' launches two.html?page=1, but that file is not in the package."]


def test_no_launch_file_in_the_zip_is_refused(tmp_path, dest):
    path = write_zip(tmp_path / "course.zip", {"imsmanifest.xml": manifest(single_sco("index.html"))})

    with pytest.raises(PackageError) as raised:
        import_package(path, dest)
    assert raised.value.message == (
        "None of the files the manifest launches are in the package, so nothing can be launched."
    )
    assert_nothing_extracted(dest)


def test_broken_manifest_leaves_nothing_extracted(tmp_path, dest):
    path = write_zip(tmp_path / "course.zip", {"imsmanifest.xml": b"<manifest><organizations>", "index.html": b""})

    with pytest.raises(PackageError, match="imsmanifest.xml is not well-formed XML"):
        import_package(path, dest)
    assert_nothing_extracted(dest)


# -- hostile or broken manifests


def test_external_entity_is_refused():
    xml = (
        b'<?xml version="1.0"?>\n<!DOCTYPE manifest [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n'
        b'<manifest identifier="x"><organizations><organization identifier="o"><title>&secret;</title>'
        b"</organization></organizations></manifest>"
    )

    with pytest.raises(PackageError) as raised:
        parse_manifest(xml)
    assert raised.value.message == (
        "imsmanifest.xml declares XML entities, which are not allowed. Remove the DOCTYPE entity declarations."
    )


def test_billion_laughs_is_refused():
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{n} "{("&lol" + str(n - 1) + ";") * 10 if n > 1 else "&lol;" * 10}">' for n in range(1, 10)
    )
    xml = f'<?xml version="1.0"?>\n<!DOCTYPE manifest [{entities}]>\n<manifest identifier="x">&lol9;</manifest>'

    with pytest.raises(PackageError, match="declares XML entities, which are not allowed"):
        parse_manifest(xml.encode())


def test_broken_xml_reports_where():
    with pytest.raises(PackageError) as raised:
        parse_manifest(b'<?xml version="1.0"?>\n<manifest identifier="x">\n  <organizations>\n</manifest>')
    assert raised.value.message == "imsmanifest.xml is not well-formed XML: mismatched tag (line 4, column 3)."


def test_unknown_encoding_is_refused():
    with pytest.raises(PackageError) as raised:
        parse_manifest(b'<?xml version="1.0" encoding="klingon"?><manifest/>')
    assert raised.value.message == (
        "imsmanifest.xml declares an encoding that is not supported (unknown encoding: klingon)."
    )


def test_non_utf8_manifest_is_read_in_its_declared_encoding():
    xml = manifest(single_sco(title="Caf\u00e9 s\u00fbr")).decode().replace("UTF-8", "UTF-16").encode("utf-16")

    assert parse_manifest(xml).title == "Caf\u00e9 s\u00fbr"


def test_items_nested_too_deep_are_refused():
    nested = '<item identifier="i{0}" identifierref="res_1"><title>Deep</title>'
    items = "".join(nested.format(n) for n in range(150)) + "</item>" * 150
    body = single_sco().replace("</organization>", items + "</organization>")

    with pytest.raises(PackageError, match="nests items more than 100 levels deep"):
        parse_manifest(manifest(body))


def test_duplicate_item_identifiers_are_a_warning():
    body = single_sco().replace("</organization>", '<item identifier="item_1" identifierref="res_1"/></organization>')

    package = parse_manifest(manifest(body))

    assert len(package.scos) == 2
    assert package.warnings == ["Item identifier 'item_1' is used more than once; progress may be mixed up."]


def test_root_element_must_be_manifest():
    with pytest.raises(PackageError, match=r"its root element is <html>"):
        parse_manifest(b"<html><body>hello</body></html>")


@pytest.mark.parametrize(
    "schemaversion, namespaces, learning_standard",
    [
        ("1.2", SCORM12_NS, "SCORM12"),
        ("CAM 1.3", SCORM2004_NS, "SCORM20042NDEDITION"),
        ("2004 2nd Edition", SCORM2004_NS, "SCORM20042NDEDITION"),
        ("2004 3rd Edition", SCORM2004_NS, "SCORM20043RDEDITION"),
        ("2004 4th Edition", SCORM2004_NS, "SCORM20044THEDITION"),
    ],
)
def test_learning_standard_from_schemaversion(schemaversion, namespaces, learning_standard):
    package = parse_manifest(manifest(single_sco(), namespaces=namespaces, schemaversion=schemaversion))

    assert package.learning_standard == learning_standard
    assert package.schema_version == schemaversion
    assert package.warnings == []


@pytest.mark.parametrize(
    "namespaces, learning_standard",
    [(SCORM12_NS, "SCORM12"), (SCORM2004_NS, "SCORM20043RDEDITION")],
)
def test_learning_standard_inferred_from_namespaces(namespaces, learning_standard):
    package = parse_manifest(manifest(single_sco(), namespaces=namespaces, schemaversion=None))

    assert package.learning_standard == learning_standard
    assert package.schema_version is None
    assert package.warnings == [
        f"The manifest has no <metadata><schemaversion>; {learning_standard} was inferred from its namespaces."
    ]


def test_unknown_schemaversion_without_scorm_namespaces():
    package = parse_manifest(
        manifest(single_sco(resource_attributes='scormtype="sco"'), namespaces="", schemaversion="9.9")
    )

    assert package.learning_standard == "UNKNOWN"
    assert package.warnings == [
        "The schemaversion '9.9' is not a SCORM version, and its namespaces do not tell the SCORM version either."
    ]


def test_scorm_type_attribute_case_follows_the_standard():
    scorm12 = parse_manifest(manifest(single_sco(resource_attributes='adlcp:scormtype="sco"')))
    scorm2004 = parse_manifest(
        manifest(
            single_sco(resource_attributes='adlcp:scormType="sco"'),
            namespaces=SCORM2004_NS,
            schemaversion="2004 3rd Edition",
        )
    )
    asset = parse_manifest(manifest(single_sco(resource_attributes='adlcp:scormtype="asset"')))

    assert scorm12.scos[0].activity_type == "SCO"
    assert scorm2004.scos[0].activity_type == "SCO"
    assert (asset.scos, asset.root.children[0].activity_type) == ([], "ASSET")


def test_xml_base_applies_to_resource_hrefs():
    body = (
        '<organizations default="org"><organization identifier="org"><title>Based</title>'
        '<item identifier="i" identifierref="r"><title>I</title></item></organization></organizations>'
        '<resources xml:base="content/">'
        '<resource identifier="r" type="webcontent" adlcp:scormtype="sco" xml:base="lesson1/" href="start.html?x=1"/>'
        "</resources>"
    )

    package = parse_manifest(manifest(body, attributes='xml:base="course/"'))

    assert package.scos[0].href == "course/content/lesson1/start.html?x=1"


def test_item_parameters_join_the_href_query_string():
    body = (
        '<organizations default="org"><organization identifier="org"><title>Params</title>'
        '<item identifier="a" identifierref="r" parameters="?page=2"><title>A</title></item>'
        '<item identifier="b" identifierref="plain" parameters="&amp;page=3"><title>B</title></item>'
        '<item identifier="c" identifierref="r" parameters="#intro"><title>C</title></item>'
        "</organization></organizations><resources>"
        '<resource identifier="r" type="webcontent" adlcp:scormtype="sco" href="lesson.html?mode=review"/>'
        '<resource identifier="plain" type="webcontent" adlcp:scormtype="sco" href="lesson.html"/>'
        "</resources>"
    )

    package = parse_manifest(manifest(body))

    assert [sco.href for sco in package.scos] == [
        "lesson.html?mode=review&page=2",
        "lesson.html?page=3",
        "lesson.html?mode=review#intro",
    ]


@pytest.mark.parametrize(
    "href, parameters, expected",
    [
        ("a.html", None, "a.html"),
        ("a.html", "  ", "a.html"),
        ("a.html#top", "?x=1", "a.html?x=1#top"),
        ("a.html#top", "#other", "a.html#top"),
        ("a.html", "??&x=1", "a.html?x=1"),
        ("a.html", "?#top", "a.html#top"),
    ],
)
def test_apply_parameters(href, parameters, expected):
    assert apply_parameters(href, parameters) == expected


def test_scorm12_mastery_score_becomes_scaled_passing_score():
    package = parse_manifest(manifest(single_sco(item_extra="<adlcp:masteryscore>80</adlcp:masteryscore>")))

    assert package.scos[0].scaled_passing_score == 0.8
    assert package.root.to_json()["children"][0]["scaledPassingScore"] == "0.8"


@pytest.mark.parametrize(
    "objective, expected",
    [
        (
            '<imsss:primaryObjective satisfiedByMeasure="true">'
            "<imsss:minNormalizedMeasure>0.6</imsss:minNormalizedMeasure></imsss:primaryObjective>",
            0.6,
        ),
        ('<imsss:primaryObjective satisfiedByMeasure="true"/>', 1.0),
        (
            '<imsss:primaryObjective satisfiedByMeasure="false">'
            "<imsss:minNormalizedMeasure>0.6</imsss:minNormalizedMeasure></imsss:primaryObjective>",
            None,
        ),
    ],
)
def test_scorm2004_passing_score_needs_satisfied_by_measure(objective, expected):
    item_extra = f"<imsss:sequencing><imsss:objectives>{objective}</imsss:objectives></imsss:sequencing>"
    package = parse_manifest(
        manifest(single_sco(item_extra=item_extra), namespaces=SCORM2004_NS, schemaversion="2004 3rd Edition")
    )

    assert package.scos[0].scaled_passing_score == expected


def test_scorm2004_passing_score_from_sequencing_collection():
    body = single_sco(item_extra='<imsss:sequencing IDRef="shared"/>') + (
        '<imsss:sequencingCollection><imsss:sequencing ID="shared"><imsss:objectives>'
        '<imsss:primaryObjective satisfiedByMeasure="true">'
        "<imsss:minNormalizedMeasure>0.75</imsss:minNormalizedMeasure>"
        "</imsss:primaryObjective></imsss:objectives></imsss:sequencing></imsss:sequencingCollection>"
    )

    package = parse_manifest(manifest(body, namespaces=SCORM2004_NS, schemaversion="2004 3rd Edition"))

    assert package.scos[0].scaled_passing_score == 0.75


@pytest.mark.parametrize(
    "threshold, expected",
    [
        ("<adlcp:completionThreshold>0.7</adlcp:completionThreshold>", 0.7),
        ('<adlcp:completionThreshold completedByMeasure="true" minProgressMeasure="0.9"/>', 0.9),
        ('<adlcp:completionThreshold progressWeight="0.5"/>', None),
    ],
)
def test_completion_threshold(threshold, expected):
    package = parse_manifest(
        manifest(single_sco(item_extra=threshold), namespaces=SCORM2004_NS, schemaversion="2004 4th Edition")
    )

    assert package.scos[0].completion_threshold == expected


def test_bad_mastery_score_is_a_warning():
    package = parse_manifest(manifest(single_sco(item_extra="<adlcp:masteryscore>lots</adlcp:masteryscore>")))

    assert package.scos[0].scaled_passing_score is None
    assert package.warnings == ["The adlcp:masteryscore of item 'item_1' is 'lots', not a number; it was ignored."]


def test_item_with_missing_resource_is_skipped_with_a_warning():
    body = (
        '<organizations default="org"><organization identifier="org"><title>Partly broken</title>'
        '<item identifier="good" identifierref="r"><title>Good</title></item>'
        '<item identifier="bad" identifierref="nowhere"><title>Bad</title></item>'
        "</organization></organizations>"
        '<resources><resource identifier="r" type="webcontent" adlcp:scormtype="sco" href="index.html"/></resources>'
    )

    package = parse_manifest(manifest(body))

    assert [sco.identifier for sco in package.scos] == ["good"]
    assert package.warnings == ["Item 'bad' refers to resource 'nowhere', which is not in the manifest."]


def test_nothing_launchable_is_refused():
    body = (
        '<organizations default="org"><organization identifier="org"><title>Empty</title>'
        '<item identifier="bad" identifierref="nowhere"><title>Bad</title></item>'
        "</organization></organizations><resources/>"
    )

    with pytest.raises(PackageError) as raised:
        parse_manifest(manifest(body))
    assert raised.value.message == (
        "imsmanifest.xml has no item that launches a SCO or asset, so nothing can be launched."
    )


def test_hrefs_outside_the_package_are_not_launched():
    body = single_sco(href="../../etc/passwd") + ""
    with pytest.raises(PackageError, match="nothing can be launched"):
        parse_manifest(manifest(body))


def test_no_organizations_falls_back_to_sco_resources():
    body = (
        "<organizations/>"
        '<resources><resource identifier="r" type="webcontent" adlcp:scormtype="sco" href="index.html"/></resources>'
    )

    package = parse_manifest(manifest(body))

    assert package.title == "test.manifest"
    assert [(sco.identifier, sco.href) for sco in package.scos] == [("r", "index.html")]
    assert package.warnings == [
        "The course has no organization title; 'test.manifest' was used as its title.",
        "The manifest has no <organization>; each SCO resource became an activity.",
    ]


def test_no_organizations_and_no_sco_is_refused():
    body = '<organizations/><resources><resource identifier="r" type="webcontent" href="a.pdf"/></resources>'

    with pytest.raises(PackageError, match="has no <organization> and no SCO resource"):
        parse_manifest(manifest(body))


def test_title_falls_back_to_the_first_organization():
    body = single_sco().replace('default="org"', "")

    package = parse_manifest(manifest(body))

    assert package.title == "A Course"
    assert package.warnings == []


def test_languages_come_from_manifest_metadata():
    xml = manifest(single_sco()).replace(
        b"</metadata>",
        b'<lom xmlns="http://ltsc.ieee.org/xsd/LOM"><general><language>fr</language>'
        b'<title><string language="fr" xml:lang="fr-CA">Cours</string></title></general></lom></metadata>',
    )

    assert parse_manifest(xml).languages == ["fr", "fr-CA"]
