"""The related-articles index: fit once, list neighbours, keep current one document at a time."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from .artifacts import ArtifactMismatch, dump_artifact, load_artifact
from .config import EngineConfig
from .documents import DocId, Document, Neighbour
from .store import RowStore
from .topk import Selection, TopK, all_top_k, top_k_of_rows, top_k_of_vector
from .vectorizer import VectorSpace, fit_space

ARTIFACT_KIND = "recommender-index"
INDEX_FORMAT = 1


@dataclass
class IndexUpdate:
    """What changed after one add, update or removal.

    ``neighbours`` is the document's own new list (empty after a removal); ``changed`` maps every
    other document whose list changed to its complete new list, ready to be stored as is.
    """

    id: DocId
    neighbours: list[Neighbour] = field(default_factory=list)
    changed: dict[DocId, list[Neighbour]] = field(default_factory=dict)


class RelatedIndex:
    """Document vectors plus every document's top-k list, kept exact as documents change.

    ``fit`` learns the vocabulary and idf; ``neighbours`` computes (then caches) all lists;
    ``add_or_update`` and ``remove`` keep vectors and lists current without refitting and
    report which stored lists changed. Refit now and then (see ``changes_since_fit``) so new
    words enter the vocabulary. Not thread-safe: one writer at a time.
    """

    def __init__(
        self,
        config: EngineConfig,
        space: VectorSpace,
        matrix: sp.csr_matrix,
        ids: Sequence[DocId],
        table: TopK | None = None,
    ) -> None:
        self.config = config
        self.space = space
        self._store = RowStore(matrix)
        self._ids: list[DocId] = list(ids)
        self._row_of = {doc_id: row for row, doc_id in enumerate(self._ids)}
        self._table = table
        self.changes_since_fit = 0  # adds, updates and removals: refit when this grows large

    # building ---------------------------------------------------------------------------------

    @classmethod
    def fit(cls, documents: Iterable[Document], config: EngineConfig | None = None) -> RelatedIndex:
        config = config or EngineConfig()
        ordered = _sorted_unique(documents)
        space, matrix = fit_space(ordered, config)
        return cls(config, space, matrix, [document.id for document in ordered])

    def __len__(self) -> int:
        return len(self._row_of)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._row_of

    @property
    def ids(self) -> list[DocId]:
        return sorted(self._row_of)

    # neighbour lists --------------------------------------------------------------------------

    def neighbours(self, k: int | None = None) -> dict[DocId, list[Neighbour]]:
        """Exact cosine top-k of every document, best first, ties by smaller id, never itself."""
        k = k or self.config.top_k
        if k <= self.config.top_k:
            table = self._full_table()
        else:
            table = self._compute_table(self._selection(k))
        return {self._ids[row]: self._listing(table, row, k) for row in self._live_rows()}

    def neighbours_of(self, doc_id: DocId, k: int | None = None) -> list[Neighbour]:
        """One document's list: from the cached lists, or computed alone when k > top_k."""
        k = k or self.config.top_k
        row = self._row_of[doc_id]
        if k <= self.config.top_k:
            return self._listing(self._full_table(), row, k)
        return self._ranked(self._scores_of_row(row), k, [row])

    def neighbour_block(self, start: int, stop: int) -> TopK:
        """The lists of rows ``start:stop`` against every row: one worker's share of a retrain.

        Rows are in id order on a freshly fitted or loaded index. Stack the blocks of all rows
        and hand them to ``adopt_table`` to get what ``neighbours`` would have computed.
        """
        if self._table is not None:
            return self._table.part(start, stop)
        return top_k_of_rows(
            self._store.matrix()[start:stop],
            self._store.transposed(),
            start,
            self._selection(self.config.top_k),
            self._rank(),
            self.config.n_jobs,
        )

    def block_lists(self, block: TopK, start: int) -> dict[DocId, list[Neighbour]]:
        """The lists of a ``neighbour_block`` that began at row ``start``, by document id."""
        k, alive = self.config.top_k, self._store.alive
        return {
            self._ids[start + i]: self._listing(block, i, k)
            for i in range(len(block.rows))
            if alive[start + i]
        }

    @property
    def has_table(self) -> bool:
        return self._table is not None

    def adopt_table(self, table: TopK) -> None:
        """Take every row's list as computed elsewhere (the stacked ``neighbour_block``s)."""
        shape = (len(self._ids), self.config.top_k)
        if table.rows.shape != shape or table.scores.shape != shape:
            raise ValueError(f"neighbour table of shape {table.rows.shape}, expected {shape}")
        if table.rows.max(initial=-1) >= len(self._ids):
            raise ValueError("neighbour table names rows the index does not have")
        self._table = table

    def query(
        self, document: Document, k: int | None = None, exclude_ids: Iterable[DocId] = ()
    ) -> list[Neighbour]:
        """Top-k of a new or changed document against the index, without refitting."""
        exclude = [self._row_of[i] for i in set(exclude_ids) | {document.id} if i in self._row_of]
        return self._ranked(self._scores_of(self.vectorise(document)), k, exclude)

    def vectorise(self, document: Document) -> sp.csr_matrix:
        return self.space.transform([document])

    # incremental upkeep -----------------------------------------------------------------------

    def reverse_updates(self, document: Document) -> list[Neighbour]:
        """Documents already indexed that would now list ``document`` in their top-k.

        Each entry carries the other document's id and its similarity to ``document``.
        """
        scores = self._scores_of(self.vectorise(document))
        own = self._row_of.get(document.id)
        rows = self._reverse_rows(scores, document.id, skip=own)
        found = [self._neighbour(row, scores[row]) for row in rows]
        return sorted(found, key=lambda neighbour: (-neighbour.score, neighbour.id))

    def add_or_update(self, document: Document) -> IndexUpdate:
        """Index ``document`` (replacing an older version) and report every list that changed.

        The vocabulary and idf stay those of the last fit: words first seen later are ignored
        until the next ``fit``. Lists are kept exact for the vectors as they are.
        """
        table = self._full_table()
        vector = self.vectorise(document)
        stale = self._retire(document.id)
        scores = self._scores_of(vector)
        row = self._append(document.id, vector)
        scores = np.append(scores, np.float32(0.0))
        own = self._ranked(scores, None, [row])
        table = self._table = _grow(table)
        self._set_row(row, own)
        changed = self._insert_reverse(scores, row, document.id, skip=stale)
        changed.update(self._refresh(self._rows_listing(stale) if stale is not None else []))
        changed.pop(document.id, None)
        self.changes_since_fit += 1
        return IndexUpdate(document.id, own, changed)

    def remove(self, doc_id: DocId) -> IndexUpdate:
        """Drop a document; the lists that named it are recomputed and reported."""
        self._full_table()
        stale = self._retire(doc_id)
        if stale is None:
            raise KeyError(doc_id)
        self.changes_since_fit += 1
        return IndexUpdate(doc_id, [], self._refresh(self._rows_listing(stale)))

    # explanations -----------------------------------------------------------------------------

    def explain(self, a_id: DocId, b_id: DocId, n: int = 5) -> list[tuple[str, float]]:
        """The shared terms that contribute most to the similarity of two documents."""
        return self.explain_pairs([(a_id, b_id)], n)[0]

    def explain_pairs(
        self, pairs: Sequence[tuple[DocId, DocId]], n: int = 5
    ) -> list[list[tuple[str, float]]]:
        """``explain`` for many pairs at once (one sparse product for all of them)."""
        if not pairs:
            return []
        first = self._store.rows([self._row_of[a] for a, _ in pairs])
        second = self._store.rows([self._row_of[b] for _, b in pairs])
        products = first.multiply(second).tocsr()
        products.eliminate_zeros()
        rows = np.repeat(np.arange(len(pairs)), np.diff(products.indptr))
        order = np.lexsort((products.indices, -products.data, rows))
        rows, columns, values = rows[order], products.indices[order], products.data[order]
        top = np.arange(len(rows)) - np.searchsorted(rows, rows) < n
        found: list[list[tuple[str, float]]] = [[] for _ in pairs]
        for row, column, value in zip(rows[top], columns[top], values[top], strict=True):
            found[row].append((self.space.term(column), float(value)))
        return found

    def near_duplicates(self, threshold: float | None = None) -> list[tuple[DocId, DocId, float]]:
        """Pairs (smaller id first) whose similarity reaches ``threshold`` (default from config).

        Only the ``top_k`` most similar documents of each document are considered.
        """
        if threshold is None:
            threshold = self.config.near_duplicate_threshold or 0.95
        pairs = set()
        table = self._compute_table(Selection(self.config.top_k, threshold))
        for row in self._live_rows():
            for other, score in zip(table.rows[row], table.scores[row], strict=True):
                if other >= 0 and score >= threshold:
                    a, b = sorted((self._ids[row], self._ids[other]))
                    pairs.add((a, b, round(float(score), 6)))
        return sorted(pairs)

    # persistence ------------------------------------------------------------------------------

    def to_bytes(self, key: bytes) -> bytes:
        """The index as an artifact signed with ``key``."""
        live = self._live_rows()
        payload = {
            "index_format": INDEX_FORMAT,
            "config": self.config.to_dict(),
            "vocabulary": self.space.vocabulary,
            "idf": self.space.idf,
            "matrix": self._store.matrix()[live],
            "ids": [self._ids[row] for row in live],
            "table": self._compacted_table(live),
        }
        return dump_artifact(ARTIFACT_KIND, payload, self.config.to_dict(), key=key)

    @classmethod
    def from_bytes(
        cls, data: bytes, keys: Sequence[bytes], config: EngineConfig | None = None
    ) -> RelatedIndex:
        """Load an index signed with one of ``keys``; refuse it if it was written differently or
        with another ``config``."""
        artifact = load_artifact(data, ARTIFACT_KIND, keys)
        payload = artifact.payload
        if not isinstance(payload, dict) or payload.get("index_format") != INDEX_FORMAT:
            raise ArtifactMismatch("index format differs")
        stored = EngineConfig.from_dict(payload["config"])
        if artifact.params != payload["config"]:
            raise ArtifactMismatch("artifact params and stored config disagree")
        if config is not None and config.model_params() != stored.model_params():
            raise ArtifactMismatch("index was built with another config")
        space = VectorSpace(stored, payload["vocabulary"], payload["idf"])
        table = TopK(*payload["table"]) if payload["table"] is not None else None
        return cls(stored, space, payload["matrix"], payload["ids"], table)

    # internals --------------------------------------------------------------------------------

    def _selection(self, k: int) -> Selection:
        threshold = self.config.near_duplicate_threshold
        ceiling = threshold if self.config.skip_near_duplicates else None
        return Selection(k, self.config.min_score, ceiling)

    def _live_rows(self) -> np.ndarray:
        return np.flatnonzero(self._store.alive)

    def _rank(self) -> np.ndarray:
        live = self._live_rows()
        order = sorted(live.tolist(), key=self._ids.__getitem__)
        rank = np.full(len(self._ids), len(self._ids), dtype=np.int64)
        rank[order] = np.arange(len(order))
        return rank

    def _compute_table(self, selection: Selection) -> TopK:
        return all_top_k(
            self._store.matrix(),
            selection,
            self._rank(),
            memory_mb=self.config.memory_mb,
            n_jobs=self.config.n_jobs,
        )

    def _full_table(self) -> TopK:
        if self._table is None:
            self._table = self._compute_table(self._selection(self.config.top_k))
        self._store.prepare()  # incremental upkeep scores single documents: be ready for it
        self.space.vocabulary.columns(())
        return self._table

    def _compacted_table(self, live: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        if self._table is None:
            return None
        new_row = np.full(len(self._ids) + 1, -1, dtype=np.int64)
        new_row[live] = np.arange(len(live))
        rows = new_row[self._table.rows[live]]  # -1 indexes the trailing -1
        return rows, self._table.scores[live].copy()

    def _neighbour(self, row: int, score: float) -> Neighbour:
        threshold = self.config.near_duplicate_threshold
        duplicate = threshold is not None and score >= threshold
        return Neighbour(self._ids[row], float(score), bool(duplicate))

    def _listing(self, table: TopK, row: int, k: int) -> list[Neighbour]:
        return [
            self._neighbour(other, score)
            for other, score in zip(table.rows[row, :k], table.scores[row, :k], strict=True)
            if other >= 0
        ]

    def _scores_of(self, vector: sp.csr_matrix) -> np.ndarray:
        return self._store.dot(vector)[0]

    def _scores_of_row(self, row: int) -> np.ndarray:
        return self._scores_of(self._store.row(row))

    def _ranked(self, scores: np.ndarray, k: int | None, exclude: list[int]) -> list[Neighbour]:
        selection = self._selection(k or self.config.top_k)
        pairs = top_k_of_vector(scores, selection, self._ids, np.asarray(exclude, dtype=np.int64))
        return [self._neighbour(row, score) for row, score in pairs]

    def _retire(self, doc_id: DocId) -> int | None:
        row = self._row_of.pop(doc_id, None)
        if row is not None:
            self._store.clear(row)
            if self._table is not None:
                self._table.rows[row] = -1
                self._table.scores[row] = 0.0
        return row

    def _append(self, doc_id: DocId, vector: sp.csr_matrix) -> int:
        row = self._store.append(vector)
        self._ids.append(doc_id)
        self._row_of[doc_id] = row
        return row

    def _set_row(self, row: int, listing: list[Neighbour]) -> None:
        table = self._full_table()
        table.rows[row] = -1
        table.scores[row] = 0.0
        for position, neighbour in enumerate(listing):
            table.rows[row, position] = self._row_of[neighbour.id]
            table.scores[row, position] = neighbour.score

    def _reverse_rows(self, scores: np.ndarray, doc_id: DocId, skip: int | None) -> list[int]:
        """Rows whose current list the document with ``scores`` would enter."""
        table = self._full_table()
        n = len(table.rows)
        valid = _valid(scores[:n], self._selection(self.config.top_k)) & self._store.alive[:n]
        kth = table.scores[:, -1]
        candidates = np.flatnonzero(valid & (scores[:n] >= kth))
        rows = []
        for row in candidates.tolist():
            if row == skip:
                continue
            last = table.rows[row, -1]
            if last < 0 or scores[row] > kth[row] or doc_id < self._ids[last]:
                rows.append(row)
        return rows

    def _insert_reverse(
        self, scores: np.ndarray, new_row: int, doc_id: DocId, skip: int | None
    ) -> dict[DocId, list[Neighbour]]:
        changed = {}
        for row in self._reverse_rows(scores, doc_id, skip):
            if row == new_row:
                continue
            listing = [
                n for n in self._listing(self._table, row, self.config.top_k) if n.id != doc_id
            ]
            listing.append(self._neighbour(new_row, scores[row]))
            listing.sort(key=lambda n: (-n.score, n.id))
            listing = listing[: self.config.top_k]
            self._set_row(row, listing)
            changed[self._ids[row]] = listing
        return changed

    def _rows_listing(self, row: int) -> list[int]:
        return sorted(set(np.nonzero(self._full_table().rows == row)[0].tolist()))

    def _refresh(self, rows: list[int]) -> dict[DocId, list[Neighbour]]:
        """Recompute whole lists (needed when a listed document left or changed)."""
        rows = [row for row in rows if self._store.alive[row]]
        if not rows:
            return {}
        changed = {}
        for row, scores in zip(rows, self._store.dot(self._store.rows(rows)), strict=True):
            listing = self._ranked(scores, None, [row])
            self._set_row(row, listing)
            changed[self._ids[row]] = listing
        return changed


def _valid(scores: np.ndarray, selection: Selection) -> np.ndarray:
    floor = max(selection.min_score, np.finfo(np.float32).tiny)
    valid = scores >= floor
    if selection.ceiling is not None:
        valid &= scores < selection.ceiling
    return valid


def _grow(table: TopK) -> TopK:
    rows = np.vstack([table.rows, np.full((1, table.rows.shape[1]), -1, np.int64)])
    scores = np.vstack([table.scores, np.zeros((1, table.scores.shape[1]), np.float32)])
    return TopK(rows, scores)


def _sorted_unique(documents: Iterable[Document]) -> list[Document]:
    documents = list(documents)
    seen: set[DocId] = set()
    for document in documents:
        if document.id in seen:
            raise ValueError(f"duplicate document id {document.id!r}")
        seen.add(document.id)
    try:
        return sorted(documents, key=lambda document: document.id)
    except TypeError as exc:
        raise ValueError("document ids must be mutually sortable") from exc
