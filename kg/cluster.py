"""Parse and extract on a Dask cluster: documents go out in partitions, plain records come back."""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
import tempfile
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from kg.errors import KGError
from kg.graph import DocResult
from kg.ontology import Ontology
from kg.records import Document

__all__ = ["ClusterError", "WorkerSettings", "connect", "parse_on_cluster", "parse_partition"]

# spaCy batches in one task: one batch (8-16 articles, a fraction of a second to a second of
# work) is far more than a task's round trip (milliseconds) and keeps the workers evenly
# loaded to the end of a corpus (a long last task leaves the other workers idle)
BATCHES_PER_PARTITION = 1
# tasks waiting per worker thread: the next one is there when a task ends, and the memory
# the client holds for documents on their way stays bounded
TASKS_PER_THREAD = 3
# a task that failed (an exception, not a lost worker: the scheduler reschedules those
# itself, see distributed.scheduler.allowed-failures) is tried this many more times
RETRIES = 2
CONNECT_TIMEOUT = "30s"


class ClusterError(KGError):
    """The Dask cluster cannot be reached, started or used."""


@dataclass(frozen=True)
class WorkerSettings:
    """What a worker needs to build the client's pipeline: plain values, sent with each task.

    The ontology goes as file contents, so workers on other machines need kg and the model
    installed, not the client's files.
    """

    version: str
    model: str
    core_ontology: bool
    ontology: tuple[tuple[str, bytes], ...]  # (file name, content) of the extra ontology files
    extractors: tuple[str, ...]
    batch_size: int

    @property
    def key(self) -> str:
        h = hashlib.sha256(repr((self.version, self.model, self.core_ontology, self.extractors,
                                 self.batch_size)).encode())
        for name, data in self.ontology:
            h.update(name.encode() + b"\x1f" + data + b"\x1e")
        return h.hexdigest()[:16]


def settings_for(config) -> WorkerSettings:
    """The WorkerSettings of a ``kg.build.BuildConfig``."""
    from kg import __version__

    files = []
    for f in config.ontology_files:
        try:
            files.append((Path(f).name, Path(f).read_bytes()))
        except OSError as exc:
            raise KGError(f"{f}: cannot read the ontology file ({exc.strerror}); check --ontology") from exc
    return WorkerSettings(__version__, config.model, config.core_ontology, tuple(files),
                          tuple(config.extractors), config.batch_size)


# --- the worker side: in an importable module, so the pipeline stays loaded between tasks ---

_PIPELINES: dict[str, tuple] = {}  # WorkerSettings.key -> (nlp, ontology, BuildConfig)
_LOCK = threading.Lock()


def _pipeline(settings: WorkerSettings) -> tuple:
    with _LOCK:  # a worker with several threads loads the pipeline once
        cached = _PIPELINES.get(settings.key)
        if cached is None:
            cached = _load(settings)
            _PIPELINES.clear()  # one pipeline per worker: a new build's settings replace the old
            _PIPELINES[settings.key] = cached
        return cached


def _load(settings: WorkerSettings) -> tuple:
    from kg import __version__
    from kg.build import BuildConfig
    from kg.nlp import make_nlp
    from kg.ontology import load_ontology

    if settings.version != __version__:
        raise ClusterError(f"the client runs kg {settings.version}, this worker kg {__version__}; "
                           "install the same kg on the workers")
    folder = Path(tempfile.gettempdir()) / f"kg-worker-{os.getuid()}" / settings.key
    paths = []
    for i, (name, data) in enumerate(settings.ontology):
        path = folder / f"{i}-{name}"  # the name keeps its suffix: it decides the parser
        if not path.is_file() or path.read_bytes() != data:
            folder.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(path.suffix + f".{os.getpid()}.tmp")
            tmp.write_bytes(data)
            tmp.replace(path)
        paths.append(str(path))
    ontology = load_ontology(paths, core=settings.core_ontology)
    config = BuildConfig(model=settings.model, ontology_files=tuple(paths),
                         core_ontology=settings.core_ontology, batch_size=settings.batch_size,
                         extractors=settings.extractors)
    return make_nlp(settings.model, ontology), ontology, config


def parse_partition(docs: list[Document], settings: WorkerSettings) -> list[tuple]:
    """The task: ``kg.build.process`` over one partition, as (mentions, candidates) per document.

    Plain frozen records go back (strings and offsets), never spaCy objects.
    """
    from kg.build import process

    nlp, ontology, config = _pipeline(settings)
    return [(r.mentions, r.triples) for r in process(docs, nlp, ontology, config)]


# --- the client side ---------------------------------------------------------------------------

