"""Run the benchmark suite: every scenario, both sides, every implementation.

``scripts/bench-all`` calls :func:`main`; ``scripts/bench-all --help`` lists
the options. See docs/topics/performance.rst for what is measured and how.

Layout of a run:

- each implementation gets a virtual environment of its own under
  ``.bench/venvs/`` (created on first use, reused afterwards; ours is
  reinstalled from packages/ whenever its sources change), so that upstream
  ``websockets``, which has our import name, never shadows ours;
- server side: the server under test runs in its environment, the fixed load
  generator (``loadgen.py``) in this interpreter, and the CPU time is the
  server's, read from /proc;
- client side: the fixed echo server (``echo_server.py``) runs in this
  interpreter, the client under test in its environment, and the CPU time is
  the client's own;
- scenario by scenario, implementations take turns round after round (in a
  rotating order); a figure's ratio to upstream is the median of the ratios
  measured in the same round.

"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import ctypes
import functools
import hashlib
import json
import os
import platform
import resource
import selectors
import signal
import statistics
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import CLOCK_TICKS, EXIT_SKIP, READY, RESULT, SKIP, cpu_seconds

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts"
STATE = ROOT / ".bench"
VENVS = STATE / "venvs"

IMPLS = ["ours", "upstream", "picows", "aiohttp", "raw"]
BASELINE = "upstream"

# What goes into each virtual environment. Ours is installed from its
# folders: every distribution under packages/ (ws-sync and the others as
# they appear), with the C speedups required.
PYPI = {"upstream": ["websockets"], "picows": ["picows"], "aiohttp": ["aiohttp"]}
DISTRIBUTIONS = {
    "ours": ["websockets", "ws-proto", "ws-asyncio", "ws-sync", "ws-deflate", "ws-router"],
    "upstream": ["websockets"],
    "picows": ["picows"],
    "aiohttp": ["aiohttp"],
    "raw": [],
}

MIB = 1024 * 1024


# Scenarios.


@dataclass
class Scenario:
    name: str
    title: str
    kind: str
    params: dict[str, Any]
    quick: dict[str, Any] = field(default_factory=dict)
    sides: tuple[str, ...] = ("server", "client")
    api: str = "asyncio"
    impls: tuple[str, ...] = tuple(IMPLS)
    # Memory is measured in a fresh server process each time.
    fresh_server: bool = False
    timeout: float = 90.0
    ops: str = "msg/s"


SCENARIOS = [
    Scenario("rtt", "64 B round trips, 1 connection", "rtt", {"size": 64}),
    Scenario(
        "pipeline", "10,000 pipelined 64 B messages", "pipeline", {"size": 64, "count": 10_000}
    ),
    Scenario(
        "oneway-1m", "1 MiB messages, one way", "large", {"size": MIB, "path": "/sink", "batch": 16}
    ),
    Scenario("echo-1m", "1 MiB messages, echoed", "large", {"size": MIB, "path": "/"}),
    Scenario(
        "oneway-16m", "16 MiB messages, one way", "large", {"size": 16 * MIB, "path": "/sink"}
    ),
    Scenario("echo-16m", "16 MiB messages, echoed", "large", {"size": 16 * MIB, "path": "/"}),
    Scenario(
        "connections",
        "1,000 connections, 64 B round trips",
        "connections",
        {"size": 64, "connections": 1000},
        quick={"connections": 500},
    ),
    Scenario(
        "handshake-seq", "handshakes, sequential", "handshakes", {"concurrency": 1}, ops="conn/s"
    ),
    Scenario(
        "handshake-50", "handshakes, 50 concurrent", "handshakes", {"concurrency": 50}, ops="conn/s"
    ),
    Scenario(
        "memory-off",
        "memory per idle connection, compression off",
        "memory",
        {"connections": 2000},
        quick={"connections": 500},
        fresh_server=True,
        timeout=150,
    ),
    Scenario(
        "memory-deflate",
        "memory per idle connection, deflate negotiated",
        "memory",
        {"connections": 2000, "deflate": True},
        quick={"connections": 500},
        impls=("ours", "upstream", "picows", "aiohttp"),
        fresh_server=True,
        timeout=150,
    ),
    Scenario(
        "deflate-json",
        "permessage-deflate, JSON corpus (500 messages)",
        "deflate",
        {"count": 500},
        impls=("ours", "upstream", "picows", "aiohttp"),
    ),
    Scenario(
        "sync-rtt",
        "threading API: 64 B round trips",
        "rtt",
        {"size": 64},
        api="sync",
        impls=("ours", "upstream"),
    ),
    Scenario(
        "sync-connections",
        "threading server: 1,000 connections, 64 B round trips",
        "connections",
        {"size": 64, "connections": 1000},
        quick={"connections": 500},
        sides=("server",),
        api="sync",
        impls=("ours", "upstream"),
        timeout=150,
    ),
]


# Figures derived from a measurement, and how to show them.


@dataclass
class Metric:
    key: str
    label: str
    higher_is_better: bool
    fmt: Callable[[float], str]


def fmt_rate(value: float) -> str:
    if value >= 10_000:
        return f"{value / 1000:,.0f}k"
    if value >= 1000:
        return f"{value / 1000:.1f}k"
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}"


def fmt_time(seconds: float) -> str:
    if seconds >= 0.1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    if seconds >= 1e-6:
        return f"{seconds * 1e6:.1f} µs"
    return f"{seconds * 1e9:.0f} ns"


def fmt_ms(value: float) -> str:
    return f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"


def fmt_mbps(value: float) -> str:
    return f"{value / 1e6:,.0f} MB/s" if value >= 1e7 else f"{value / 1e6:.1f} MB/s"


def metrics_for(scenario: Scenario, side: str) -> list[Metric]:
    ops = scenario.ops
    cpu = Metric("cpu", "CPU/op", False, fmt_time)
    if scenario.kind == "large":
        return [Metric("throughput", "MB/s", True, fmt_mbps), cpu]
    if scenario.kind == "memory":
        return [Metric("memory", "KiB/conn", False, lambda v: f"{v:.1f} KiB")]
    if scenario.kind == "deflate":
        found = [Metric("throughput", "MB/s (JSON)", True, fmt_mbps), cpu]
        if side == "server":
            found.append(Metric("ratio", "compression", True, lambda v: f"{v:.2f}:1"))
        return found
    found = [Metric("rate", ops, True, lambda v: f"{fmt_rate(v)}/s"), cpu]
    if scenario.kind == "connections":
        found += [
            Metric("p50", "p50 latency", False, fmt_ms),
            Metric("p99", "p99 latency", False, fmt_ms),
        ]
    return found


# Above this share of its core, the load generator is what limits throughput.
SATURATED = 0.9


def derive(scenario: Scenario, side: str, result: dict[str, Any]) -> dict[str, float]:
    if scenario.kind == "memory":
        return {"memory": result["kib_per_conn"]}
    ops, wall = result["ops"], result["wall"]
    if not ops or not wall:
        raise RuntimeError(f"nothing measured: {result}")
    figures = {"cpu": result["cpu"] / ops}
    if scenario.kind in ("large", "deflate"):
        figures["throughput"] = result["bytes"] / wall
    else:
        figures["rate"] = ops / wall
    if "ratio" in result:
        figures["ratio"] = result["ratio"]
    if "p50_ms" in result:
        figures["p50"], figures["p99"] = result["p50_ms"], result["p99_ms"]
    if side == "server" and "loadgen_cpu" in result:
        figures["loadgen"] = result["loadgen_cpu"] / wall
    return figures


# Child processes: each in a process group of its own, killed when we go.


def _die_with_parent() -> None:
    """In the child, before exec: get SIGKILL if the orchestrator dies."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class Children:
    def __init__(self) -> None:
        self.live: set[subprocess.Popen[bytes]] = set()

    def spawn(self, cmd: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(cmd, start_new_session=True, preexec_fn=_die_with_parent, **kwargs)
        self.live.add(proc)
        return proc

    def kill(self, proc: subprocess.Popen[bytes]) -> None:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=10)
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
        self.live.discard(proc)

    def kill_all(self) -> None:
        for proc in list(self.live):
            self.kill(proc)


