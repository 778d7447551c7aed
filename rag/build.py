"""Writing an index: files -> what changed -> chunks, vectors, postings, signatures -> a segment or a whole index.

A first build (and an index grown fragmented) is written whole, as one segment, and swapped in for
the folder. An update with a previous index writes only what changed as one new segment and a new
manifest (see rag.store). Either way the vectors an index already holds for the same passage text are
reused, and an interrupted build's vectors come back from the embedding cache.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.chunk import chunk_document
from rag.config import Config
from rag.dense import train_approximate
from rag.embed import load_encoder
from rag.embed.cache import EmbeddingCache
from rag.errors import RagError
from rag.contents import Contents, Progress, open_contents
from rag.ingest import discover, file_hash, load_documents
from rag.ingest.dedup import signatures, update_groups
from rag.lexical import LexicalIndex
from rag.milvus import passages_for
from rag.records import BuildReport, Chunk, Document, Skipped
from rag.retrieve import passage_text
from rag.store import (SEGMENTS, TOKENIZER, append_segment, check_target, segment_name, write_index)
from rag.text import terms

logger = logging.getLogger(__name__)

__all__ = ["build", "embedding_cache"]


def _check_sources_exist(roots: Sequence[Path]) -> None:
    """At least one source must exist; the missing ones are reported with the skipped files."""
    if roots and not any(Path(r).expanduser().exists() for r in roots):
        names = ", ".join(str(r) for r in roots)
        raise RagError(f"no such file or folder: {names}; check the path(s) (nothing was written)")


def _under(path: str, roots: Sequence[str]) -> bool:
    """Whether ``path`` is one of ``roots`` or inside one (string prefixes: this runs once per indexed file)."""
    return any(path == r or path.startswith(r.rstrip("/") + "/") for r in roots)


@dataclass
class _Plan:
    """What a write changes: previous slots kept and dropped, documents read anew, and the report's lists."""

    keep: list[int]
    dead: list[int]
    new_docs: list[Document]
    excluded: set[str]
    roots: list[str]
    added: list[str]
    updated: list[str]
    removed: list[str]
    unchanged: list[str]
    skipped: list[Skipped]
    warnings: tuple


def _plan(roots: list[Path], config: Config, previous: Contents | None, drop: set[str], force: set[str],
          tick) -> _Plan:
    """Find the files under ``roots``, compare their hashes with ``previous`` and read what changed."""
    _check_sources_exist(roots)
    roots_abs = [r.absolute() for r in roots]
    root_names = [str(r) for r in roots_abs]
    files, skipped = discover(roots, max_files=config.max_files)
    hashes = {}
    for f in files:
        try:
            hashes[f] = file_hash(f)
        except OSError as exc:
            skipped.append(Skipped(str(f), f"cannot read ({exc.strerror}); check its permissions"))
    files = [f for f in files if f in hashes]
    # Files the user removed stay out of folder updates; naming one file itself brings it back.
    named = {str(r) for r in roots_abs if r.is_file()}
    excluded = (set(previous.manifest.get("excluded", [])) if previous else set()) - named | drop
    files = [f for f in files if str(f.absolute()) not in excluded]

    old_docs = previous.by_path if previous else {}
    keep, dead, unchanged, updated, removed, to_read = [], [], [], [], [], []
    current = {str(f) for f in files}
    for path, slot in old_docs.items():
        doc = previous.documents.meta(slot)
        if path in drop:
            removed.append(path)
            dead.append(slot)
        elif path in current:
            if doc.content_hash == hashes[Path(path)] and path not in force:
                keep.append(slot)
                unchanged.append(path)
            else:
                updated.append(path)
                to_read.append(Path(path))
        elif _under(path, root_names) and not Path(path).exists():
            removed.append(path)
            dead.append(slot)
        else:
            keep.append(slot)  # indexed from another folder, or still there but unreadable now
    added = [f for f in files if str(f) not in old_docs]
    to_read.extend(added)
    loaded = load_documents(to_read, max_file_bytes=config.max_file_bytes, hashes=hashes, progress=tick("read"),
                            ocr_progress=tick("ocr"))
    failed = {s.path for s in loaded.skipped}
    for path in updated:  # a changed file that can no longer be read keeps its previous version
        (keep if path in failed else dead).append(old_docs[path])
    return _Plan(
        keep=sorted(keep), dead=sorted(dead), new_docs=sorted(loaded.documents, key=lambda d: d.path),
        excluded=excluded,
        roots=sorted({str(r) for r in roots_abs} | set(previous.manifest.get("roots", []) if previous else [])),
        added=[str(f) for f in added if str(f) not in failed], updated=[p for p in updated if p not in failed],
        removed=removed, unchanged=unchanged, skipped=list(skipped) + list(loaded.skipped), warnings=loaded.warnings)


