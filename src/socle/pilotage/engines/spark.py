"""Spark (pyspark, local mode by default): the facts are written as Parquet and read by Spark;
the Ibis expression is compiled to Spark SQL by Ibis's pyspark backend.

Starting a JVM takes 5–8 s, so a session can be passed in and is then reused (and not stopped)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import ibis
import pyarrow as pa
import pyarrow.parquet as pq
from ibis.expr.types import Table

from .base import Engine


def local_session(cores: int = 2, memory: str = "1g"):
    """A local SparkSession bound to the loopback interface."""
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("socle-pilotage")
        .config("spark.driver.memory", memory)
        .config("spark.sql.shuffle.partitions", str(cores * 2))
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )


class SparkEngine(Engine):
    name = "spark"

    def __init__(self, session=None, cores: int = 2):
        self.owns_session = session is None
        self.session = session or local_session(cores)
        self.con = ibis.pyspark.connect(self.session)
        self.workdir = Path(tempfile.mkdtemp(prefix="socle-pilotage-spark-"))
        self.view = f"facts_{os.getpid()}_{id(self)}"

    def load(self, facts: pa.Table | str | Path) -> Table:
        if isinstance(facts, str | Path):
            path = str(facts)
        else:
            path = str(self.workdir / "facts.parquet")
            pq.write_table(facts, path)
        self.session.read.parquet(path).createOrReplaceTempView(self.view)
        return self.con.table(self.view)

    def table_from_parquet(self, path: str | Path, name: str) -> Table:
        self.session.read.parquet(str(path)).createOrReplaceTempView(name)
        return self.con.table(name)

    def jvm_peak_rss_mib(self) -> float | None:
        """Peak resident memory of the Spark JVM (local mode: driver and executors), from
        /proc (Linux), or None when it cannot be read."""
        gateway = getattr(self.session.sparkContext, "_gateway", None)
        process = getattr(gateway, "proc", None)
        if process is None:
            return None
        try:
            status = Path(f"/proc/{process.pid}/status").read_text()
        except OSError:
            return None
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return None

    def execute(self, expression: Table) -> pa.Table:
        return self.con.to_pyarrow(expression)

    def close(self) -> None:
        self.session.catalog.dropTempView(self.view)
        shutil.rmtree(self.workdir, ignore_errors=True)
        if self.owns_session:
            self.session.stop()
