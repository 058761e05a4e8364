#!/usr/bin/env python3
"""Dump EVTX files as python-evtx reads them, for the writer's cross-check.

For each file given, prints one JSON line: the file header and its chunks (with python-evtx's
own checksum verdicts) and every record as a neutral element tree. The tree is built from
python-evtx's parse (template definitions, substitution arrays, nested BinXML) with the XML
rules python-evtx leaves out: an empty optional substitution drops its attribute, and an
element whose DependencyId names an empty substitution is dropped.

Element: {"name", "attributes": [[name, value]], "children": [element | {"value": value}]}.
Value: [type, data] with data as JSON (FILETIME as 100 ns ticks, SYSTEMTIME as its eight
16-bit words, binary as upper-case hex).

Requires python-evtx (`pip install python-evtx`).
"""

import json
import sys

try:
    import Evtx.Evtx as evtx
    import Evtx.Nodes as nodes
except ImportError:
    sys.stderr.write("python-evtx is missing: pip install python-evtx\n")
    sys.exit(3)

NO_DEPENDENCY = 0xFFFF


def typed(node):
    """A substitution or literal value as [type, data]; None for an empty one."""
    if isinstance(node, nodes.NullTypeNode):
        return None
    kind = type(node)
    if kind is nodes.WstringTypeNode:
        return ["string", node.string()]
    if kind is nodes.StringTypeNode:
        return ["ansi_string", node.string()]
    integers = {
        nodes.SignedByteTypeNode: "int8",
        nodes.UnsignedByteTypeNode: "uint8",
        nodes.SignedWordTypeNode: "int16",
        nodes.UnsignedWordTypeNode: "uint16",
        nodes.SignedDwordTypeNode: "int32",
        nodes.UnsignedDwordTypeNode: "uint32",
        nodes.SignedQwordTypeNode: "int64",
        nodes.UnsignedQwordTypeNode: "uint64",
    }
    if kind in integers:
        return [integers[kind], int(node.string())]
    if kind in (nodes.Hex32TypeNode, nodes.Hex64TypeNode):
        name = "hex_int32" if kind is nodes.Hex32TypeNode else "hex_int64"
        return [name, int.from_bytes(node.hex(), "little")]
    if kind is nodes.BooleanTypeNode:
        return ["bool", node.int32() != 0]
    if kind is nodes.BinaryTypeNode:
        return ["binary", node.binary().hex().upper()]
    if kind is nodes.GuidTypeNode:
        return ["guid", node.string()]
    if kind is nodes.SIDTypeNode:
        return ["sid", node.string()]
    if kind is nodes.FiletimeTypeNode:
        return ["file_time", node.unpack_qword(0)]
    if kind is nodes.SystemtimeTypeNode:
        return ["system_time", [node.unpack_word(2 * i) for i in range(8)]]
    if kind is nodes.WstringArrayTypeNode:
        items = bytes(node.binary()).decode("utf-16le").split("\x00")
        return ["string_array", items[:-1]]
    raise ValueError("unexpected value node %r" % (node,))


def substitution(node, subs):
    return subs[node.index()]


def render_instance(root):
    """The elements a template instance (a record's or a nested BinXML value's) renders."""
    subs = root.substitutions()
    out = []
    for child in root.template().children():
        render(child, subs, out)
    return out


def render(node, subs, out):
    if isinstance(node, nodes.OpenStartElementNode):
        dependency = node.unknown0()
        if dependency != NO_DEPENDENCY and isinstance(subs[dependency], nodes.NullTypeNode):
            return
        element = {"name": node.tag_name(), "attributes": [], "children": []}
        for child in node.children():
            if isinstance(child, nodes.AttributeNode):
                value = child.attribute_value()
                if isinstance(value, nodes.ValueNode):
                    data = typed(value.children()[0])
                else:
                    data = typed(substitution(value, subs))
                if data is not None:
                    element["attributes"].append([child.attribute_name().string(), data])
            else:
                render(child, subs, element["children"])
        out.append(element)
    elif isinstance(node, nodes.ValueNode):
        out.append({"value": typed(node.children()[0])})
    elif isinstance(node, (nodes.NormalSubstitutionNode, nodes.ConditionalSubstitutionNode)):
        sub = substitution(node, subs)
        if isinstance(sub, nodes.BXmlTypeNode):
            out.extend(render_instance(sub.root()))
        else:
            data = typed(sub)
            if data is not None:
                out.append({"value": data})
    # Fragment headers, close tokens and end of stream render nothing.


def dump(path):
    with evtx.Evtx(path) as log:
        header = log.get_file_header()
        chunks = []
        for chunk in header.chunks():
            records = []
            for record in chunk.records():
                event = render_instance(record.root())
                records.append(
                    {
                        "record_id": record.record_num(),
                        "written_ticks": record.unpack_qword(0x10),
                        "size_ok": record.verify(),
                        "event": event,
                    }
                )
            chunks.append(
                {
                    "verify": chunk.verify(),
                    "first_record_id": chunk.log_first_record_number(),
                    "last_record_id": chunk.log_last_record_number(),
                    "records": records,
                }
            )
        return {
            "path": path,
            "header": {
                "verify": header.verify(),
                "oldest_chunk": header.oldest_chunk(),
                "current_chunk": header.current_chunk_number(),
                "next_record_id": header.next_record_number(),
                "chunk_count": header.chunk_count(),
                "flags": header.flags(),
            },
            "chunks": chunks,
        }


def main(paths):
    for path in paths:
        print(json.dumps(dump(path), sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1:])