_MAX_SEGMENTS = 16  # an update that would make more rewrites the index as one segment
_MAX_DEAD = 0.3  # ... as does one after which more than this share of passage slots is deleted
_MAX_UNCOVERED = 0.1  # ... or one after which this share of passages is outside the approximate index


def build(folder: Path, roots: list[Path], config: Config, *, previous: Contents | None,
           progress: Progress | None, drop: set[str] = frozenset(), force: set[str] = frozenset(),
           full: bool = False) -> tuple[Contents, BuildReport]:
    """Write the index of ``previous``'s documents plus what ``roots`` hold now; return the new
    version and the report of what changed.

    ``drop``: indexed paths to take out (and keep out of later updates of their folder);
    ``force``: indexed paths to read again although unchanged. With a ``previous`` index the
    change is written as one new segment (only the changed files are chunked, embedded and
    indexed); a first build, ``full``, or an index grown fragmented is written whole.
    """
    t0 = time.perf_counter()
    check_target(folder)  # before any work: never replace what is not an index
    tick = (lambda stage: (lambda done, total: progress(stage, done, total))) if progress else (lambda stage: None)
    plan = _plan(roots, config, previous, set(drop), set(force), tick)
    # the same arguments as rag.Index uses, so the cached encoder is loaded (and quantised) once per process
    encoder = load_encoder(config.model, config.query_prompt, config.passage_prompt, config.threads,
                           config.int8_queries, config.query_runtime)
    if (previous is not None and not full and not plan.new_docs and not plan.dead
            and sorted(plan.excluded) == previous.manifest.get("excluded", [])
            and plan.roots == previous.manifest.get("roots", [])):
        return previous, _report(previous, plan, t0)  # nothing changed: nothing is written
    if previous is not None and not full:
        slots_after = previous.passages.live.size
        dead_after = int((~previous.passages.live).sum()) + sum(
            len(previous.passages.of_document(i)) for i in plan.dead)
        fragmented = (len(previous.manifest.get("segments", [])) + 1 > _MAX_SEGMENTS
                      or dead_after > _MAX_DEAD * max(1, slots_after))
        if not fragmented:
            contents = _append(folder, config, previous, plan, encoder, tick)
            return contents, _report(contents, plan, t0)
    contents = _write_whole(folder, config, previous, plan, encoder, tick)
    return contents, _report(contents, plan, t0)


def _report(contents: Contents, plan: _Plan, t0: float) -> BuildReport:
    groups = tuple(tuple(g) for g in contents.manifest.get("duplicate_groups", []))
    return BuildReport(
        added=tuple(plan.added), updated=tuple(plan.updated), removed=tuple(plan.removed),
        unchanged=tuple(plan.unchanged), skipped=tuple(plan.skipped), warnings=plan.warnings,
        documents=len(contents.by_path), chunks=int(contents.passages.live.sum()), duplicate_groups=groups,
        seconds=time.perf_counter() - t0)


def _chunks_of(docs: Sequence[Document], first_slot: int, config: Config) -> list[Chunk]:
    out: list[Chunk] = []
    for i, doc in enumerate(docs):
        out.extend(chunk_document(doc, first_slot + i, chunk_chars=config.chunk_chars, overlap=config.chunk_overlap))
    return out


