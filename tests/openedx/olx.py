"""OLX export and import, course rerun and block duplication, as Studio performs them."""
import uuid

from lxml import etree
from xblock.core import XML_NAMESPACES
from xblock.fields import ScopeIds

from .keys import course_key as to_course_key, usage_key as to_usage_key
from .users import AnonymousUser


class OlxOperations:
    """Mixed into ``OpenEdxTestRuntime``."""

    def export_olx(self, usage_key):
        """The block's OLX element: explicitly set (or ``force_export``) content and settings fields
        (``XBlock.add_xml_to_node``) plus ``url_name``. Learner scopes live outside the modulestore."""
        usage_key = to_usage_key(usage_key)
        block = self._studio_runtime(usage_key.context_key).get_block(usage_key)
        node = etree.Element("unknown_root", nsmap=XML_NAMESPACES)
        block.add_xml_to_node(node)
        node.set("url_name", usage_key.block_id)
        return etree.tostring(node, pretty_print=True, encoding="unicode")

    def import_olx(self, xml, course_key):
        """Import one block element; ``url_name`` becomes the block id under ``course_key``."""
        course_key = to_course_key(course_key)
        node = etree.fromstring(xml.encode("utf-8") if isinstance(xml, str) else xml)
        block_type = node.tag
        block_id = node.attrib.pop("url_name", None) or uuid.uuid4().hex
        node.attrib.pop("xblock-family", None)
        block_class = self.block_class(block_type)
        self.register_block_type(block_type, block_class)
        usage_key = course_key.make_usage_key(block_type, block_id)
        if usage_key in self._usages:
            raise ValueError(f"{usage_key} exists")
        runtime = self._studio_runtime(course_key)
        block = block_class.parse_xml(node, runtime, ScopeIds(None, block_type, usage_key, usage_key))
        block.save()
        runtime.draft.commit()
        self._usages[usage_key] = block_class
        return usage_key

    def rerun(self, src_course_key, dst_course_key):
        """Split's ``clone_course``: same block ids under the new course, authored data only.
        Returns ``{source usage key: rerun usage key}``."""
        src, dst = to_course_key(src_course_key), to_course_key(dst_course_key)
        mapping = {usage: usage.map_into_course(dst) for usage in self._usages if usage.context_key == src}
        for source, target in mapping.items():
            self._copy_authored(source, target)
        return mapping

    def duplicate(self, usage_key):
        """Studio's ``duplicate_block``: a new block id in the same course, authored data copied and
        the display name marked as a duplicate."""
        usage_key = to_usage_key(usage_key)
        target = usage_key.context_key.make_usage_key(usage_key.block_type, uuid.uuid4().hex)
        self._copy_authored(usage_key, target)
        runtime = self._studio_runtime(usage_key.context_key)
        block = runtime.get_block(target)
        if "display_name" in block.fields:
            source_name = block.display_name
            block.display_name = f"Duplicate of '{source_name}'" if source_name is not None \
                else f"Duplicate of {usage_key.block_type}"
            block.save()
            runtime.draft.commit()
        return target

    def _copy_authored(self, source, target):
        if target in self._usages:
            raise ValueError(f"{target} exists")
        for key, value in list(self.modulestore.items()):
            if key.block_scope_id == source:
                self.modulestore[key._replace(block_scope_id=target)] = value
        self._usages[target] = self._usages[source]

    def _studio_runtime(self, course_key):
        return self.block_runtime("studio", AnonymousUser, course_key)