@contextmanager
def connect(address: str, preload: tuple[WorkerSettings, tuple] | None = None) -> Iterator:
    """A ``distributed.Client`` for ``address``, closed (and a local cluster stopped) on exit.

    ``local:N`` starts a LocalCluster of N worker processes of one thread each on this
    machine (``local``: one per core); anything else is a scheduler address such as
    ``tcp://10.0.0.5:8786``. ``preload`` (settings, (nlp, ontology, config)), a pipeline this
    process has loaded already: local workers are then forked from this process (where the
    platform forks), so they start with it instead of loading their own (seconds each).
    """
    try:
        import dask
        from distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - a dependency
        raise ClusterError("--cluster needs dask.distributed: pip install 'dask[distributed]'") from exc
    address = address.strip()
    if address == "local" or address.startswith("local:"):
        n_text = address.partition(":")[2] or str(os.cpu_count() or 1)
        if not n_text.isdigit() or int(n_text) < 1:
            raise ClusterError(f"--cluster {address!r}: write local:N with N >= 1 worker processes, "
                               "or a scheduler address such as tcp://HOST:8786")
        fork = preload is not None and "fork" in multiprocessing.get_all_start_methods()
        if fork:
            with _LOCK:
                _PIPELINES.clear()
                _PIPELINES[preload[0].key] = preload[1]
        # Dask reads the start method whenever a nanny (re)starts a worker: keep it set. Its
        # statistical profiler (a stack sample every 10 ms) costs the workers ~5% CPU: off
        settings = {"distributed.worker.profile.enabled": False}
        if fork:
            settings["distributed.worker.multiprocessing-method"] = "fork"
        with dask.config.set(settings):
            try:
                cluster = LocalCluster(n_workers=int(n_text), threads_per_worker=1, processes=True,
                                       dashboard_address=":0", silence_logs=logging.ERROR)
            except Exception as exc:  # noqa: BLE001 - Dask raises many types while starting
                raise ClusterError(f"cannot start a local Dask cluster ({exc})") from exc
            try:
                with Client(cluster) as client:
                    yield client
            finally:
                cluster.close()
                if fork:
                    with _LOCK:
                        _PIPELINES.clear()
        return
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {address!r} ({exc}); start one "
                           "with 'dask scheduler' and workers with 'dask worker ADDRESS', or use "
                           "--cluster local:N") from exc
    with client:
        yield client


def _threads(client) -> int:
    workers = client.scheduler_info().get("workers", {})
    return sum(w.get("nthreads", 1) for w in workers.values())


def parse_on_cluster(docs: Iterable[Document], ontology: Ontology, config, nlp=None
                     ) -> Iterator[DocResult]:
    """``kg.build.parse`` on the Dask cluster ``config.cluster``: DocResults in input order.

    Documents go out ``config.batch_size * BATCHES_PER_PARTITION`` at a time (whole spaCy
    batches, as one process would make them, so the records are the same as a single-process
    build's); each worker loads the pipeline once (``_PIPELINES``) and sends back mentions and
    candidates. The client keeps each partition's documents until its records come back and
    yields them in order, so the result does not depend on which worker ran what, or how often:
    a task whose worker died is run again by Dask and counted once. At most
    ``TASKS_PER_THREAD`` partitions per worker thread are on their way (memory stays flat).
    ``nlp``, the pipeline this process loaded for ``ontology`` and ``config``, lets the
    workers of a ``local:N`` cluster start with it (see ``connect``); remote workers load
    their own from the same model and ontology files.
    """
    from distributed import CancelledError

    settings = settings_for(config)
    size = max(1, config.batch_size) * BATCHES_PER_PARTITION
    preload = (settings, (nlp, ontology, config)) if nlp is not None else None
    with connect(config.cluster, preload) as client:
        run = hashlib.sha256(os.urandom(16)).hexdigest()[:12]
        pending: deque = deque()
        it = iter(docs)
        i = 0
        try:
            while True:
                chunk = list(islice(it, size))
                if chunk:
                    fut = client.submit(parse_partition, chunk, settings, key=f"kg-parse-{run}-{i}",
                                        retries=RETRIES, pure=False)
                    pending.append((chunk, fut))
                    i += 1
                window = max(2, _threads(client) * TASKS_PER_THREAD)
                if pending and (not chunk or len(pending) >= window):
                    done, fut = pending.popleft()
                    try:
                        records = fut.result()
                    except (KGError, CancelledError):
                        raise
                    except Exception as exc:  # noqa: BLE001 - the task's own error, or KilledWorker
                        raise ClusterError(f"a cluster task failed ({type(exc).__name__}: {exc})") from exc
                    fut.release()
                    for d, (mentions, cands) in zip(done, records, strict=True):
                        yield DocResult(d, mentions, cands)
                elif not chunk:
                    break
        finally:
            for _, fut in pending:
                fut.cancel()