def _vectors(folder: Path, config: Config, encoder, docs_by_slot, chunks: Sequence[Chunk],
             reuse: dict[tuple[str, int, int], int], previous: Contents | None, tick) -> np.ndarray:
    """Vectors of ``chunks``: taken from ``previous`` where the same passage of the same text is
    indexed there (``reuse``: key -> previous slot), from an interrupted build's cache, or embedded."""
    texts = [passage_text(docs_by_slot(c.doc_id), c) for c in chunks]
    vectors = np.zeros((len(chunks), encoder.dim), dtype=np.float32)
    todo, found, found_at = [], [], []
    for i, c in enumerate(chunks):
        d = docs_by_slot(c.doc_id)
        slot = reuse.get((d.content_hash + (d.title or ""), c.start, c.end))
        if slot is not None:
            found.append(i)
            found_at.append(slot)
        else:
            todo.append(i)
    if found:
        vectors[found] = previous.dense.rows(found_at)
    cache = embedding_cache(folder, config, encoder)
    if todo:
        # Identical passages (a repeated footer sentence, a file pasted twice) are embedded once.
        unique = list(dict.fromkeys(texts[i] for i in todo))
        at = {t: n for n, t in enumerate(unique)}
        vectors[todo] = _embed(unique, encoder, cache, config.batch_size, tick("embed"), config.int8_passages,
                                config.bf16_passages)[
            [at[texts[i]] for i in todo]]
    return vectors


def _reusable(previous: Contents | None, slots: Sequence[int]) -> dict[tuple[str, int, int], int]:
    """(content hash + title, start, end) -> passage slot, for the passages of ``slots``' documents
    (vectors an index already holds for the same text)."""
    if previous is None or not len(slots):
        return {}
    rows = previous.passages.rows
    out = {}
    for p in np.flatnonzero(np.isin(rows[:, 0], list(slots))):
        d = previous.documents.meta(int(rows[p, 0]))
        out[(d.content_hash + (d.title or ""), int(rows[p, 1]), int(rows[p, 2]))] = int(p)
    return out


