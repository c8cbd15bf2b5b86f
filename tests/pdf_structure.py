"""Reading a tagged PDF back: its language, title and structure tree, as an assistive technology would."""

import io
from dataclasses import dataclass, field

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject


@dataclass
class PdfStructure:
    lang: str | None
    title: str | None
    marked: bool
    pdfua_part: str | None
    tags: list[str] = field(default_factory=list)  # structure element types in reading order
    figure_alts: list[str | None] = field(default_factory=list)
    tables_without_headers: int = 0


def read_structure(data: bytes) -> PdfStructure:
    reader = PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"]
    mark_info = root.get("/MarkInfo") or {}
    metadata = root.get("/Metadata")
    xmp = metadata.get_object().get_data().decode("utf-8", "replace") if metadata else ""
    part = None
    if "pdfuaid:part" in xmp:
        part = xmp.split("pdfuaid:part", 1)[1].lstrip(">=\"'").split("<", 1)[0].split('"', 1)[0].strip()
    structure = PdfStructure(
        lang=str(root.get("/Lang")) if root.get("/Lang") else None,
        title=str(reader.metadata.title) if reader.metadata and reader.metadata.title else None,
        marked=bool(mark_info.get("/Marked")),
        pdfua_part=part,
    )

    def walk(node) -> list[str]:
        """The tags under `node`, in reading order (recorded on the structure as they are met)."""
        node = node.get_object()
        if isinstance(node, ArrayObject):
            return [tag for kid in node for tag in walk(kid)]
        if not isinstance(node, DictionaryObject):
            return []  # a marked-content id: the page content itself
        found = []
        tag = node.get("/S")
        if tag is not None:
            name = str(tag).lstrip("/")
            structure.tags.append(name)
            found.append(name)
            if name == "Figure":
                alt = node.get("/Alt")
                structure.figure_alts.append(str(alt) if alt else None)
        below = walk(node["/K"]) if node.get("/K") is not None else []
        if found == ["Table"] and "TH" not in below:
            structure.tables_without_headers += 1
        return found + below

    tree = root.get("/StructTreeRoot")
    if tree is not None:
        walk(tree.get_object().get("/K", ArrayObject()))
    return structure


def assert_accessible_pdf(data: bytes, *, title: str) -> PdfStructure:
    """What every PDF of the portal promises (PDF/UA-1 as WeasyPrint tags it): Japanese as the document language,
    a title, a structure tree with headings, every table with header cells and every figure with a text alternative."""
    structure = read_structure(data)
    assert structure.pdfua_part == "1" and structure.marked
    assert structure.lang == "ja"
    assert structure.title and title in structure.title
    assert structure.tags[:1] == ["Document"] and "H1" in structure.tags
    assert structure.tables_without_headers == 0, f"{structure.tables_without_headers} tables without a header cell"
    assert all(structure.figure_alts), structure.figure_alts
    return structure
