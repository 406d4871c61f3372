"""State format 2: a small root document and content-addressed shard files.

Format 1 was one JSON document (``sync.json``) rewritten whole on every checkpoint: 3.7 KB a
product, so a committed state met GitHub's 100 MB limit near 20,000 products and a checkpoint's
cost grew with the catalogue. Format 2 keeps the same records, spread over files:

- ``<section>/<prefix>-<hash>.json``: the shards. A map section whose kind sets
  ``Section.shard_digits`` (products) is split by the first digits of a SHA-1 of each record's
  name, as many as keep a shard near ``SHARD_RECORDS`` records (``shard_digits``, at most the
  section's); the others are one shard (``<section>/all-<hash>.json``). ``<hash>`` is the start of
  the SHA-256 of the shard's bytes, so a shard is written once and never changed in place.
  One record per line, keys sorted: a git diff of a run shows only the records that changed.
- ``sync.json``: the root, written last and atomically: ``format_version`` 2, ``serial``,
  ``lineage``, the sections present, every shard with its full SHA-256, and the cjrec that
  reading it needs (``needs_cjrec``), which an older cjrec names when it refuses.

A crash at any point leaves the previous root and every shard it names: new shards have new
names. Loading checks each shard against the root's hash; a missing, corrupted or hand-edited
shard is an error naming the file. A checkpoint re-encodes only the shards whose records
changed (found by comparing the records with those last written, by identity first) and
writes them and the root; shards no root or backup root names any more are removed after the
root that drops them is in place. The stores (``state_store.py`` for a folder, ``s3_state.py``)
do the reading and writing; this module is the format, pure apart from the ``TreeFiles`` it is given.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from json.encoder import encode_basestring_ascii
from typing import Any, Protocol

from reconciler.errors import StateError
from reconciler.kinds import state_codec
from reconciler.kinds.contract import Section
from reconciler.kinds.registry import sections
from reconciler.models.state import RecordError, SyncState, changed_since
from reconciler.safe_text import for_json

TREE_FORMAT = 2
NEEDS_CJREC = "0.2.0"  # the first cjrec that reads format 2, named by the refusal of an older one
WHOLE = "all"  # the prefix of a section kept in one shard
ROOT_KEYS = {"format_version", "needs_cjrec", "serial", "lineage", "sections", "shards"}
HASH_IN_NAME = 16  # hex digits of the shard's SHA-256 in its file name
# Records a shard of a sharded section aims at: few enough that a one-change checkpoint re-encodes
# little, many enough that a bucket is not asked for thousands of objects per load (10,000 products
# in 4,096 shards took 10 s from S3; in 256, under one).
SHARD_RECORDS = 256


class TreeFiles(Protocol):
    """The shard files of one state location (a folder, a bucket prefix)."""

    def read(self, name: str) -> bytes | None:
        """A shard's bytes, or None when it is missing."""
        ...

    def write_new(self, name: str, data: bytes) -> None:
        """Store a shard under its content-addressed ``name`` (nothing to do when it exists)."""
        ...

    def delete(self, name: str) -> None:
        """Remove a shard no root names any more (missing is fine)."""
        ...


def shard_digits(count: int, *, most: int, current: int | None) -> int:
    """How many hex digits split a section of ``count`` records: 16**digits shards, at most ``most`` digits.

    The fewest digits that keep a shard near ``SHARD_RECORDS``; a section keeps the ``current``
    split of its last write until a shard would hold more than twice that, or one digit fewer
    would do with half of it, so a catalogue near a boundary is not re-split back and forth
    (a new split writes every shard of the section once).
    """
    if current is not None and 1 <= current <= most:
        per_shard = count / 16**current
        if per_shard <= 2 * SHARD_RECORDS and (current == 1 or per_shard * 16 > SHARD_RECORDS / 2):
            return current
    for digits in range(1, most):
        if count <= SHARD_RECORDS * 16**digits:
            return digits
    return most


def shard_prefix(key: str, digits: int) -> str:
    """The shard a record named ``key`` lives in: the first ``digits`` hex digits of SHA-1(key)."""
    return hashlib.sha1(key.encode("utf-8"), usedforsecurity=False).hexdigest()[:digits]


