"""The log's schemas: Foxglove's well-known protobuf schemas, backstroke's own
protobuf batches (``backstroke.StateBatch``, ``backstroke.PlanChunk``,
``backstroke.ContactSample``) and JSON Schemas for the JSON channels.

Protobuf schemas are stored in the MCAP file as binary ``FileDescriptorSet``s (schema
encoding ``protobuf``), which Foxglove, the ``mcap`` CLI and ``mcap-protobuf-support``
decode without backstroke. Schema names are the message names; Foxglove recognises
``foxglove.FrameTransform`` and ``foxglove.SceneUpdate`` by name.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.descriptor import Descriptor, FileDescriptor
from google.protobuf.message import Message

from backstroke.session.log.columns import PLAN_SPEC, STATE_SPEC, Column

_FDP = descriptor_pb2.FieldDescriptorProto
_POOL = descriptor_pool.DescriptorPool()


def descriptor_set(descriptor: Descriptor) -> bytes:
    """The serialized ``FileDescriptorSet`` of a message type and all it imports."""
    fds = descriptor_pb2.FileDescriptorSet()
    seen: set[str] = set()

    def add(fd: FileDescriptor) -> None:
        if fd.name in seen:
            return
        seen.add(fd.name)
        for dep in fd.dependencies:
            add(dep)
        fd.CopyToProto(fds.file.add())

    add(descriptor.file)
    return fds.SerializeToString()


def _file(name: str, syntax: str = "proto3") -> descriptor_pb2.FileDescriptorProto:
    fdp = descriptor_pb2.FileDescriptorProto()
    fdp.name = f"backstroke/{name}.proto"
    fdp.package = "backstroke"
    fdp.syntax = syntax
    return fdp


def _field(msg: Any, name: str, number: int, kind: int, repeated: bool = False) -> None:
    f = msg.field.add()
    f.name = name
    f.number = number
    f.type = kind
    f.label = _FDP.LABEL_REPEATED if repeated else _FDP.LABEL_OPTIONAL


def _batch_file(name: str, spec: tuple[Column, ...]) -> descriptor_pb2.FileDescriptorProto:
    """``count`` then, per column, ``repeated sint64 <field>`` (scaled first differences)
    and ``repeated uint32 <field>_nan`` (indices of NaN samples)."""
    fdp = _file(name)
    msg = fdp.message_type.add()
    msg.name = name
    _field(msg, "count", 1, _FDP.TYPE_UINT32)
    for i, col in enumerate(spec):
        _field(msg, col.field, 2 + 2 * i, _FDP.TYPE_SINT64, repeated=True)
        _field(msg, f"{col.field}_nan", 3 + 2 * i, _FDP.TYPE_UINT32, repeated=True)
    return fdp


def _contact_file() -> descriptor_pb2.FileDescriptorProto:
    fdp = _file("ContactSample", "proto2")  # proto2: fields have presence (NaN = absent)
    msg = fdp.message_type.add()
    msg.name = "ContactSample"
    for i, name in enumerate(CONTACT_FIELDS):
        kind = _FDP.TYPE_DOUBLE if name == "t_s" else _FDP.TYPE_FLOAT
        _field(msg, name, i + 1, kind)
    return fdp


# /contact: one sample per message at a plotting rate (Foxglove's Plot panel).
CONTACT_FIELDS: tuple[str, ...] = (
    "t_s",
    "normal_force_n",
    "target_force_n",
    "indentation_m",
    "u",
    "v",
    "tool",
    "block",
    "pass_index",
)


@cache
def message_class(name: str) -> type[Message]:
    """backstroke's own protobuf message classes: ``StateBatch``, ``PlanChunk``,
    ``ContactSample``."""
    builders = {
        "StateBatch": lambda: _batch_file("StateBatch", STATE_SPEC),
        "PlanChunk": lambda: _batch_file("PlanChunk", PLAN_SPEC),
        "ContactSample": _contact_file,
    }
    if name not in builders:
        raise KeyError(name)
    fd = _POOL.Add(builders[name]())
    return message_factory.GetMessageClass(fd.message_types_by_name[name])


def json_schema(title: str, description: str, properties: dict[str, Any]) -> bytes:
    doc = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": title,
        "description": description,
        "type": "object",
        "properties": properties,
    }
    return json.dumps(doc, sort_keys=True).encode()


_NUM = {"type": ["number", "null"]}
EVENT_SCHEMA = json_schema(
    "backstroke.Event",
    "A safety or session event.",
    {
        "t_s": {"type": "number", "description": "session time, s"},
        "kind": {"type": "string", "description": "e.g. force, pressure, watchdog, client_stop"},
        "value": {**_NUM, "description": "measured value (SI; pressure in N/cm2)"},
        "limit": {**_NUM, "description": "the limit it was compared with (same unit)"},
        "message": {"type": "string", "description": "action or note"},
    },
)
DOC_SCHEMAS: dict[str, tuple[str, str]] = {
    "/summary": ("backstroke.Summary", "The session summary (summary.json, DESIGN 6.2)."),
    "/session": ("backstroke.Session", "What was asked for: routine, client, seed, backend."),
}