def _prior_manifest(folder: Path) -> dict:
    """The manifest of the index a build replaces ({} if none or unreadable)."""
    try:
        return json.loads((Path(folder) / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _milvus_record(config: Config, folder: Path, generation: int) -> dict:
    """Where an index's passages live in Milvus (kept in its manifest)."""
    import re

    uri = config.milvus_uri
    if "://" not in uri:
        uri = str(Path(uri).expanduser().absolute())  # a Milvus Lite file, wherever the index is opened from
    prefix = config.milvus_collection or "rag_" + re.sub(r"\W", "_", Path(folder).absolute().name, flags=re.ASCII)
    return {"uri": uri, "collection": f"{prefix}_g{generation}", "analyzer": config.milvus_analyzer}


def _signatures(index: Contents) -> np.ndarray:
    """MinHash signatures of every document slot of ``index`` (from its segments)."""
    parts = [np.load(index.folder / SEGMENTS / seg["name"] / "minhash.npy", mmap_mode="r", allow_pickle=False)
             for seg in index.manifest.get("segments", [])]
    return np.concatenate(parts) if parts else np.zeros((0, 128), np.uint64)


def _manifest(config: Config, encoder, plan: _Plan, documents: Sequence[Document | None], chunks: int,
              groups: list[list[str]], dense: dict, generation: int = 1) -> dict:
    live = [d for d in documents if d is not None]
    return {
        "model": {"name": config.model, "dim": encoder.dim},
        "tokenizer": TOKENIZER,
        "config": config.to_dict(),
        "counts": {"documents": len(live), "chunks": chunks},
        "files": {d.path: d.content_hash for d in live},
        "duplicate_groups": groups,
        "excluded": sorted(plan.excluded),
        "roots": plan.roots,
        "dense": dense,
        "generation": generation,
    }


def _approximate_for(vectors: np.ndarray, config: Config, tick=None):
    """An approximate index over ``vectors`` (slots 0..n-1) when there are more than the exact limit."""
    if len(vectors) <= config.exact_limit:
        return None
    nlist = config.ann_lists or int(min(65536, max(64, 4 * np.sqrt(len(vectors)))))
    ann = train_approximate(vectors, nlist=nlist, nprobe=config.ann_probes)
    for b in range(0, len(vectors), 65536):
        ann.add(vectors[b:b + 65536], b)
    return ann


def _write_whole(folder: Path, config: Config, previous: Contents | None, plan: _Plan, encoder, tick) -> Contents:
    """One segment holding every live document, swapped in place of the folder."""
    kept = [previous.documents[i] for i in plan.keep] if previous else []
    documents = sorted(kept + plan.new_docs, key=lambda d: d.path)
    chunks = _chunks_of(documents, 0, config)
    vectors = _vectors(folder, config, encoder, documents.__getitem__, chunks, _reusable(previous, plan.keep),
                       previous, tick)
    texts = [passage_text(documents[c.doc_id], c) for c in chunks]
    lexical = LexicalIndex.build((terms(t) for t in texts), k1=config.bm25_k1, b=config.bm25_b)
    old_sig = {}
    if previous is not None and plan.keep:
        sig = _signatures(previous)
        old_sig = {previous.documents.paths[i]: sig[i] for i in plan.keep}
    sigs = np.zeros((len(documents), 128), dtype=np.uint64)
    fresh = [i for i, d in enumerate(documents) if d.path not in old_sig]
    for i, d in enumerate(documents):
        if d.path in old_sig:
            sigs[i] = old_sig[d.path]
    if fresh:
        sigs[fresh] = signatures([documents[i].text for i in fresh])
    groups = update_groups(sigs, np.ones(len(documents), dtype=bool), [], range(len(documents)))
    prior = previous.manifest if previous else _prior_manifest(folder)  # a rebuild over an index: its successor
    generation = prior.get("generation", 1) + 1 if prior else 1
    ann = _approximate_for(vectors, config, tick)
    dense_info = {"kind": "exact"} if ann is None else {
        "kind": "ivf-sq8", "file": f"dense/ann-{generation:06d}.faiss", "lists": int(ann.index.nlist),
        "covered": len(vectors)}
    manifest = _manifest(config, encoder, plan, documents, len(chunks),
                         [[documents[i].path for i in g] for g in groups], dense_info, generation)
    seg = segment_name(1)
    remote = None
    if config.store == "milvus":  # a new collection, switched to with the folder, the old one dropped after
        manifest["milvus"] = _milvus_record(config, folder, generation)
        remote = passages_for(config, manifest)
        remote.create(encoder.dim, k1=config.bm25_k1, b=config.bm25_b)
        remote.add(0, [documents[c.doc_id] for c in chunks], [c.doc_id for c in chunks], texts,
                   (terms(t) for t in texts), vectors)

    def save_parts(tmp: Path) -> None:
        lexical.segments[0].save(tmp / SEGMENTS / seg / "bm25")
        np.save(tmp / SEGMENTS / seg / "vectors.npy", vectors, allow_pickle=False)
        np.save(tmp / SEGMENTS / seg / "minhash.npy", sigs, allow_pickle=False)
        if ann is not None:
            (tmp / "dense").mkdir()
            ann.save(tmp / dense_info["file"])

    try:
        write_index(folder, manifest=manifest, documents=documents, chunks=chunks, save_parts=save_parts)
    except BaseException:
        if remote is not None:
            remote.drop()
        raise
    EmbeddingCache(folder, config.model, encoder.dim).clear()  # the vectors are in the index now
    old = (prior.get("milvus") or {}).get("collection") if prior else None
    if old and old != (manifest.get("milvus") or {}).get("collection"):
        try:
            passages_for(config, prior).drop()
        except RagError as exc:
            logger.warning("could not drop the replaced Milvus collection %s: %s", old, exc)
    return open_contents(folder, config=config)


def _append(folder: Path, config: Config, previous: Contents, plan: _Plan, encoder, tick) -> Contents:
    """The change as one new segment: only the new documents are chunked, embedded and indexed."""
    store = previous.documents  # documents are parsed only where needed: the new ones are in memory
    first_doc = len(store)
    docs = plan.new_docs
    chunks = _chunks_of(docs, first_doc, config)
    dead = set(plan.dead)

    def doc_at(slot: int) -> Document | None:
        return docs[slot - first_doc] if slot >= first_doc else None if slot in dead else store[slot]

    vectors = _vectors(folder, config, encoder, doc_at, chunks, _reusable(previous, plan.dead), previous, tick)
    dead_passages = np.flatnonzero(np.isin(previous.passages.doc_ids, plan.dead)).tolist()
    texts = [passage_text(doc_at(c.doc_id), c) for c in chunks]
    lexical, segment = previous.lexical.extended([terms(t) for t in texts], dead_passages)
    # the approximate index is left as it is: it covers the slots of the last whole write, deleted ones
    # are masked, and the passages added since are searched exactly beside it (few, by construction)
    dense = previous.dense.extended(vectors, dead_passages)
    if dense.approximate is None and int(dense.live.sum()) > config.exact_limit:
        return _write_whole(folder, config, previous, plan, encoder, tick)  # grown past the exact limit
    if dense.approximate is not None and dense.size - dense.covered > _MAX_UNCOVERED * max(1, dense.covered):
        return _write_whole(folder, config, previous, plan, encoder, tick)  # too much searched exactly
    new_sigs = signatures([d.text for d in docs]) if docs else np.zeros((0, 128), np.uint64)
    sigs = np.concatenate([_signatures(previous), new_sigs])
    live_docs = np.concatenate([store.live, np.ones(len(docs), dtype=bool)])
    live_docs[plan.dead] = False
    all_docs = [None if i in dead else store.meta(i) for i in range(first_doc)] + list(docs)  # path, hash
    old_groups = [[previous.by_path[p] for p in g if p in previous.by_path]
                  for g in previous.manifest.get("duplicate_groups", [])]
    groups = update_groups(sigs, live_docs, old_groups, range(first_doc, len(all_docs)))
    generation = previous.manifest.get("generation", 1) + 1  # names files that replace older ones
    dense_info = dict(previous.manifest.get("dense", {"kind": "exact"}))
    manifest = _manifest(config, encoder, plan, all_docs, int(dense.live.sum()),
                         [[all_docs[i].path for i in g] for g in groups], dense_info)
    manifest["deleted"] = sorted(set(previous.manifest.get("deleted", [])) | set(plan.dead))
    manifest["generation"] = generation
    rows = np.array([[c.doc_id, c.start, c.end] for c in chunks], dtype=np.int64).reshape(-1, 3)

    def save_parts(seg: Path, index_folder: Path) -> None:
        segment.save(seg / "bm25")
        np.save(seg / "vectors.npy", vectors, allow_pickle=False)
        np.save(seg / "minhash.npy", new_sigs, allow_pickle=False)

    remote = previous.remote
    if remote is not None:  # rows past the old manifest's slots stay unseen until the manifest names them
        manifest["milvus"] = previous.manifest["milvus"]
        remote.add(len(previous.passages), [doc_at(c.doc_id) for c in chunks], [c.doc_id for c in chunks],
                   texts, [terms(t) for t in texts], vectors)
    written = append_segment(folder, manifest=manifest, documents=docs, rows=rows, save_parts=save_parts)
    if remote is not None and dead_passages:
        remote.delete(dead_passages)  # after the switch: readers of the old manifest still find them
    EmbeddingCache(folder, config.model, encoder.dim).clear()
    # the new index from what is in memory already (reading the folder again would cost as much as the archive)
    deleted = frozenset(int(i) for i in written.get("deleted", []))
    documents = store.extended(folder / SEGMENTS / written["segments"][-1]["name"] if docs else None, deleted)
    return Contents.of(folder, written, documents, np.concatenate([previous.passages.rows, rows]), lexical,
                       dense, config)


def embedding_cache(folder: Path, config: Config, encoder) -> EmbeddingCache:
    """The cache of vectors a build of ``folder`` computes, keyed by model and precision (int8
    vectors from the ONNX graph and from torch's copy differ, so neither is taken for the other)."""
    precision = ":" + getattr(encoder, "int8_runtime", "int8") if config.int8_passages else ""
    return EmbeddingCache(folder, config.model + precision, encoder.dim)


_EMBED_BLOCK = 512  # passages embedded between two writes of the embedding cache


def _embed(texts: list[str], encoder, cache: EmbeddingCache, batch_size: int, progress, int8: bool = False,
           bf16: bool = False) -> np.ndarray:
    """Vectors of ``texts``: those an interrupted earlier build computed come from ``cache``; the rest
    are embedded in blocks, each saved to the cache before the next starts."""
    known = cache.load()
    keys = [cache.key(t) for t in texts]
    out = np.zeros((len(texts), encoder.dim), dtype=np.float32)
    missing = []
    for i, k in enumerate(keys):
        if k in known:
            out[i] = known[k]
        else:
            missing.append(i)
    if len(missing) < len(texts):
        logger.info("embedding cache: %d of %d passages already embedded", len(texts) - len(missing), len(texts))
    done = len(texts) - len(missing)
    for b in range(0, len(missing), _EMBED_BLOCK):
        block = missing[b : b + _EMBED_BLOCK]
        at = done + b

        def tick(n: int, total: int, at: int = at) -> None:
            if progress:
                progress(at + n, len(texts))

        out[block] = encoder.encode_passages([texts[i] for i in block], batch_size=batch_size, progress=tick,
                                             int8=int8, bf16=bf16)
        cache.add([keys[i] for i in block], out[block])
    return out