CHILDREN = Children()


class Skipped(Exception):
    """The implementation can't run this scenario."""


class Failed(Exception):
    """The measurement failed; the message says why."""


def tail(path: Path, lines: int = 12) -> str:
    try:
        text = path.read_text(errors="replace").rstrip().splitlines()
    except OSError:
        return ""
    return "\n".join(text[-lines:])


def read_line(proc: subprocess.Popen[bytes], timeout: float) -> str:
    """One line from a child's stdout, or "" at EOF or timeout."""
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    data = b""
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while b"\n" not in data:
            left = deadline - time.monotonic()
            if left <= 0 or not selector.select(left):
                return ""
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            data += chunk
    return data.decode(errors="replace").strip()


# Virtual environments.


def venv_python(impl: str) -> Path:
    return VENVS / impl / "bin" / "python"


def our_distributions() -> list[Path]:
    return sorted(path.parent for path in (ROOT / "packages").glob("*/pyproject.toml"))


def fingerprint(folders: list[Path]) -> str:
    digest = hashlib.sha256()
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            parts = set(path.parts)
            if not path.is_file() or "__pycache__" in parts or path.suffix in (".so", ".pyc"):
                continue
            if any(
                part in ("build", "dist") or part.endswith(".egg-info")
                for part in path.relative_to(folder).parts
            ):
                continue
            digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def ensure_venv(impl: str, log: Callable[[str], None]) -> Path:
    """Create or refresh the environment of ``impl``; return its interpreter."""
    if impl == "raw":
        return Path(sys.executable)
    folder = VENVS / impl
    marker = folder / "bench-installed.json"
    if impl == "ours":
        folders = our_distributions()
        wanted = {
            "install": [str(f.relative_to(ROOT)) for f in folders],
            "sources": fingerprint(folders),
        }
        install = [str(f) for f in folders]
        env = {**os.environ, "WEBSOCKETS_BUILD_SPEEDUPS": "yes"}
    else:
        wanted = {"install": PYPI[impl]}
        install = PYPI[impl]
        env = dict(os.environ)
    if marker.exists() and venv_python(impl).exists():
        try:
            if json.loads(marker.read_text()) == wanted:
                return venv_python(impl)
        except ValueError:
            pass
    if not venv_python(impl).exists():
        log(f"creating {folder.relative_to(ROOT)}")
        subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    log(f"installing {impl}: {' '.join(wanted['install'])}")
    done = subprocess.run(
        [
            str(venv_python(impl)),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            *install,
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if "is ignored" not in line]
        raise Failed(f"pip install failed for {impl}:\n" + "\n".join(lines[-15:]))
    marker.write_text(json.dumps(wanted))
    return venv_python(impl)


def versions(impl: str, python: Path) -> dict[str, str]:
    code = (
        "import importlib.metadata as m, importlib.util as u, json, platform, sys\n"
        f"names = {DISTRIBUTIONS[impl]!r}\n"
        "out = {'python': platform.python_version()}\n"
        "for name in names:\n"
        "    try: out[name] = m.version(name)\n"
        "    except m.PackageNotFoundError: pass\n"
        "if 'websockets' in names:\n"
        "    import websockets\n"
        "    out['websockets.__file__'] = websockets.__file__\n"
        "    out['C speedups'] = 'yes' if u.find_spec('websockets.speedups') else 'no'\n"
        "    out['websockets.sync'] = 'yes' if u.find_spec('websockets.sync') else 'no'\n"
        "print(json.dumps(out))\n"
    )
    done = subprocess.run([str(python), "-c", code], capture_output=True, text=True, cwd=STATE)
    if done.returncode != 0:
        raise Failed(f"{impl}: can't import: {done.stderr.strip().splitlines()[-1:]}")
    found: dict[str, str] = json.loads(done.stdout)
    where = found.pop("websockets.__file__", None)
    if where is not None and not where.startswith(str(VENVS / impl)):
        raise Failed(f"{impl}: websockets imported from {where}, outside its environment")
    return found


def machine() -> dict[str, str]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
    except OSError:
        pass
    return {
        "cpu": model,
        "cores": str(os.cpu_count()),
        "memory": memory,
        "kernel": platform.release(),
        "python": platform.python_version(),
    }


def cpu_busy(seconds: float = 1.0) -> float:
    """Fraction of the machine's CPU time spent busy over ``seconds``."""

    def sample() -> tuple[int, int]:
        with open("/proc/stat") as stat:
            values = [int(v) for v in stat.readline().split()[1:]]
        idle = values[3] + values[4]  # idle + iowait
        return sum(values), idle

    total0, idle0 = sample()
    time.sleep(seconds)
    total1, idle1 = sample()
    return 1 - (idle1 - idle0) / max(1, total1 - total0)


class ForeignLoad:
    """How much CPU processes other than ours took during a span: the
    machine's busy time (user, nice, system in /proc/stat) minus the CPU
    time of this process and of every child, live or reaped."""

    def __init__(self) -> None:
        self.start = self.sample()

    @staticmethod
    def sample() -> tuple[float, float, float]:
        with open("/proc/stat") as stat:
            values = [int(value) for value in stat.readline().split()[1:4]]
        busy = sum(values) / CLOCK_TICKS
        ours = 0.0
        for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
            usage = resource.getrusage(who)
            ours += usage.ru_utime + usage.ru_stime
        for proc in list(CHILDREN.live):
            with contextlib.suppress(OSError, IndexError, ValueError):
                ours += cpu_seconds(proc.pid)
        return time.monotonic(), busy, ours

    def share(self) -> float:
        """Share of the machine's CPU capacity that others used."""
        end = self.sample()
        wall = end[0] - self.start[0]
        foreign = (end[1] - self.start[1]) - (end[2] - self.start[2])
        return max(0.0, foreign / (wall * (os.cpu_count() or 1))) if wall > 0 else 0.0


# Share of the CPU taken by other processes above which a figure is noisy.
NOISY = 0.1


# Running one measurement.


class Server:
    """A server in a child process: one under test, or the echo server."""

    def __init__(self, module: str, python: Path, args: list[str], log_path: Path) -> None:
        self.log_path = log_path
        # Open for the server's lifetime; stop() closes it.
        self.log = open(log_path, "ab")  # noqa: SIM115
        self.proc = CHILDREN.spawn(
            [str(python), "-m", module, *args],
            cwd=SCRIPTS,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
        )
        line = read_line(self.proc, timeout=60)
        if line.startswith(READY):
            self.port = int(line.split()[1])
            self.pid = self.proc.pid
            return
        self.stop()
        if line.startswith(SKIP):
            raise Skipped(line[len(SKIP) :].strip())
        raise Failed(f"server didn't start ({line or 'no output'})\n{tail(log_path)}")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        CHILDREN.kill(self.proc)
        self.log.close()


def run_child(
    cmd: list[str], timeout: float, log_path: Path, cwd: Path = SCRIPTS
) -> dict[str, Any]:
    proc = CHILDREN.spawn(
        cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        CHILDREN.kill(proc)
        raise Failed(f"timed out after {timeout:.0f} s") from None
    finally:
        CHILDREN.kill(proc)
    stderr = err.decode(errors="replace")
    if stderr.strip():
        with open(log_path, "a") as log:
            log.write(f"$ {' '.join(cmd[-2:])}\n{stderr}\n")
    for line in out.decode(errors="replace").splitlines():
        if line.startswith(RESULT):
            result: dict[str, Any] = json.loads(line[len(RESULT) :])
            return result
        if line.startswith(SKIP):
            raise Skipped(line[len(SKIP) :].strip())
    if proc.returncode == EXIT_SKIP:
        raise Skipped("skipped")
    last = [line for line in stderr.strip().splitlines() if line.strip()][-3:]
    raise Failed(f"exit code {proc.returncode}: " + (" / ".join(last) or "no output"))


# The run.


@dataclass
class Cell:
    """One scenario, one side, one implementation: a measurement per round."""

    rounds: dict[int, dict[str, float]] = field(default_factory=dict)
    raw: dict[int, dict[str, Any]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    skipped: str | None = None
    # Share of the CPU that other processes took during each round.
    foreign: dict[int, float] = field(default_factory=dict)


class Runner:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.quick = args.quick
        self.rounds = args.rounds or (2 if self.quick else 4)
        self.duration = args.duration or (0.2 if self.quick else 0.6)
        self.warmup = 0.1 if self.quick else 0.2
        stamp = time.strftime("%Y%m%d-%H%M%S")
        self.logs = STATE / "logs" / stamp
        self.logs.mkdir(parents=True, exist_ok=True)
        self.pythons: dict[str, Path] = {}
        self.setup_errors: dict[str, str] = {}
        self.versions: dict[str, dict[str, str]] = {}
        self.cells: dict[tuple[str, str], dict[str, Cell]] = {}
        self.echo: Server | None = None
        self.started = time.monotonic()
        self.busy_before = 0.0
        # Seconds the whole run may spend waiting for a quiet machine.
        self.quiet_budget = 30.0 if self.quick else 120.0

    def log(self, message: str) -> None:
        elapsed = time.monotonic() - self.started
        print(f"[{elapsed:6.1f}s] {message}", flush=True)

    # setup

    def setup(self, impls: list[str]) -> None:
        VENVS.mkdir(parents=True, exist_ok=True)
        for impl in impls:
            try:
                python = ensure_venv(impl, self.log)
                self.versions[impl] = versions(impl, python)
                self.pythons[impl] = python
            except (Failed, subprocess.CalledProcessError, OSError) as exc:
                self.setup_errors[impl] = str(exc)
                self.log(f"{impl}: setup failed: {exc}")
        for impl, found in self.versions.items():
            self.log(f"{impl}: " + ", ".join(f"{k} {v}" for k, v in found.items()))

    def echo_server(self) -> Server:
        if self.echo is None or not self.echo.alive():
            if self.echo is not None:
                self.log("echo server died; restarting it")
                self.echo.stop()
            self.echo = Server(
                "bench.echo_server", Path(sys.executable), [], self.logs / "echo-server.log"
            )
        return self.echo

    # measuring

    def params(self, scenario: Scenario) -> dict[str, Any]:
        params = {
            "kind": scenario.kind,
            "api": scenario.api,
            "warmup": self.warmup,
            "duration": self.duration,
            "timeout": scenario.timeout,
            **scenario.params,
        }
        if self.quick:
            params.update(scenario.quick)
        if scenario.kind == "memory":
            params["settle"] = 0.3 if self.quick else 1.0
        return params

    def measure_server(self, scenario: Scenario, impl: str, server: Server) -> dict[str, Any]:
        params = {**self.params(scenario), "port": server.port, "pid": server.pid}
        cmd = [sys.executable, "-m", "bench.loadgen", json.dumps(params)]
        try:
            return run_child(cmd, scenario.timeout + 15, self.logs / f"loadgen-{impl}.log")
        except Failed as exc:
            if not server.alive():
                raise Failed(f"{exc}; the server died:\n{tail(server.log_path)}") from None
            raise

    def measure_client(self, scenario: Scenario, impl: str) -> dict[str, Any]:
        echo = self.echo_server()
        params = {**self.params(scenario), "port": echo.port}
        cmd = [str(self.pythons[impl]), "-m", f"bench.clients.{impl}", json.dumps(params)]
        return run_child(cmd, scenario.timeout + 15, self.logs / f"client-{impl}.log")

    def wait_for_quiet(self) -> None:
        """Give other processes' bursts (a test run, a build) a moment to end
        before a scenario, within a budget that keeps the run on time."""
        waited = 0.0
        while self.quiet_budget > 0:
            busy = cpu_busy(0.5)
            if busy < NOISY:
                break
            if waited == 0:
                self.log(f"other processes keep the CPU {busy:.0%} busy; waiting for them")
            self.quiet_budget -= 0.5
            waited += 0.5
            if waited >= 30:
                break
        if waited:
            self.log(f"waited {waited:.0f} s; going on")

    def start_server(self, scenario: Scenario, impl: str) -> Server:
        module, log_path = f"bench.servers.{impl}", self.logs / f"server-{impl}.log"
        return Server(module, self.pythons[impl], ["--api", scenario.api], log_path)

    def measure(
        self, scenario: Scenario, side: str, impl: str, servers: dict[str, Server]
    ) -> dict[str, Any]:
        if side == "client":
            return self.measure_client(scenario, impl)
        if not scenario.fresh_server:
            return self.measure_server(scenario, impl, servers[impl])
        server = self.start_server(scenario, impl)
        try:
            return self.measure_server(scenario, impl, server)
        finally:
            server.stop()

    def record(
        self,
        cell: Cell,
        scenario: Scenario,
        side: str,
        round_: int,
        action: Callable[[], dict[str, Any]],
    ) -> str:
        load = ForeignLoad()
        try:
            result = action()
            cell.foreign[round_] = load.share()
            cell.raw[round_] = result
            cell.rounds[round_] = derive(scenario, side, result)
            if cell.foreign[round_] > NOISY:
                return f"ok (other processes took {cell.foreign[round_]:.0%} of the CPU)"
            return "ok"
        except Skipped as exc:
            cell.skipped = str(exc)
            return f"skipped ({exc})"
        except Failed as exc:
            cell.errors.append(str(exc))
            return f"FAILED: {str(exc).splitlines()[0]}"
        except Exception as exc:  # a bug of ours, in derive() for instance
            cell.errors.append(f"{type(exc).__name__}: {exc}")
            traceback.print_exc()
            return f"FAILED: {type(exc).__name__}: {exc}"

    def run_scenario(self, scenario: Scenario, side: str, impls: list[str]) -> None:
        cells = {impl: Cell() for impl in impls}
        self.cells[(scenario.name, side)] = cells
        for impl in impls:
            if impl in self.setup_errors:
                cells[impl].errors.append(f"setup failed: {self.setup_errors[impl]}")
        usable = [impl for impl in impls if impl in self.pythons]
        servers: dict[str, Server] = {}
        try:
            if side == "server" and not scenario.fresh_server:
                for impl in usable:
                    try:
                        servers[impl] = self.start_server(scenario, impl)
                    except Skipped as exc:
                        cells[impl].skipped = str(exc)
                    except Failed as exc:
                        cells[impl].errors.append(str(exc))
                usable = [impl for impl in usable if impl in servers]
            for round_ in range(self.rounds):
                shift = round_ % len(usable) if usable else 0
                for impl in usable[shift:] + usable[:shift]:
                    cell = cells[impl]
                    if cell.skipped:
                        continue
                    action = functools.partial(self.measure, scenario, side, impl, servers)
                    status = self.record(cell, scenario, side, round_, action)
                    if impl in servers and not servers[impl].alive():
                        servers[impl].stop()
                        try:
                            servers[impl] = self.start_server(scenario, impl)
                        except (Skipped, Failed) as exc:
                            cell.errors.append(f"restart failed: {exc}")
                    summary = ""
                    if round_ in cell.rounds:
                        first = metrics_for(scenario, side)[0]
                        summary = first.fmt(cell.rounds[round_][first.key])
                    self.log(
                        f"{side} {scenario.name} round {round_ + 1} {impl}: {status} {summary}"
                    )
        finally:
            for server in servers.values():
                server.stop()

    # reporting

    def summary(self) -> dict[str, Any]:
        table = []
        for scenario in SCENARIOS:
            for side in scenario.sides:
                cells = self.cells.get((scenario.name, side))
                if cells is None:
                    continue
                base = cells.get(BASELINE)
                shares = [share for cell in cells.values() for share in cell.foreign.values()]
                foreign = statistics.median(shares) if shares else 0.0
                for metric in metrics_for(scenario, side):
                    row: dict[str, Any] = {
                        "scenario": scenario.name,
                        "title": scenario.title,
                        "side": side,
                        "metric": metric.key,
                        "label": metric.label,
                        "higher_is_better": metric.higher_is_better,
                        "foreign_cpu": foreign,
                        "impls": {},
                    }
                    for impl, cell in cells.items():
                        values = [
                            figures[metric.key]
                            for figures in cell.rounds.values()
                            if metric.key in figures
                        ]
                        entry: dict[str, Any] = {}
                        if values:
                            entry["value"] = statistics.median(values)
                            entry["text"] = metric.fmt(entry["value"])
                            shares = [f["loadgen"] for f in cell.rounds.values() if "loadgen" in f]
                            if metric.higher_is_better and metric.key != "ratio" and shares:
                                entry["load_generator_share"] = statistics.median(shares)
                            if base is not None:
                                ratios = [
                                    figures[metric.key] / base.rounds[r][metric.key]
                                    for r, figures in cell.rounds.items()
                                    if r in base.rounds
                                    and base.rounds[r].get(metric.key)
                                    and metric.key in figures
                                ]
                                if ratios:
                                    entry["ratio"] = statistics.median(ratios)
                        if cell.skipped:
                            entry["skipped"] = cell.skipped
                        if cell.errors:
                            entry["errors"] = cell.errors
                        row["impls"][impl] = entry
                    table.append(row)
        return {
            "machine": machine(),
            "versions": self.versions,
            "setup_errors": self.setup_errors,
            "mode": "quick" if self.quick else "full",
            "rounds": self.rounds,
            "duration": self.duration,
            "elapsed": time.monotonic() - self.started,
            "cpu_busy_before": self.busy_before,
            "load_average_after": Path("/proc/loadavg").read_text().split()[:3],
            "table": table,
            "raw": {
                f"{name}/{side}": {
                    impl: {"rounds": cell.raw, "errors": cell.errors}
                    for impl, cell in cells.items()
                }
                for (name, side), cells in self.cells.items()
            },
        }


def render(summary: dict[str, Any], impls: list[str]) -> str:
    """The table of figures and ratios to upstream, as plain text."""
    columns = [impl for impl in impls if impl == BASELINE] + [
        impl for impl in impls if impl != BASELINE
    ]
    head = ["scenario", "figure", *columns]
    rows: list[list[str]] = []
    notes: list[str] = []
    noisy: list[str] = []
    last_title = None
    for row in summary["table"]:
        title = f"{row['side']}: {row['title']}"
        if row["foreign_cpu"] > NOISY:
            title += " ~"
            note = f"{title[:-2]}: other processes took {row['foreign_cpu']:.0%} of the CPU"
            if note not in noisy:
                noisy.append(note)
        arrow = "↑" if row["higher_is_better"] else "↓"
        line = [title if title != last_title else "", f"{row['label']} {arrow}"]
        last_title = title
        for impl in columns:
            entry = row["impls"].get(impl)
            if entry is None:
                line.append("")
            elif "text" in entry:
                text = entry["text"]
                if entry.get("load_generator_share", 0) > SATURATED:
                    text += "*"
                if impl != BASELINE and "ratio" in entry:
                    text += f" ({entry['ratio']:.2f}x)"
                if entry.get("errors"):
                    text += " !"
                line.append(text)
            elif entry.get("skipped"):
                line.append("n/a")
            elif entry.get("errors"):
                line.append("failed")
                lines = [line for line in entry["errors"][0].splitlines() if line.strip()]
                reason = lines[0] + (f" ... {lines[-1].strip()}" if len(lines) > 1 else "")
                note = f"{title}, {impl}: {reason}"
                if note not in notes:
                    notes.append(note)
            else:
                line.append("")
        rows.append(line)
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    out = []
    rule = "  ".join("-" * w for w in widths)
    out.append(rule)
    out.append("  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)).rstrip())
    out.append(rule)
    for line in rows:
        if line[0] and len(out) > 3:
            out.append("")
        out.append("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())
    out.append(rule)
    if notes:
        out.append("")
        out.append("Failures:")
        out.extend(f"- {note}" for note in notes)
    if noisy:
        out.append("")
        out.append("Noisy (~), median over the scenario's measurements:")
        out.extend(f"- {note}" for note in noisy)
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bench-all",
        description="Benchmark our websockets against upstream websockets, picows, aiohttp and raw asyncio.",
    )
    parser.add_argument(
        "--quick", action="store_true", help="fewer rounds, shorter spans, smaller counts (≈ 2 min)"
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="SCENARIO",
        help="run these scenarios (repeat or comma-separate)",
    )
    parser.add_argument(
        "--impl",
        action="append",
        default=[],
        metavar="NAME",
        help=f"run these implementations ({', '.join(IMPLS)})",
    )
    parser.add_argument("--side", choices=["server", "client"], help="run one side only")
    parser.add_argument("--rounds", type=int, help="rounds per scenario (default: 4, quick: 2)")
    parser.add_argument(
        "--duration", type=float, help="seconds measured per round (default: 0.6, quick: 0.2)"
    )
    parser.add_argument(
        "--json", metavar="FILE", help="also write every figure and raw measurement as JSON"
    )
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    args = parser.parse_args(argv)

    if args.list:
        for scenario in SCENARIOS:
            print(f"{scenario.name:<18} {'/'.join(scenario.sides):<14} {scenario.title}")
        return 0
    only = {name for value in args.only for name in value.split(",") if name}
    unknown = only - {scenario.name for scenario in SCENARIOS}
    if unknown:
        parser.error(f"unknown scenario: {', '.join(sorted(unknown))} (see --list)")
    impls = [name for value in args.impl for name in value.split(",") if name] or list(IMPLS)
    if set(impls) - set(IMPLS):
        parser.error(f"unknown implementation: {', '.join(sorted(set(impls) - set(IMPLS)))}")
    if BASELINE not in impls:
        print(f"note: without {BASELINE}, no ratio can be computed", file=sys.stderr)
    impls = [impl for impl in IMPLS if impl in impls]

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard != resource.RLIM_INFINITY and hard < 4500:
        print(
            f"warning: RLIMIT_NOFILE hard limit {hard} is below what 2,000 connections need",
            file=sys.stderr,
        )

    atexit.register(CHILDREN.kill_all)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    busy = cpu_busy()
    if busy > 0.1:
        print(
            f"warning: other processes keep the CPU {busy:.0%} busy; figures will be noisy",
            file=sys.stderr,
        )
    runner = Runner(args)
    runner.busy_before = busy
    runner.log(
        f"{'quick' if args.quick else 'full'} run: {runner.rounds} rounds of {runner.duration} s; logs in {runner.logs.relative_to(ROOT)}"
    )
    try:
        runner.setup(impls)
        for scenario in SCENARIOS:
            if only and scenario.name not in only:
                continue
            for side in scenario.sides:
                if args.side and side != args.side:
                    continue
                wanted = [impl for impl in impls if impl in scenario.impls]
                if wanted:
                    runner.wait_for_quiet()
                    runner.run_scenario(scenario, side, wanted)
    except KeyboardInterrupt:
        runner.log("interrupted: reporting what was measured")
    finally:
        if runner.echo is not None:
            runner.echo.stop()
        CHILDREN.kill_all()

    summary = runner.summary()
    info = summary["machine"]
    print()
    print(
        f"{info['cores']} cores, {info['cpu']}, {info['memory']}, Linux {info['kernel']}, Python {info['python']}; "
        f"{summary['mode']} run, {summary['rounds']} rounds of {summary['duration']} s, "
        f"{summary['elapsed'] / 60:.1f} min; CPU busy before: {summary['cpu_busy_before']:.0%}, "
        f"load average after: {' '.join(summary['load_average_after'])}"
    )
    for impl, found in summary["versions"].items():
        print(f"  {impl}: " + ", ".join(f"{k} {v}" for k, v in found.items() if k != "python"))
    print()
    print(render(summary, impls))
    print()
    print(
        "Ratios are to upstream websockets (figure ÷ upstream's figure), medians of per-round ratios; "
        "↑ higher is better, ↓ lower is better. CPU/op is the CPU time of the process under test per "
        "message (per connection for handshakes). ! = some rounds failed. * = the load generator "
        f"used over {SATURATED:.0%} of a core: it, not the server, limited throughput."
    )
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=2) + "\n")
        print(f"JSON written to {args.json}")
    return 0