def render_shard(encoded: Mapping[str, Any]) -> bytes:
    """A shard's bytes: a JSON object, one record a line, keys sorted (deterministic, diff-friendly)."""
    lines = [
        json.dumps(key, ensure_ascii=False)
        + ":"
        + json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        for key, value in sorted(encoded.items())
    ]
    body = "{\n" + ",\n".join(lines) + ("\n}\n" if lines else "}\n")
    return for_json(body).encode("utf-8")


def render_value(value: Any) -> bytes:
    """The shard of a section kept whole whose value is not a map of records (one line)."""
    return (for_json(json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))) + "\n").encode()


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Tree:
    """A format-2 state as written: what the root says, and what this run knows of each shard.

    ``files``: section → prefix → shard file name; ``members``: for sharded sections, prefix →
    the record names in that shard; ``records``: the section values last written or read, to find
    what changed by identity.
    """

    lineage: str
    serial: int
    present: list[str]
    hashes: dict[str, str]  # shard file name -> SHA-256
    files: dict[str, dict[str, str]] = field(default_factory=dict)
    members: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    records: dict[str, Any] = field(default_factory=dict)

    def root(self) -> bytes:
        """The root document's bytes (as ``json.dumps(..., indent=2)``: a small, stable file).

        Written line by line: the indenting encoder is pure Python, and the 4,098 shard lines of a
        large state made it a quarter of a one-change checkpoint.
        """
        head = {
            "format_version": TREE_FORMAT,
            "needs_cjrec": NEEDS_CJREC,
            "serial": self.serial,
            "lineage": self.lineage,
            "sections": self.present,
        }
        lines = [
            f"  {json.dumps(key)}: {json.dumps(value, indent=2).replace(chr(10), chr(10) + '  ')},"
            for key, value in head.items()
        ]
        quote = encode_basestring_ascii  # json.dumps of one string, without its per-call set-up
        shards = [f"    {quote(name)}: {quote(sha)}" for name, sha in sorted(self.hashes.items())]
        lines.append('  "shards": {\n' + ",\n".join(shards) + "\n  }" if shards else '  "shards": {}')
        return ("{\n" + "\n".join(lines) + "\n}\n").encode("utf-8")

    def names(self) -> set[str]:
        return set(self.hashes)


def _present(state: SyncState) -> list[Section]:
    """The sections the state writes (as format 1: an empty one only when ``always``)."""
    out = []
    for section in sections():
        value = state.section(section.key)
        empty = value is None or (isinstance(value, Mapping) and not value)
        if empty and not section.always:
            continue
        out.append(section)
    return out


def _file_name(section: str, prefix: str, data: bytes) -> tuple[str, str]:
    sha = digest(data)
    return f"{section}/{prefix}-{sha[:HASH_IN_NAME]}.json", sha


def _changed_keys(current: Mapping[str, Any], before: Mapping[str, Any]) -> set[str]:
    """Names whose record differs (identity first: records carried over from the last write are the same objects).

    Among the names the state says it changed since ``before`` when it knows them (a handful
    instead of all 100,000), else among all.
    """
    candidates = changed_since(current, before)
    if candidates is not None:
        missing = object()
        return {
            key
            for key in candidates
            if (value := current.get(key, missing)) is not (old := before.get(key, missing)) and value != old
        }
    changed = {key for key, value in current.items() if before.get(key) is not value and before.get(key) != value}
    if len(current) != len(before) or any(key not in before for key in changed):
        changed.update(key for key in before if key not in current)
    return changed


def _members(
    section: Section, current: Mapping[str, Any], base: Tree | None
) -> tuple[dict[str, set[str]], set[str], bool]:
    """A sharded section's record names by shard, the shards whose records changed since ``base``, and
    whether that is counted from ``base`` (else every shard counts as changed)."""
    key = section.key
    before = base.records.get(key) if base is not None else None
    split = next(iter(base.members.get(key, {})), None) if base is not None else None
    digits = shard_digits(len(current), most=section.shard_digits, current=None if split is None else len(split))
    if base is None or key not in base.members or not isinstance(before, Mapping) or (split and len(split) != digits):
        members: dict[str, set[str]] = {}
        for name in current:
            members.setdefault(shard_prefix(name, digits), set()).add(name)
        return members, set(members), False
    members = dict(base.members[key])  # the sets of the shards touched are copied before they change
    touched: set[str] = set()
    for name in _changed_keys(current, before) if current is not before else ():
        prefix = shard_prefix(name, digits)
        if prefix not in touched:
            touched.add(prefix)
            members[prefix] = set(members.get(prefix, ()))
        if name in current:
            members[prefix].add(name)
        else:
            members[prefix].discard(name)
    return members, touched, True


