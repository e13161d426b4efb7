"""Streaming reader of AAF XML files (académie → ENT annuaire feed).

The file is fed to a defusedxml parser (no DTD entities, no external entities: XXE and
entity-expansion attacks raise) in 64 KiB chunks; a small event target turns each
`addRequest` / `modifyRequest` / `deleteRequest` into an `AafRecord` as soon as its end tag is
read, and keeps no tree: memory does not depend on the file size. Each record carries the line
of its start tag, for the rejection report.

Record shape (both `attributes/attr` and `modifications/modification` are read):

    <addRequest>
      <operationalAttributes>
        <attr name="categoriePersonne"><value>Eleve</value></attr>
      </operationalAttributes>
      <identifier><id>1234</id></identifier>
      <attributes><attr name="sn"><value>MARTIN</value></attr>…</attributes>
    </addRequest>
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers.expat import ErrorString, ExpatError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from .errors import FatalImportError

CHUNK = 64 * 1024
OPERATIONS = ("addRequest", "modifyRequest", "deleteRequest")


@dataclass
class AafRecord:
    operation: str
    line: int
    id: str = ""
    attrs: dict[str, list[str]] = field(default_factory=dict)
    operational: dict[str, list[str]] = field(default_factory=dict)
    # modifyRequest: attribute name → operation (replace, add, delete).
    modifications: dict[str, str] = field(default_factory=dict)

    def first(self, name: str) -> str:
        values = self.attrs.get(name) or [""]
        return values[0].strip()

    def all(self, name: str) -> list[str]:
        return [value.strip() for value in self.attrs.get(name, []) if value.strip()]


class _Target:
    """Event target: builds records, never a tree."""

    def __init__(self):
        self.expat = None
        self.depth = 0
        self.record: AafRecord | None = None
        self.ready: list[AafRecord] = []
        self.section = ""
        self.attr_name: str | None = None
        self.text: list[str] = []

    def start(self, tag, attrib):
        self.depth += 1
        self.text = []
        if self.depth == 2:
            self.record = AafRecord(operation=tag, line=self.expat.CurrentLineNumber)
        elif self.record is not None:
            if tag in ("operationalAttributes", "attributes", "modifications", "identifier"):
                self.section = tag
            elif tag in ("attr", "modification"):
                self.attr_name = attrib.get("name", "")
                target = (
                    self.record.operational if self.section == "operationalAttributes" else self.record.attrs
                )
                target.setdefault(self.attr_name, [])
                if tag == "modification":
                    self.record.modifications[self.attr_name] = attrib.get("operation", "replace")

    def data(self, text):
        self.text.append(text)

    def end(self, tag):
        record = self.record
        if record is not None and self.depth > 2:
            if tag == "value" and self.attr_name is not None:
                target = record.operational if self.section == "operationalAttributes" else record.attrs
                target[self.attr_name].append("".join(self.text))
            elif tag == "id" and self.section == "identifier":
                record.id = "".join(self.text).strip()
            elif tag in ("attr", "modification"):
                self.attr_name = None
        elif self.depth == 2 and record is not None:
            self.ready.append(record)
            self.record = None
        self.text = []
        self.depth -= 1

    def close(self):
        return None


def read_records(path: Path, file_label: str) -> Iterator[AafRecord]:
    """Yield the file's records in order. Raises FatalImportError (file, line) for malformed
    XML and for forbidden DTD entities or external references.

    defusedxml's parser sets the guards (entity declarations, external entities) on its expat
    parser; the element and text handlers of that same expat parser are then pointed straight
    at the record builder, which skips ElementTree's per-event Python layer (3-4x faster)."""
    target = _Target()
    defused = DefusedXMLParser(target=None, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    expat = defused.parser
    expat.buffer_text = True
    expat.ordered_attributes = False
    expat.StartElementHandler = target.start
    expat.EndElementHandler = target.end
    expat.CharacterDataHandler = target.data
    target.expat = expat
    with Path(path).open("rb") as handle:
        while True:
            chunk = handle.read(CHUNK)
            try:
                expat.Parse(chunk, not chunk)
            except ExpatError as error:
                reason = ErrorString(error.code)
                raise FatalImportError(
                    file_label, error.lineno, f"malformed XML: {reason} (column {error.offset + 1})"
                ) from error
            except DefusedXmlException as error:
                raise FatalImportError(
                    file_label,
                    expat.CurrentLineNumber,
                    f"forbidden XML construct ({type(error).__name__}): entity declarations and external "
                    "references are refused (XXE and entity-expansion protection)",
                ) from error
            if target.ready:
                yield from target.ready
                target.ready = []
            if not chunk:
                return
