"""The history table's items: one place for their keys and their stored form (docs/design.md, "History").

One partition per operation (`operation_id`), ordered by `position`:

- `head`: the operation's current life, its last sequence, digest and version (the loop's numbering),
  `ended` once its record was deleted, by TTL or by hand (the sequence after the life's last: its
  `Operation Expired` event's, if it expired), and `expires_at` (HEAD_EXPIRES_AT) while its last version
  is due to expire: that version's `_expires_at`. A PUT over an expired record starts a new life the loop
  records later; until then the head is the old life's, not ended, and this tells the reads that life is
  over. The head alone decides whether a history may be shown: the reads never read the record.
- `entry#<life>#<sequence>#<chunk>`: one entry of a life, as a stored blob (below), cut into chunks when
  it would not fit one item. Chunk 0 also carries the entry's plain attributes (sequence, version,
  recorded_time, status, chunk count), so a page can be sized and checked before it is decoded.
- `stream#<stream sequence number>`: the loop's mark that a stream record was applied, and the sequence it
  got, written in the entry's transaction: a redelivered record is recognised and its event republished.
  It expires (`_expires_at`) 2 days after it is written, once the stream can no longer deliver its record.

A blob is the entry (with its digest) and, at checkpoints, the whole record after it, as zlib-compressed
canonical JSON: any version is rebuilt from the checkpoint at or before it, at most CHECKPOINT_EVERY - 1
patches later, whatever the history's length.
"""

from __future__ import annotations

import json
import zlib
from typing import Any, Final

PARTITION_KEY: Final = "operation_id"
SORT_KEY: Final = "position"
HEAD: Final = "head"
HEAD_EXPIRES_AT: Final = "expires_at"  # epoch seconds, N: the expiry of the life's last version, if any
CHECKPOINT_EVERY: Final = 16
CHUNK_BYTES: Final = 300 * 1024  # an item holds 400 KB, keys and plain attributes included
SEQUENCE_DIGITS: Final = 10
PRE_HISTORY_LIFE: Final = "0"  # the life of an operation stored before history existed
# A stream mark's TTL attribute (the head and the entries never carry it): a mark is only needed while its
# stream record can be redelivered, and the stream keeps records 24 hours; 2 days leaves a margin.
EXPIRES_ATTRIBUTE: Final = "_expires_at"
MARK_KEPT_SECONDS: Final = 2 * 86_400


def is_checkpoint(sequence: int) -> bool:
    return (sequence - 1) % CHECKPOINT_EVERY == 0


def checkpoint_at_or_before(sequence: int) -> int:
    return sequence - (sequence - 1) % CHECKPOINT_EVERY


def entries_prefix(life: str) -> str:
    return f"entry#{life}#"


def entry_prefix(life: str, sequence: int) -> str:
    return f"{entries_prefix(life)}{sequence:0{SEQUENCE_DIGITS}d}#"


def chunk_position(life: str, sequence: int, chunk: int) -> str:
    return f"{entry_prefix(life, sequence)}{chunk:04d}"


def stream_mark_position(stream_sequence_number: str) -> str:
    return f"stream#{stream_sequence_number}"


def canonical_json(value: Any) -> str:
    """RFC 8785 for what a record holds (strings, integers, booleans, null): sorted keys, no spaces."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def encode_blob(entry: dict[str, Any], snapshot: dict[str, Any] | None) -> list[bytes]:
    """An entry (and the record at a checkpoint), compressed and cut into chunks of at most CHUNK_BYTES."""
    blob = zlib.compress(canonical_json({"entry": entry, "snapshot": snapshot}).encode("utf-8"))
    return [blob[start : start + CHUNK_BYTES] for start in range(0, len(blob), CHUNK_BYTES)] or [b""]


def decode_blob(chunks: list[bytes]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The entry and the checkpoint's record (None between checkpoints), from an entry's chunks in order."""
    stored = json.loads(zlib.decompress(b"".join(chunks)).decode("utf-8"))
    return stored["entry"], stored["snapshot"]