def render_tree(state: SyncState, base: Tree | None, *, serial: int) -> tuple[Tree, dict[str, bytes]]:
    """The tree of ``state`` under ``serial`` and the shard files it needs that ``base`` lacks.

    With a ``base`` (the tree last written or read), only the shards whose records changed are
    encoded again; without one, every shard is.
    """
    tree = Tree(state.lineage, serial, [], {})
    new_files: dict[str, bytes] = {}
    for section in _present(state):
        key = section.key
        tree.present.append(key)
        value = state.section(key)
        old_files = base.files.get(key, {}) if base is not None else {}
        if section.shard_digits and (value is None or isinstance(value, Mapping)):
            current: Mapping[str, Any] = value or {}
            members, touched, incremental = _members(section, current, base)
            files = dict(old_files) if incremental else {}
            for prefix in touched:
                names = members.get(prefix, set())
                if not names:
                    members.pop(prefix, None)
                    files.pop(prefix, None)
                    continue
                data = render_shard(section.encode({name: current[name] for name in names}))
                file_name, _sha = _file_name(key, prefix, data)
                files[prefix] = file_name
                new_files[file_name] = data
            tree.members[key] = members
            tree.files[key] = files
        else:
            encoded = section.encode(value if value is not None else getattr(state, key))  # absent reads as empty
            data = render_shard(encoded) if _is_record_map(encoded) else render_value(encoded)
            file_name, _sha = _file_name(key, WHOLE, data)
            tree.files[key] = {WHOLE: file_name}
            new_files[file_name] = data
        tree.records[key] = value
    for files in tree.files.values():
        for file_name in files.values():
            if file_name in new_files:
                tree.hashes[file_name] = digest(new_files[file_name])
            else:
                assert base is not None
                tree.hashes[file_name] = base.hashes[file_name]
    if base is not None:
        new_files = {name: data for name, data in new_files.items() if name not in base.hashes}
    return tree, new_files


def same_content(tree: Tree, base: Tree) -> bool:
    """True when ``tree`` names the same shards as ``base`` (so the records are the same)."""
    return tree.hashes == base.hashes and tree.present == base.present and tree.lineage == base.lineage


def _is_record_map(encoded: Any) -> bool:
    return isinstance(encoded, dict) and all(isinstance(value, dict) for value in encoded.values())


def is_tree_root(data: Mapping[str, Any]) -> bool:
    return data.get("format_version") == TREE_FORMAT


def read_tree(
    root: Mapping[str, Any], files: TreeFiles, *, display: str, place: str, hint: str
) -> tuple[SyncState, Tree]:
    """The state a format-2 root names, every shard checked against its hash; StateError naming the file otherwise.

    ``display`` names the root in messages, ``place`` is prefixed to a shard's name (the folder
    or bucket prefix).
    """
    serial, lineage, present, hashes = _root_header(root, display=display, hint=hint)
    by_key = {section.key: section for section in sections()}
    raw: dict[str, dict[str, Any]] = {}
    whole: dict[str, Any] = {}
    tree = Tree(lineage, serial, present, hashes)
    for name, sha in sorted(hashes.items()):
        key, _, rest = name.partition("/")
        prefix = rest.rsplit("-", 1)[0]
        if key not in by_key or not rest.endswith(".json") or "/" in rest or ".." in name:
            raise StateError(f"{display}: names a shard {name!r} that is not one cjrec writes", hint=hint)
        value = _read_shard(files, name, sha, place=place, hint=hint)
        tree.files.setdefault(key, {})[prefix] = name
        if prefix == WHOLE:
            whole[key] = value
            continue
        if not isinstance(value, dict):
            raise StateError(f"{place}{name}: the shard must be a JSON object", hint=hint)
        raw.setdefault(key, {}).update(value)
        tree.members.setdefault(key, {})[prefix] = set(value)
    records: dict[str, Any] = {}
    for section in sections():
        key = section.key
        if key in whole:
            encoded = whole[key]
        elif key in raw or (key in present and section.shard_digits):
            encoded = raw.get(key, {})
            tree.members.setdefault(key, {})
        else:
            encoded = None
        try:
            records[key] = section.decode(encoded)
        except RecordError as exc:
            raise StateError(f"{place}{key}/: {exc}", hint=hint) from None
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise StateError(f"{place}{key}/: the records fail validation ({exc})", hint=hint) from None
        tree.records[key] = records[key]
    state = SyncState(lineage, serial, records)
    tree.records = {key: state.section(key) for key in tree.present}
    return state, tree


def _root_header(root: Mapping[str, Any], *, display: str, hint: str) -> tuple[int, str, list[str], dict[str, str]]:
    """The root's serial, lineage, sections and shard hashes, validated; StateError naming ``display`` otherwise."""
    unknown = sorted(set(root) - ROOT_KEYS)
    if unknown:
        raise StateError(
            f"{display}: the state root has an entry cjrec does not write ({unknown[0]!r}); records live in the "
            "shard files it names",
            hint=hint,
        )
    try:
        serial, lineage = root["serial"], str(root["lineage"])
        present = [str(key) for key in root["sections"]]
        hashes = {str(name): str(sha) for name, sha in dict(root["shards"]).items()}
    except (KeyError, TypeError, ValueError) as exc:
        raise StateError(
            f"{display}: the state root fails validation ({type(exc).__name__}: {exc})", hint=hint
        ) from None
    if not isinstance(serial, int) or isinstance(serial, bool) or serial < 0:
        raise StateError(
            f"{display}: the state root fails validation (serial must be a non-negative integer)", hint=hint
        )
    try:
        uuid.UUID(lineage)
    except ValueError:
        raise StateError(f"{display}: the state root fails validation (lineage)", hint=hint) from None
    return serial, lineage, present, hashes


def _read_shard(files: TreeFiles, name: str, sha: str, *, place: str, hint: str) -> Any:
    """A shard's JSON once its bytes match ``sha``; StateError naming the file otherwise."""
    data = files.read(name)
    if data is None:
        raise StateError(f"{place}{name}: a shard the state names is missing", hint=hint)
    if digest(data) != sha:
        raise StateError(
            f"{place}{name}: the shard does not match the hash the state root records (edited or corrupted); "
            "cjrec will not use it",
            hint=hint,
        )
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise StateError(f"{place}{name}: the shard is not valid JSON", hint=hint) from None


def parse_root(raw: bytes) -> dict[str, Any] | None:
    """The parsed root when ``raw`` is a format-2 root, else None (format 1, or not parseable: the caller says why)."""
    if b'"format_version": 2' not in raw[:200] and b'"format_version":2' not in raw[:200]:
        return None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return None
    return data if isinstance(data, dict) and is_tree_root(data) else None


def root_names(raw: bytes | None) -> set[str]:
    """The shards a root's bytes name (none when missing or not a format-2 root)."""
    root = parse_root(raw) if raw is not None else None
    shards = root.get("shards") if root is not None else None
    return {str(name) for name in shards} if isinstance(shards, dict) else set()


@dataclass(frozen=True)
class TreeWrite:
    """What one checkpoint writes: the new tree (its root), the shards it adds, and the tree it was made from."""

    tree: Tree
    new_files: dict[str, bytes]
    base: Tree | None


def plan_write(state: SyncState, *, previous: SyncState | None, base: Tree | None) -> TreeWrite | None:
    """The checkpoint that records ``state`` over ``previous``, or None when it holds nothing new.

    ``base`` is the tree the store last read or wrote; it is used (only the changed shards are
    encoded) when it is the tree of ``previous``, else every shard is encoded. Both stores (a
    folder, a bucket) write the result the same way: the new shards, then the root.
    """
    if base is not None and (previous is None or (previous.serial, previous.lineage) != (base.serial, base.lineage)):
        base = None  # not the state this store last read or wrote: encode everything
    if base is None and previous is not None and unchanged(state, previous):
        return None
    serial = (previous.serial + 1) if previous is not None else max(state.serial, 1)
    tree, new_files = render_tree(state, base, serial=serial)
    if base is not None and previous is not None and same_content(tree, base):
        return None
    return TreeWrite(tree, new_files, base)


def unchanged(state: SyncState, previous: SyncState) -> bool:
    """True when ``state`` records what ``previous`` does (same lineage, same content)."""
    return previous.lineage == state.lineage and state_codec.content(previous) == state_codec.content(state)


def unreferenced(candidates: Iterable[str], *keep: Tree | None) -> list[str]:
    """The shard names among ``candidates`` that no tree in ``keep`` names."""
    kept: set[str] = set()
    for tree in keep:
        if tree is not None:
            kept |= tree.names()
    return sorted(name for name in candidates if name not in kept)
